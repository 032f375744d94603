"""Dispatch: scope, empty and deleted resources, return values, failures, timestamps."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from configrules import (
    Compliance,
    Evaluation,
    Evaluator,
    ParameterError,
    Resource,
    RuleExecutionError,
    Verdict,
    evaluate,
    parse_event,
    rule,
)
from configrules._engine import normalise_result

ECS = "ACS::ECS::Instance"
ENI = "ACS::ECS::NetworkInterface"


def ecs(rid: str = "i-1", **config: Any) -> Resource:
    return Resource(
        id=rid,
        type=ECS,
        region_id="cn-hangzhou",
        account_id="123",
        configuration=config or {"Cpu": 2},
        capture_time=1700000000000,
    )


@rule(resource_types=[ECS, ENI])
def cpu_small(resource: Resource) -> bool:
    return resource.configuration["Cpu"] <= 4


def test_out_of_scope_is_not_applicable_with_the_samples_annotation() -> None:
    calls = []

    @rule(resource_types=[ECS, ENI])
    def spy(resource: Resource) -> bool:
        calls.append(resource)
        return True

    flowlog = Resource(id="fl-1", type="ACS::CEN::Flowlog", configuration={"a": 1})
    [evaluation] = evaluate(spy, [flowlog])
    assert evaluation.compliance is Compliance.NOT_APPLICABLE
    assert evaluation.annotation == (
        "Resource type is ACS::CEN::Flowlog, not in ACS::ECS::Instance,ACS::ECS::NetworkInterface."
    )
    assert calls == []


def test_empty_configuration_and_opt_in() -> None:
    empty = Resource(id="i-1", type=ECS)
    [evaluation] = evaluate(cpu_small, [empty])
    assert (evaluation.compliance, evaluation.annotation) == (
        Compliance.NOT_APPLICABLE,
        "Configuration is empty.",
    )

    @rule(resource_types=[ECS], evaluate_empty=True)
    def missing_is_bad(resource: Resource) -> bool:
        return bool(resource.configuration)

    [evaluation] = evaluate(missing_is_bad, [empty])
    assert evaluation.compliance is Compliance.NON_COMPLIANT


def test_deleted_resource_and_opt_in() -> None:
    gone = Resource(id="i-1", type=ECS, configuration={"Cpu": 1}, deleted=True)
    [evaluation] = evaluate(cpu_small, [gone])
    assert evaluation.compliance is Compliance.NOT_APPLICABLE
    assert evaluation.annotation == "Resource is deleted."

    @rule(resource_types=[ECS], evaluate_deleted=True)
    def sees_deleted(resource: Resource) -> Compliance:
        return Compliance.COMPLIANT

    assert next(evaluate(sees_deleted, [gone])).compliance is Compliance.COMPLIANT


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        (Compliance.COMPLIANT, [(Compliance.COMPLIANT, "")]),
        (True, [(Compliance.COMPLIANT, "")]),
        (False, [(Compliance.NON_COMPLIANT, "")]),
        ((Compliance.NON_COMPLIANT, "fix it"), [(Compliance.NON_COMPLIANT, "fix it")]),
        ((False, "why"), [(Compliance.NON_COMPLIANT, "why")]),
        (Verdict("NOT_APPLICABLE", "n/a"), [(Compliance.NOT_APPLICABLE, "n/a")]),
        (
            [Compliance.COMPLIANT, (Compliance.NON_COMPLIANT, "b")],
            [(Compliance.COMPLIANT, ""), (Compliance.NON_COMPLIANT, "b")],
        ),
        ([], []),
    ],
)
def test_return_values(returned: Any, expected: list[tuple[Compliance, str]]) -> None:
    @rule(resource_types=[ECS])
    def r(resource: Resource) -> Any:
        return returned

    got = [(e.compliance, e.annotation) for e in evaluate(r, [ecs()])]
    assert got == expected


@pytest.mark.parametrize("returned", [None, "COMPLIANT", 1, {"a": 1}, 3.0, object(), [None]])
def test_bad_return_values_are_errors_naming_the_rule_and_type(returned: Any) -> None:
    @rule(resource_types=[ECS])
    def sloppy(resource: Resource) -> Any:
        return returned

    with pytest.raises(RuleExecutionError) as info:
        list(evaluate(sloppy, [ecs()]))
    assert "sloppy" in str(info.value)
    inner = info.value.failures[0].exception
    assert isinstance(inner, RuleExecutionError)
    assert type(returned if not isinstance(returned, list) else None).__name__ in str(inner)


def test_evaluation_returned_directly_and_verdict_for_another_resource() -> None:
    other = ecs("i-2")

    @rule(resource_types=[ECS])
    def multi(resource: Resource) -> Any:
        return [
            Verdict(Compliance.COMPLIANT, resource=resource),
            Verdict(Compliance.NON_COMPLIANT, "other", resource=other),
            Evaluation("multi", "i-3", ECS, "r", Compliance.COMPLIANT, "", 5),
        ]

    ids = [e.resource_id for e in evaluate(multi, [ecs()])]
    assert ids == ["i-1", "i-2", "i-3"]

    evaluator = Evaluator(multi, single_resource=True)
    assert list(evaluator.evaluate([ecs()])) == []
    assert "change-triggered" in str(evaluator.failures[0].exception)


def test_a_raising_rule_does_not_stop_the_others() -> None:
    @rule(resource_types=[ECS])
    def flaky(resource: Resource) -> bool:
        if resource.id == "i-2":
            raise KeyError("Cpu")
        return True

    seen: list[Evaluation] = []
    with pytest.raises(RuleExecutionError) as info:
        for evaluation in evaluate(flaky, [ecs("i-1"), ecs("i-2"), ecs("i-3")]):
            seen.append(evaluation)
    assert [e.resource_id for e in seen] == ["i-1", "i-3"]
    [failure] = info.value.failures
    assert (failure.rule, failure.resource_id) == ("flaky", "i-2")
    assert isinstance(failure.exception, KeyError)
    assert "flaky on ACS::ECS::Instance i-2: KeyError" in str(info.value)


def test_insufficient_data_policy() -> None:
    @rule(resource_types=[ECS], on_error="insufficient_data")
    def flaky(resource: Resource) -> bool:
        raise ValueError("no Cpu field")

    [evaluation] = evaluate(flaky, [ecs()])
    assert evaluation.compliance is Compliance.INSUFFICIENT_DATA
    assert evaluation.annotation == "Rule failed: ValueError: no Cpu field"


def test_argument_injection() -> None:
    seen: dict[str, Any] = {}

    @rule(resource_types=[ECS], parameters={"n": int})
    def r(event: Any, params: Any, resource: Resource) -> bool:
        seen.update(event=event, params=params, resource=resource)
        return True

    event = parse_event(
        {
            "resultToken": "t",
            "ruleParameters": {"n": "3"},
            "invokingEvent": {"messageType": "ScheduledNotification"},
        }
    )
    evaluator = Evaluator(r, event=event)
    list(evaluator.evaluate([ecs()]))
    assert seen["event"] is event
    assert seen["params"] == {"n": 3}
    assert seen["resource"].id == "i-1"


def test_parameters_fail_before_any_evaluation() -> None:
    @rule(resource_types=[ECS], parameters={"n": int})
    def r(parameters: Any) -> bool:
        raise AssertionError("must not run")

    with pytest.raises(ParameterError, match="'n'"):
        evaluate(r, [ecs()])


def test_ordering_timestamps() -> None:
    fixed = list(evaluate(cpu_small, [ecs()], ordering_timestamp=42))
    assert fixed[0].ordering_timestamp == 42
    assert next(evaluate(cpu_small, [ecs()])).ordering_timestamp == 1700000000000
    before = int(time.time() * 1000)
    no_capture = Resource(id="i-1", type=ECS, configuration={"Cpu": 1})
    assert next(evaluate(cpu_small, [no_capture])).ordering_timestamp >= before


def test_several_rules_and_dict_items() -> None:
    @rule(resource_types=["ACS::OSS::Bucket"])
    def oss_only(resource: Resource) -> bool:
        return True

    item = {
        "resourceId": "i-9",
        "resourceType": ECS,
        "configuration": '{"Cpu": 8}',
        "captureTime": 1,
    }
    got = [(e.rule_name, e.compliance) for e in evaluate([cpu_small, oss_only], [item])]
    assert got == [("cpu_small", Compliance.NON_COMPLIANT), ("oss_only", Compliance.NOT_APPLICABLE)]


def test_evaluate_streams() -> None:
    produced = 0

    def endless() -> Iterator[Resource]:
        nonlocal produced
        for i in itertools.count():
            produced += 1
            yield ecs(f"i-{i}")

    stream = evaluate(cpu_small, endless())
    first = list(itertools.islice(stream, 3))
    assert len(first) == 3
    assert produced == 3


def test_adjusters_can_change_or_suppress() -> None:
    def drop_i2(evaluation: Evaluation, resource: Resource, r: Any) -> Evaluation | None:
        return None if resource.id == "i-2" else evaluation

    evaluator = Evaluator(cpu_small, adjusters=[drop_i2])
    assert [e.resource_id for e in evaluator.evaluate([ecs("i-1"), ecs("i-2")])] == ["i-1"]


def test_evaluator_rejects_plain_functions() -> None:
    with pytest.raises(TypeError, match="decorated with @rule"):
        Evaluator([lambda resource: True])  # type: ignore[list-item]


def test_to_api_wire_shape() -> None:
    [evaluation] = evaluate(cpu_small, [ecs()])
    assert evaluation.to_api() == {
        "complianceResourceId": "i-1",
        "complianceResourceType": ECS,
        "complianceRegionId": "cn-hangzhou",
        "complianceType": "COMPLIANT",
        "annotation": "",
        "orderingTimestamp": 1700000000000,
        "accountId": 123,
    }
    assert "accountId" not in Evaluation("r", "i", ECS, "x", Compliance.COMPLIANT, "", 1).to_api()
    assert (
        Evaluation("r", "i", ECS, "x", Compliance.COMPLIANT, "", 1, "acct-x").to_api()["accountId"]
        == "acct-x"
    )


anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.sampled_from(list(Compliance)),
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=3), children, max_size=2)
    ),
    max_leaves=8,
)


@given(anything)
def test_normalise_result_only_raises_rule_execution_error(value: Any) -> None:
    try:
        verdicts = normalise_result("r", value)
    except RuleExecutionError as exc:
        assert "'r'" in str(exc)
    else:
        assert all(isinstance(v, (Verdict, Evaluation)) for v in verdicts)


@given(st.text() | st.from_regex(r"[0-9]{1,20}", fullmatch=True))
def test_to_api_sends_ascii_digit_accounts_as_numbers_and_anything_else_as_given(
    account: str,
) -> None:
    wire = Evaluation("r", "i", ECS, "x", Compliance.COMPLIANT, "", 1, account).to_api()
    if account and all("0" <= c <= "9" for c in account):
        assert wire["accountId"] == int(account)
    else:
        # "²" and "١٢" pass str.isdigit(); they are not account numbers.
        assert wire["accountId"] == account


def test_to_api_keeps_unicode_digits_as_text() -> None:
    for account in ("²", "١٢٣", "１２"):
        wire = Evaluation("r", "i", ECS, "x", Compliance.COMPLIANT, "", 1, account).to_api()
        assert wire["accountId"] == account
