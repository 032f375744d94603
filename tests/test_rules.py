"""The @rule decorator: validation at definition time, parameters, plain calls."""

from __future__ import annotations

import enum
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from configrules import Compliance, Parameter, ParameterError, Rule, RuleDefinitionError, rule
from configrules._resource_types import closest_type, known_resource_types


def test_decorated_function_stays_callable_and_keeps_metadata() -> None:
    @rule(resource_types=["ACS::ECS::Instance"])
    def ecs_running(resource: Any) -> Compliance:
        """ECS instances are running.

        More text.
        """
        return Compliance.COMPLIANT if resource == "r" else Compliance.NON_COMPLIANT

    assert isinstance(ecs_running, Rule)
    assert ecs_running("r") is Compliance.COMPLIANT
    assert ecs_running(resource="x") is Compliance.NON_COMPLIANT
    assert ecs_running.name == "ecs_running"
    assert ecs_running.description == "ECS instances are running."
    assert ecs_running.__name__ == "ecs_running"
    assert ecs_running.__doc__.startswith("ECS instances")
    assert ecs_running.source.endswith(
        ":test_decorated_function_stays_callable_and_keeps_metadata.<locals>.ecs_running"
    )
    assert ecs_running.resource_types == ("ACS::ECS::Instance",)


def test_name_and_description_overrides() -> None:
    @rule(resource_types=["ACS::OSS::Bucket"], name="oss-check", description="Checks OSS.")
    def check(resource: Any) -> bool:
        return True

    assert check.name == "oss-check"
    assert check.description == "Checks OSS."


def test_decorating_registers_nothing_globally() -> None:
    import configrules

    before = dict(vars(configrules))

    @rule(resource_types=["ACS::OSS::Bucket"])
    def check(resource: Any) -> bool:
        return True

    assert dict(vars(configrules)).keys() == before.keys()


@pytest.mark.parametrize(
    ("types", "message"),
    [
        ([], "must not be empty"),
        ("ACS::ECS::Instance", "must be a list"),
        (["ACS::ECS::Instanse"], "did you mean 'ACS::ECS::Instance'"),
        (["acs::ecs::instance"], "did you mean 'ACS::ECS::Instance'"),
        (["ECS::Instance"], "not an ACS resource type"),
        (["ACS::ECS::Instance", "ACS::ECS::Instance"], "twice"),
        ([42], "not an ACS resource type"),
    ],
)
def test_bad_resource_types(types: Any, message: str) -> None:
    with pytest.raises(RuleDefinitionError, match=message):
        rule(resource_types=types)(lambda resource: True)


def test_unknown_type_opt_out() -> None:
    @rule(resource_types=["ACS::Brand::NewThing"], allow_unknown_types=True)
    def new(resource: Any) -> bool:
        return True

    assert new.resource_types == ("ACS::Brand::NewThing",)


def test_known_types_shipped() -> None:
    types = known_resource_types()
    assert len(types) == 229
    assert {"ACS::ECS::Instance", "ACS::OSS::Bucket", "ACS::RAM::User"} <= types
    assert closest_type("ACS::OSS::Buckett") == "ACS::OSS::Bucket"
    assert closest_type("zzzzzzzzzzzzzzzzz") is None


@pytest.mark.parametrize(
    ("func", "message"),
    [
        (lambda resource, client: True, "unknown argument 'client'"),
        (lambda *args: True, r"\*args"),
        (lambda **kw: True, r"\*args"),
        (lambda parameters, params: True, "not both"),
    ],
)
def test_bad_arguments(func: Any, message: str) -> None:
    with pytest.raises(RuleDefinitionError, match=message):
        rule(resource_types=["ACS::ECS::Instance"], name="r")(func)


def test_positional_only_argument_is_rejected() -> None:
    def func(resource: Any, /) -> bool:
        return True

    with pytest.raises(RuleDefinitionError, match="positional-only"):
        rule(resource_types=["ACS::ECS::Instance"])(func)


def test_double_decoration_and_bad_policy() -> None:
    r = rule(resource_types=["ACS::ECS::Instance"])(lambda resource: True)
    with pytest.raises(RuleDefinitionError, match="twice"):
        rule(resource_types=["ACS::ECS::Instance"])(r)
    with pytest.raises(RuleDefinitionError, match="on_error"):
        rule(resource_types=["ACS::ECS::Instance"], on_error="ignore")(lambda: True)
    with pytest.raises(RuleDefinitionError, match="needs a function"):
        rule(resource_types=["ACS::ECS::Instance"])(42)  # type: ignore[arg-type]


class Level(enum.Enum):
    LOW = "low"
    HIGH = "high"


