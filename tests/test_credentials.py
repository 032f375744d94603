"""Credential providers and the default chain; secrets never shown."""

from __future__ import annotations

import http.server
import json
import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from configrules._credentials import (
    ChainProvider,
    CliProfileProvider,
    Credentials,
    EcsRamRoleProvider,
    EnvironmentProvider,
    FunctionComputeContextProvider,
    StaticProvider,
    default_chain,
)
from configrules.errors import CredentialsError

SECRET = "s3cr3t-VALUE-never-shown"
TOKEN = "sts-TOKEN-never-shown"


def test_credentials_never_show_secrets() -> None:
    creds = Credentials("LTAI5tExampleKeyId", SECRET, TOKEN)
    for text in (repr(creds), str(creds), repr(StaticProvider(creds))):
        assert SECRET not in text and TOKEN not in text
        assert "LTAI5tExampleKeyId" not in text
    assert "security_token=<set>" in repr(creds)
    with pytest.raises(CredentialsError):
        Credentials("", SECRET)


def test_fc_context_provider() -> None:
    context = SimpleNamespace(
        credentials=SimpleNamespace(
            access_key_id="id", access_key_secret=SECRET, security_token=TOKEN
        )
    )
    creds = FunctionComputeContextProvider(context).get()
    assert creds is not None
    assert (creds.access_key_id, creds.security_token) == ("id", TOKEN)
    assert FunctionComputeContextProvider(SimpleNamespace()).get() is None
    assert (
        FunctionComputeContextProvider(
            SimpleNamespace(credentials=SimpleNamespace(access_key_id="", access_key_secret=""))
        ).get()
        is None
    )


