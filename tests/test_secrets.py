"""Secret hygiene: the access key secret and the security token never appear in a
log record (DEBUG included, urllib3's too), an exception message, a repr or the
CLI's output; the result token appears only masked.

Each test runs a success and a failure path and then searches everything
that was produced for the secrets.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from configrules_example_rules import ecs_instance_no_public_ip

from configrules import Compliance, ConfigClient, Evaluation, SubmissionError, make_handler
from configrules._credentials import Credentials, EnvironmentProvider, default_chain
from configrules._events import parse_event
from configrules._redact import mask
from configrules.cli import main
from configrules.testing import make_event, make_resource

KEY, SECRET, TOKEN = "STS.sts", "stssecret", "the-sts-token"  # accepted by the emulator
RESULT_TOKEN = "RESULT-TOKEN-0123456789abcdefghijklmnop"
NEVER = (SECRET, TOKEN)
EVENTS = Path(__file__).parent.parent / "example_rules" / "events"


def _texts(caplog: pytest.LogCaptureFixture, *extra: Any) -> Iterable[str]:
    for record in caplog.records:
        yield record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            yield "".join(traceback.format_exception(record.exc_info[1]))
    for thing in extra:
        if isinstance(thing, BaseException):
            yield "".join(traceback.format_exception(thing))
            yield repr(thing)
            for cause in getattr(thing, "causes", ()):
                yield str(cause)
                yield repr(cause)
        else:
            yield thing if isinstance(thing, str) else repr(thing)


def _assert_clean(texts: Iterable[str]) -> None:
    seen = list(texts)
    assert seen, "nothing was captured: the test checks nothing"
    for text in seen:
        for secret in NEVER:
            assert secret not in text, f"{secret!r} leaked in: {text[:300]}"
        assert RESULT_TOKEN not in text, f"unmasked result token in: {text[:300]}"


def _evaluation() -> Evaluation:
    return Evaluation(
        "r", "i-1", "ACS::ECS::Instance", "cn-hangzhou", Compliance.COMPLIANT, "ok", 1
    )


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_client_success_and_failure(emulator: Any, debug_logs: Any, version: str) -> None:
    credentials = Credentials(KEY, SECRET, TOKEN)
    with ConfigClient(credentials, endpoint=emulator.endpoint, signature_version=version) as ok:
        ok.put_evaluations(RESULT_TOKEN, [_evaluation()])
        produced: list[Any] = [ok, credentials]
    wrong = Credentials(KEY, SECRET + "-wrong", TOKEN)
    with ConfigClient(wrong, endpoint=emulator.endpoint, signature_version=version) as bad:
        with pytest.raises(SubmissionError) as info:
            bad.put_evaluations(RESULT_TOKEN, [_evaluation()])
        produced += [info.value, bad, wrong]
    assert any("urllib3" in r.name for r in debug_logs.records)  # DEBUG really was on
    _assert_clean(_texts(debug_logs, *produced))


def test_handler_success_and_failure(emulator: Any, debug_logs: Any) -> None:
    event = make_event(
        make_resource("ACS::ECS::Instance", {"PublicIpAddress": {"IpAddress": ["1.2.3.4"]}}),
        result_token=RESULT_TOKEN,
    )
    handler = make_handler(
        ecs_instance_no_public_ip,
        credentials=Credentials(KEY, SECRET, TOKEN),
        endpoint=emulator.endpoint,
    )
    summary = handler(event, None)
    emulator.faults.error("NoPermission", 400, times=None)
    with pytest.raises(SubmissionError) as info:
        handler(event, None)
    # The invocation log line names the token, masked.
    masked = json.dumps(mask(RESULT_TOKEN))[1:-1]  # as it appears inside the JSON log line
    assert any(masked in r.getMessage() for r in debug_logs.records)
    _assert_clean(_texts(debug_logs, summary, info.value, parse_event(event)))


def test_handler_with_fc3_environment_credentials(
    emulator: Any, debug_logs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET + "-wrong")
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN)
    monkeypatch.setenv("CONFIGRULES_ENDPOINT", emulator.endpoint)
    handler = make_handler(ecs_instance_no_public_ip)
    event = (EVENTS / "ecs-instance-public-ip.json").read_bytes()
    with pytest.raises(SubmissionError) as info:
        handler(event, None)
    provider = default_chain()
    _assert_clean(_texts(debug_logs, info.value, provider, EnvironmentProvider(), provider.get()))


@pytest.mark.parametrize("debug", [False, True])
def test_cli_invoke_success_and_failure(emulator: Any, debug_logs: Any, debug: bool) -> None:
    event = str(EVENTS / "ecs-instance-public-ip.json")
    prefix = ["--debug"] if debug else []
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": KEY,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
        "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN,
    }
    runner = CliRunner()
    args = [*prefix, "invoke", "ecs_instance_no_public_ip", event, "--endpoint", emulator.endpoint]
    ok = runner.invoke(main, args, env=env)
    assert ok.exit_code == 0, ok.output
    failed = runner.invoke(main, args, env={**env, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "nope"})
    assert failed.exit_code != 0
    produced: list[Any] = [ok.output, failed.output]
    if failed.exception is not None and not isinstance(failed.exception, SystemExit):
        produced.append(failed.exception)
    _assert_clean(_texts(debug_logs, *produced))
