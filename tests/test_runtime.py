"""The Function Compute pipeline end to end against the emulator, events as bytes."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from configrules import (
    Compliance,
    EventError,
    ParameterError,
    Resource,
    RuleExecutionError,
    SubmissionError,
    make_handler,
    rule,
)
from configrules._client import RetryPolicy
from configrules._credentials import Credentials
from configrules.errors import RuleNotFoundError

from .conftest import SAMPLE_EVENTS, load_event

ECS = "ACS::ECS::Instance"
CREDS = Credentials("testid", "testsecret")
FAST = {"retry": RetryPolicy(max_attempts=2, base_delay=0.001, deadline=5)}


@rule(resource_types=[ECS, "ACS::ECS::NetworkInterface"], parameters={"maxCpu": (int, 4)})
def ecs_cpu_limit(resource: Resource, parameters: dict[str, Any]) -> Any:
    """ECS instances have at most maxCpu vCPUs."""
    cpu = resource.configuration.get("Cpu", 0)
    if cpu <= parameters["maxCpu"]:
        return Compliance.COMPLIANT
    return Compliance.NON_COMPLIANT, f"Cpu is {cpu}, above {parameters['maxCpu']}."


def context(key: str = "testid", secret: str = "testsecret") -> Any:
    return SimpleNamespace(
        credentials=SimpleNamespace(
            access_key_id=key, access_key_secret=secret, security_token=None
        )
    )


def event(
    emulator: Any,
    name: str = "derived-ecs-instance-configuration-change.json",
    rule_name: str = "ecs_cpu_limit",
    **changes: Any,
) -> bytes:
    data = load_event(name)
    data["resultToken"] = emulator.issue_result_token(rule_name)
    for key, value in changes.items():
        if key == "parameters":
            data["ruleParameters"] = value
        elif key == "item":
            data["invokingEvent"]["configurationItem"].update(value)
        elif key == "invoking":
            data["invokingEvent"].update(value)
    return json.dumps(data).encode()


def stored(emulator: Any, rule_name: str = "ecs_cpu_limit") -> list[dict[str, Any]]:
    return [dict(s.evaluation) for s in emulator.evaluations(rule_name)]


def test_change_event_submits_exactly_one_evaluation(emulator: Any) -> None:
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)
    summary = handler(event(emulator, parameters={"maxCpu": "1"}), context())
    assert summary == {
        "rule": "ecs_cpu_limit",
        "messageType": "ConfigurationItemChangeNotification",
        "evaluations": 1,
        "counts": {"NON_COMPLIANT": 1},
        "calls": 1,
        "attempts": 1,
        "deleteMode": False,
        "durationMs": summary["durationMs"],
    }
    [evaluation] = stored(emulator)
    assert evaluation == {
        "complianceResourceId": "i-bp12g4xbl4i0brkn****",
        "complianceResourceType": ECS,
        "complianceRegionId": "cn-hangzhou",
        "complianceType": "NON_COMPLIANT",
        "annotation": "Cpu is 2, above 1.",
        "orderingTimestamp": 1709190540000,
        "accountId": 1698272328540000,
    }
    assert emulator.requests[-1].params["DeleteMode"] == "false"


@pytest.mark.parametrize("name", SAMPLE_EVENTS)
def test_official_sample_events(emulator: Any, name: str) -> None:
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)
    summary = handler(event(emulator, name), context())
    assert summary["evaluations"] == 1
    [evaluation] = stored(emulator)
    data = load_event(name)
    item = data["invokingEvent"]["configurationItem"]
    if item["resourceType"] != ECS:
        assert evaluation["complianceType"] == "NOT_APPLICABLE"
        assert evaluation["annotation"] == (
            f"Resource type is {item['resourceType']}, not in "
            "ACS::ECS::Instance,ACS::ECS::NetworkInterface."
        )
    periodic = data["invokingEvent"]["messageType"] == "ScheduledNotification"
    assert emulator.requests[-1].params["DeleteMode"] == ("true" if periodic else "false")
    assert summary["deleteMode"] is periodic


def test_scheduled_event_with_item_uses_delete_mode(emulator: Any) -> None:
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)
    summary = handler(event(emulator, invoking={"messageType": "ScheduledNotification"}), context())
    assert summary["deleteMode"] is True


def periodic_event(emulator: Any, parameters: dict[str, str] | None = None) -> bytes:
    return json.dumps(
        {
            "resultToken": emulator.issue_result_token("ecs_cpu_limit"),
            "orderingTimestamp": 1700000000000,
            "ruleParameters": parameters or {},
            "invokingEvent": {"messageType": "ScheduledNotification", "accountId": 1},
        }
    ).encode()


def fleet(n: int) -> list[dict[str, Any]]:
    return [
        {
            "resourceId": f"i-{i:05d}",
            "resourceType": ECS,
            "regionId": "cn-hangzhou",
            "accountId": 1,
            "configuration": json.dumps({"Cpu": 2 if i % 3 else 8}),
        }
        for i in range(n)
    ] + [
        {
            "resourceId": "bucket",
            "resourceType": "ACS::OSS::Bucket",
            "regionId": "cn-hangzhou",
            "configuration": "{}",
        }
    ]


def test_periodic_enumeration_across_pages_with_delete_mode_last(emulator: Any) -> None:
    emulator.add_resources(fleet(250))
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)
    old = emulator.issue_result_token("ecs_cpu_limit")
    from configrules import ConfigClient, Evaluation

    ConfigClient(CREDS, endpoint=emulator.endpoint).put_evaluations(
        old, [Evaluation("x", "i-gone", ECS, "cn-hangzhou", Compliance.COMPLIANT, "", 1)]
    )
    summary = handler(periodic_event(emulator), context())
    assert summary["evaluations"] == 250
    assert summary["counts"] == {"COMPLIANT": 166, "NON_COMPLIANT": 84}
    assert summary["deleteMode"] is True
    lists = [r for r in emulator.requests if r.action == "ListDiscoveredResources"]
    assert len(lists) == 3
    assert len([r for r in emulator.requests if r.action == "GetDiscoveredResource"]) == 250
    puts = [r for r in emulator.requests if r.action == "PutEvaluations"][1:]
    assert [r.params["DeleteMode"] for r in puts] == ["false", "false", "true"]
    ids = {e["complianceResourceId"] for e in stored(emulator)}
    assert len(ids) == 250 and "i-gone" not in ids


def test_periodic_run_with_no_resources_clears_old_results(emulator: Any) -> None:
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)
    summary = handler(periodic_event(emulator), context())
    assert (summary["evaluations"], summary["calls"], summary["deleteMode"]) == (0, 1, True)


def test_periodic_failure_mid_enumeration_never_sends_delete_mode(emulator: Any) -> None:
    emulator.add_resources(fleet(30))
    emulator.faults.error(
        "NoPermission",
        400,
        action="GetDiscoveredResource",
        times=None,
        when=lambda p: p.get("ResourceId") == "i-00020",
    )
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)
    with pytest.raises(Exception, match="NoPermission"):
        handler(periodic_event(emulator), context())
    puts = [r for r in emulator.requests if r.action == "PutEvaluations"]
    assert all(r.params["DeleteMode"] == "false" for r in puts)


def test_oversize_fetches_the_configuration(emulator: Any) -> None:
    emulator.add_resources(
        [
            {
                "resourceId": "i-bp12g4xbl4i0brkn****",
                "resourceType": ECS,
                "regionId": "cn-hangzhou",
                "configuration": '{"Cpu": 64}',
            }
        ]
    )
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)
    summary = handler(
        event(emulator, invoking={"configurationType": "OVERSIZE"}, item={"configuration": ""}),
        context(),
    )
    assert summary["counts"] == {"NON_COMPLIANT": 1}
    assert stored(emulator)[0]["annotation"] == "Cpu is 64, above 4."
    assert [r.action for r in emulator.requests] == ["GetDiscoveredResource", "PutEvaluations"]


def test_fc3_environment_credentials(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
    monkeypatch.setenv("CONFIGRULES_ENDPOINT", emulator.endpoint)
    handler = make_handler(ecs_cpu_limit)
    assert handler(event(emulator), SimpleNamespace())["evaluations"] == 1


def test_signature_v2_from_environment(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFIGRULES_SIGNATURE", "v2")
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)
    handler(event(emulator), context())
    assert emulator.requests[-1].signature_version == "v2"


def test_invalid_event_submits_nothing(emulator: Any) -> None:
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)
    with pytest.raises(EventError, match="configuration"):
        handler(event(emulator, item={"configuration": "{broken"}), context())
    with pytest.raises(EventError, match="configurationItem"):
        handler(event(emulator, invoking={"configurationItem": None}), context())
    assert emulator.requests == []


def test_invalid_parameters_submit_nothing(emulator: Any) -> None:
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)
    with pytest.raises(ParameterError, match="'maxCpu'.*'lots'"):
        handler(event(emulator, parameters={"maxCpu": "lots"}), context())
    assert emulator.requests == []


@rule(resource_types=[ECS], name="ecs_cpu_limit")
def fragile(resource: Resource) -> bool:
    if resource.configuration["Cpu"] == 8:
        raise KeyError("boom")
    return True


@rule(resource_types=[ECS], name="ecs_cpu_limit", on_error="insufficient_data")
def fragile_tolerant(resource: Resource) -> bool:
    return fragile(resource)


def test_rule_failures_submit_the_rest_then_raise(emulator: Any) -> None:
    emulator.add_resources(fleet(9))
    handler = make_handler(fragile, endpoint=emulator.endpoint)
    with pytest.raises(RuleExecutionError) as info:
        handler(periodic_event(emulator), context())
    assert len(info.value.failures) == 3
    assert len(stored(emulator)) == 6
    # With failures, the run still completed its submission: DeleteMode was sent last.
    assert emulator.requests[-1].params["DeleteMode"] == "true"


def test_rule_failures_insufficient_data_policy(emulator: Any) -> None:
    emulator.add_resources(fleet(9))
    handler = make_handler(fragile_tolerant, endpoint=emulator.endpoint)
    summary = handler(periodic_event(emulator), context())
    assert summary["counts"] == {"COMPLIANT": 6, "INSUFFICIENT_DATA": 3}


def test_submission_failure_raises(emulator: Any) -> None:
    emulator.faults.error("ServiceUnavailable", 503, times=None)
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint, client_options=FAST)
    with pytest.raises(SubmissionError, match="1 evaluation"):
        handler(event(emulator), context())


def test_wrong_credentials_raise(emulator: Any) -> None:
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)
    with pytest.raises(SubmissionError, match="SignatureDoesNotMatch") as info:
        handler(event(emulator), context(secret="wrong-secret"))
    assert "wrong-secret" not in str(info.value)


def test_exemption_tag(emulator: Any) -> None:
    handler = make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)
    handler(
        event(
            emulator,
            item={"tags": json.dumps({"configrules:exempt": ["other,ecs_cpu_limit"]})},
            parameters={"maxCpu": "1"},
        ),
        context(),
    )
    [evaluation] = stored(emulator)
    assert evaluation["complianceType"] == "NOT_APPLICABLE"
    assert evaluation["annotation"].startswith("Exempted by tag configrules:exempt=")


def test_structured_log_line_masks_token(emulator: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    raw = event(emulator)
    token = json.loads(raw)["resultToken"]
    make_handler(ecs_cpu_limit, endpoint=emulator.endpoint)(raw, context())
    [line] = [r for r in caplog.records if r.name == "configrules.runtime"]
    record = json.loads(line.getMessage())
    assert record["rule"] == "ecs_cpu_limit" and record["outcome"] == "ok"
    assert record["counts"] == {"COMPLIANT": 1}
    assert token not in caplog.text and "testsecret" not in caplog.text


def test_fc_handler_with_import_path(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import configrules.fc as fc

    monkeypatch.setattr(fc, "_default_handler", None)
    monkeypatch.setenv("CONFIGRULES_RULE", "tests.test_runtime:ecs_cpu_limit")
    monkeypatch.setenv("CONFIGRULES_ENDPOINT", emulator.endpoint)
    assert fc.handler(event(emulator), context())["evaluations"] == 1


def test_reserved_parameter_picks_the_rule(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import configrules.fc as fc

    monkeypatch.setattr(fc, "_default_handler", None)
    monkeypatch.setenv("CONFIGRULES_RULE", "tests.test_runtime:does_not_exist")
    monkeypatch.setenv("CONFIGRULES_ENDPOINT", emulator.endpoint)
    raw = event(
        emulator, parameters={"configrulesRule": "tests.test_runtime:ecs_cpu_limit", "maxCpu": "1"}
    )
    assert fc.handler(raw, context())["counts"] == {"NON_COMPLIANT": 1}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "CONFIGRULES_RULE"),
        ("nope.module:rule", "cannot import module 'nope.module'"),
        ("tests.test_runtime:missing", "has no 'missing'"),
        ("tests.test_runtime:context", "not a function decorated"),
        ("no-such-registered-rule", "no rule named 'no-such-registered-rule'"),
    ],
)
def test_unknown_rules_are_clear_errors(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, name: str, message: str
) -> None:
    import configrules.fc as fc

    monkeypatch.setattr(fc, "_default_handler", None)
    monkeypatch.setenv("CONFIGRULES_RULE", name)
    with pytest.raises(RuleNotFoundError, match=message):
        fc.handler(event(emulator), context())


def test_make_handler_rejects_plain_functions() -> None:
    with pytest.raises(TypeError, match="decorated with @rule"):
        make_handler(lambda resource: True)  # type: ignore[arg-type]


def test_handler_import_is_lean(tmp_path: Path) -> None:
    (tmp_path / "lean_rule.py").write_text(
        textwrap.dedent("""
        from configrules import rule
        @rule(resource_types=["ACS::ECS::Instance"])
        def lean(resource):
            return True
    """)
    )
    code = textwrap.dedent("""
        import sys
        from configrules import make_handler
        from lean_rule import lean
        handler = make_handler(lean)
        import configrules.fc
        heavy = [m for m in ("pluggy", "click", "configrules.emulator", "configrules.cli")
                 if m in sys.modules]
        print(heavy)
    """)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