def test_environment_provider() -> None:
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "id",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
        "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN,
    }
    creds = EnvironmentProvider(env).get()
    assert creds is not None and creds.security_token == TOKEN
    assert EnvironmentProvider({}).get() is None
    with pytest.raises(CredentialsError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET") as info:
        EnvironmentProvider({"ALIBABA_CLOUD_ACCESS_KEY_ID": "id"}).get()
    assert SECRET not in str(info.value)


def write_profiles(path: Path, current: str = "default") -> Path:
    path.write_text(
        json.dumps(
            {
                "current": current,
                "profiles": [
                    {
                        "name": "default",
                        "mode": "AK",
                        "access_key_id": "ak-id",
                        "access_key_secret": SECRET,
                    },
                    {
                        "name": "sts",
                        "mode": "StsToken",
                        "access_key_id": "STS.id",
                        "access_key_secret": SECRET,
                        "sts_token": TOKEN,
                    },
                    {"name": "sso", "mode": "CloudSSO"},
                    {
                        "name": "broken",
                        "mode": "StsToken",
                        "access_key_id": "x",
                        "access_key_secret": "y",
                    },
                ],
            }
        )
    )
    return path


def test_cli_profile_provider(tmp_path: Path) -> None:
    path = write_profiles(tmp_path / "config.json")
    creds = CliProfileProvider(path, environ={}).get()
    assert creds is not None and (creds.access_key_id, creds.provider) == (
        "ak-id",
        "cli-profile:default",
    )
    sts = CliProfileProvider(path, environ={"ALIBABA_CLOUD_PROFILE": "sts"}).get()
    assert sts is not None and sts.security_token == TOKEN
    with pytest.raises(CredentialsError, match="CloudSSO"):
        CliProfileProvider(path, profile="sso", environ={}).get()
    with pytest.raises(CredentialsError, match="sts_token"):
        CliProfileProvider(path, profile="broken", environ={}).get()
    with pytest.raises(CredentialsError, match="no profile 'ghost'"):
        CliProfileProvider(path, profile="ghost", environ={}).get()
    assert CliProfileProvider(tmp_path / "missing.json", environ={}).get() is None
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(CredentialsError, match="not valid JSON"):
        CliProfileProvider(tmp_path / "bad.json", environ={}).get()
    env_path = CliProfileProvider(environ={"ALIBABA_CLOUD_CONFIG_FILE": str(path)})
    assert env_path.path == path


class _Metadata(http.server.BaseHTTPRequestHandler):
    calls: list[str] = []
    expiration = ""

    def do_PUT(self) -> None:
        self.calls.append("PUT " + self.path)
        self._answer(200, "md-token")

    def do_GET(self) -> None:
        self.calls.append("GET " + self.path)
        assert self.headers.get("X-aliyun-ecs-metadata-token") == "md-token"
        if self.path.endswith("/security-credentials/"):
            self._answer(200, "my-role\n")
        elif self.path.endswith("/my-role"):
            self._answer(
                200,
                json.dumps(
                    {
                        "Code": "Success",
                        "AccessKeyId": "STS.role",
                        "AccessKeySecret": SECRET,
                        "SecurityToken": TOKEN,
                        "Expiration": self.expiration,
                    }
                ),
            )
        else:
            self._answer(404, "")

    def _answer(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def metadata() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Metadata)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Metadata.calls = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_ecs_ram_role_provider_refreshes_before_expiration(metadata: str) -> None:
    expires = datetime.now(timezone.utc) + timedelta(hours=1)
    _Metadata.expiration = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    now = [expires.timestamp() - 3600]
    provider = EcsRamRoleProvider(base_url=metadata, clock=lambda: now[0])
    creds = provider.get()
    assert (creds.access_key_id, creds.security_token, creds.provider) == (
        "STS.role",
        TOKEN,
        "ecs-ram-role:my-role",
    )
    fetches = len(_Metadata.calls)
    provider.get()
    assert len(_Metadata.calls) == fetches  # cached
    now[0] = expires.timestamp() - 60  # inside the refresh margin
    provider.get()
    assert len(_Metadata.calls) > fetches


def test_ecs_ram_role_provider_never_goes_through_a_proxy(
    metadata: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The metadata service answers on the instance only; a proxy from the
    # environment (here a dead port) must not be asked.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    _Metadata.expiration = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert EcsRamRoleProvider(base_url=metadata).get().access_key_id == "STS.role"


def test_ecs_ram_role_provider_errors(metadata: str) -> None:
    with pytest.raises(CredentialsError, match="not available|HTTP 404"):
        EcsRamRoleProvider("other-role", base_url=metadata).get()
    with pytest.raises(CredentialsError, match="unreachable"):
        EcsRamRoleProvider("r", base_url="http://127.0.0.1:9", timeout=0.5).get()


def test_chain_order_and_error_lists_what_was_tried(tmp_path: Path) -> None:
    context = SimpleNamespace(
        credentials=SimpleNamespace(
            access_key_id="fc", access_key_secret=SECRET, security_token=TOKEN
        )
    )
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "env",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
        "ALIBABA_CLOUD_CONFIG_FILE": str(tmp_path / "none.json"),
    }
    assert default_chain(context, environ=env).get().access_key_id == "fc"
    assert default_chain(None, environ=env).get().access_key_id == "env"
    profile = write_profiles(tmp_path / "config.json")
    assert (
        default_chain(environ={"ALIBABA_CLOUD_CONFIG_FILE": str(profile)}).get().access_key_id
        == "ak-id"
    )
    chain = default_chain(environ={"ALIBABA_CLOUD_CONFIG_FILE": str(tmp_path / "none.json")})
    with pytest.raises(CredentialsError) as info:
        chain.get()
    message = str(info.value)
    assert "environment (nothing found)" in message and "cli-profile (nothing found)" in message
    assert "ecs-ram-role" not in repr(chain)
    with_role = default_chain(environ={"ALIBABA_CLOUD_ECS_METADATA": "my-role"})
    assert "ecs-ram-role" in repr(with_role)


def test_chain_remembers_the_winner() -> None:
    class Counting:
        name = "counting"
        calls = 0

        def get(self) -> Credentials | None:
            self.calls += 1
            return Credentials("a", "b")

    first = Counting()
    chain = ChainProvider([EnvironmentProvider({}), first])
    chain.get()
    chain.get()
    assert first.calls == 2


def test_no_secret_in_logs(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    try:
        default_chain(
            environ={
                "ALIBABA_CLOUD_ACCESS_KEY_ID": "",
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
                "ALIBABA_CLOUD_CONFIG_FILE": str(tmp_path / "x"),
            }
        ).get()
    except CredentialsError as exc:
        assert SECRET not in str(exc)
    assert SECRET not in caplog.text