def test_mapping_parameters_are_coerced() -> None:
    @rule(
        resource_types=["ACS::ECS::Instance"],
        parameters={
            "maxAge": int,
            "ratio": (float, 0.5),
            "enabled": (bool, False),
            "ports": (list[int], [22]),
            "actions": Parameter(list[str], default=[], description="IAM actions"),
            "level": (Level, Level.LOW),
            "label": (str, "x"),
        },
    )
    def check(parameters: dict[str, Any]) -> bool:
        return True

    coerced = check.coerce_parameters(
        {
            "maxAge": "90",
            "enabled": "TRUE",
            "ports": "22, 3389",
            "actions": "ecs:*,oss:*",
            "level": "HIGH",
            "unknown": "ignored",
        }
    )
    assert coerced == {
        "maxAge": 90,
        "ratio": 0.5,
        "enabled": True,
        "ports": [22, 3389],
        "actions": ["ecs:*", "oss:*"],
        "level": Level.HIGH,
        "label": "x",
    }
    described = {p["name"]: p for p in check.parameters.describe()}
    assert described["maxAge"]["required"] is True
    assert described["ports"]["type"] == "list[int]"
    assert described["actions"]["description"] == "IAM actions"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "parameter 'maxAge': required parameter of type int is missing"),
        ({"maxAge": "  "}, "parameter 'maxAge': required"),
        ({"maxAge": "ninety"}, "parameter 'maxAge': expected an integer \\(received 'ninety'\\)"),
        ({"maxAge": "1", "enabled": "maybe"}, "parameter 'enabled': expected true or false"),
        ({"maxAge": "1", "ports": "22,x"}, "parameter 'ports'"),
        ({"maxAge": "1", "level": "mid"}, "parameter 'level': expected one of low, high"),
        ({"maxAge": "1", "ratio": "abc"}, "parameter 'ratio': expected a number"),
        ({"maxAge": True}, "expected an integer"),
    ],
)
def test_parameter_errors_name_the_parameter_and_value(raw: dict[str, Any], message: str) -> None:
    @rule(
        resource_types=["ACS::ECS::Instance"],
        parameters={
            "maxAge": int,
            "enabled": (bool, False),
            "ports": (list[int], []),
            "level": (Level, Level.LOW),
            "ratio": (float, 1.0),
        },
    )
    def check(parameters: Any) -> bool:
        return True

    with pytest.raises(ParameterError, match=message) as info:
        check.coerce_parameters(raw)
    assert info.value.rule == "check"
    assert isinstance(info.value, ValueError)


@attrs.frozen
class Limits:
    max_cpu: int
    tags: list[str] = attrs.field(factory=list)
    strict: bool = True


def test_attrs_class_parameters() -> None:
    @rule(resource_types=["ACS::ECS::Instance"], parameters=Limits)
    def check(params: Limits) -> bool:
        return True

    assert check.coerce_parameters({"max_cpu": "8", "tags": "a,b"}) == Limits(8, ["a", "b"], True)
    with pytest.raises(ParameterError, match="'max_cpu'"):
        check.coerce_parameters({})


def test_undeclared_parameters_pass_raw() -> None:
    @rule(resource_types=["ACS::ECS::Instance"])
    def check(parameters: Any) -> bool:
        return True

    assert check.coerce_parameters({"a": "1"}) == {"a": "1"}
    assert check.coerce_parameters(None) == {}


@pytest.mark.parametrize("declaration", [42, {"": int}, {"a": 42}])
def test_bad_parameter_declarations(declaration: Any) -> None:
    with pytest.raises(RuleDefinitionError):
        rule(resource_types=["ACS::ECS::Instance"], parameters=declaration)(lambda: True)


# --- parameter coercion under arbitrary input: only ParameterError escapes ----


class _Level(enum.Enum):
    LOW = "low"
    HIGH = "high"


@attrs.define
class _Limits:
    maxCpu: int
    ratio: float = 0.5


@rule(
    resource_types=["ACS::ECS::Instance"],
    parameters={
        "count": (int, 1),
        "ratio": (float, 0.5),
        "enabled": (bool, False),
        "name": (str, "x"),
        "names": (list[str], []),
        "ports": (list[int], []),
        "level": (_Level, _Level.LOW),
        "limits": (_Limits, None),
        "extra": (dict[str, int], {}),
    },
)
def _fuzzed(resource: Any, parameters: dict[str, Any]) -> Any:
    return Compliance.COMPLIANT


_raw_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["1", "-0", "1e400", "nan", "inf", "true", "False", "yes", "[1,2]", '["a"]',
                     '{"maxCpu": 2}', '{"a": 1}', "low", "HIGH", "", " ", "null", "a,b", "80, 443"]),
    st.integers().map(str),
    st.floats().map(repr),
    st.integers(),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
)  # fmt: skip


@given(
    raw=st.dictionaries(
        st.sampled_from(
            [
                "count",
                "ratio",
                "enabled",
                "name",
                "names",
                "ports",
                "level",
                "limits",
                "extra",
                "unknown",
            ]
        ),
        _raw_values,
        max_size=6,
    )
)
def test_parameter_coercion_of_arbitrary_values_raise_only_parameter_error(
    raw: dict[str, Any],
) -> None:
    try:
        coerced = _fuzzed.coerce_parameters(raw)
    except ParameterError as exc:
        assert str(exc)  # and it names something
        return
    assert isinstance(coerced["count"], int) and not isinstance(coerced["count"], bool)
    assert isinstance(coerced["enabled"], bool)
    assert isinstance(coerced["level"], _Level)
    assert all(isinstance(p, int) for p in coerced["ports"])
