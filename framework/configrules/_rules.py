"""The ``@rule`` decorator, the :class:`Rule` object and rule parameters.

Decorating a function only validates the declaration and attaches metadata:
nothing is registered anywhere, and the decorated object can still be called
exactly like the plain function.
"""

from __future__ import annotations

import enum
import functools
import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, overload

import attrs

from ._resource_types import RESOURCE_TYPE_PATTERN, closest_type, known_resource_types
from .errors import ParameterError, RuleDefinitionError

__all__ = ["INJECTABLE_ARGUMENTS", "OnError", "Parameter", "Rule", "rule"]

#: The argument names a rule function may take; each is passed by name.
INJECTABLE_ARGUMENTS = frozenset({"resource", "parameters", "params", "event"})


class _Missing(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing.MISSING


class OnError(str, enum.Enum):
    """What to do when a rule raises for a resource.

    ``RAISE`` (default): evaluate the other resources, submit their verdicts,
    then raise :class:`~configrules.errors.RuleExecutionError`.
    ``INSUFFICIENT_DATA``: submit ``INSUFFICIENT_DATA`` for the failing
    resource, annotated with the exception, and do not raise.
    """

    RAISE = "raise"
    INSUFFICIENT_DATA = "insufficient_data"


@attrs.frozen
class Parameter:
    """One declared rule parameter.

    Attributes:
        type: what the string Cloud Config sends is coerced into: ``str``,
            ``int``, ``float``, ``bool``, an ``Enum``, or ``list[...]`` of
            those (comma-separated in the console).
        default: used when the parameter is absent; without one the parameter
            is required.
        description: shown by ``configrules list`` and in docs.
    """

    type: Any = str
    default: Any = MISSING
    description: str = ""

    @property
    def required(self) -> bool:
        """True when the parameter has no default."""
        return self.default is MISSING


def _type_label(tp: Any) -> str:
    if typing.get_origin(tp) is not None:
        return str(tp).replace("typing.", "")
    return getattr(tp, "__name__", str(tp))


@attrs.frozen
class ParameterSpec:
    """The parameters a rule declares, and how to build its ``parameters`` value.

    ``attrs_class`` is set when the rule declared an attrs class: the coerced
    values are then passed as an instance of it; otherwise as a dict.
    """

    parameters: Mapping[str, Parameter] = attrs.field(factory=dict)
    attrs_class: type | None = None
    declared: bool = False

    @classmethod
    def from_declaration(cls, rule_name: str, declaration: Any) -> ParameterSpec:
        """Build the spec from what the author passed to ``@rule(parameters=...)``."""
        if declaration is None:
            return cls()
        if isinstance(declaration, type) and attrs.has(declaration):
            hints = typing.get_type_hints(declaration)
            params = {}
            for field in attrs.fields(declaration):
                default = field.default
                if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                    default = default.factory()
                elif default is attrs.NOTHING:
                    default = MISSING
                params[field.alias or field.name] = Parameter(
                    type=hints.get(field.name, field.type or str), default=default
                )
            return cls(params, attrs_class=declaration, declared=True)
        if isinstance(declaration, Mapping):
            params = {}
            for name, value in declaration.items():
                if not isinstance(name, str) or not name:
                    raise RuleDefinitionError(
                        f"rule {rule_name!r}: parameter names must be non-empty strings, "
                        f"got {name!r}"
                    )
                params[name] = _to_parameter(rule_name, name, value)
            return cls(params, declared=True)
        raise RuleDefinitionError(
            f"rule {rule_name!r}: parameters must be an attrs class or a mapping of "
            f"name -> type, (type, default) or Parameter; got {type(declaration).__name__}"
        )

    def coerce(self, rule_name: str, raw: Mapping[str, Any] | None) -> Any:
        """Coerce the raw parameter strings into what the rule receives.

        Raises:
            ParameterError: naming the parameter and the value received.
        """
        raw = dict(raw or {})
        if not self.declared:
            return raw
        from ._convert import CoercionFailed, coerce  # cattrs: only for declared parameters

        values: dict[str, Any] = {}
        for name, param in self.parameters.items():
            value = raw.get(name, MISSING)
            if value is MISSING or (isinstance(value, str) and not value.strip()):
                if param.required:
                    raise ParameterError(
                        rule_name,
                        name,
                        None if value is MISSING else value,
                        f"required parameter of type {_type_label(param.type)} is missing",
                    )
                values[name] = param.default
                continue
            try:
                values[name] = coerce(value, param.type)
            except CoercionFailed as exc:
                raise ParameterError(rule_name, name, value, str(exc)) from None
        if self.attrs_class is not None:
            try:
                return self.attrs_class(**values)
            except (TypeError, ValueError) as exc:
                # A validator on the author's class rejected the values.
                raise ParameterError(rule_name, "(all)", raw, str(exc)) from exc
        return values

    def describe(self) -> list[dict[str, Any]]:
        """JSON-able description: name, type, default, required, description."""
        return [
            {
                "name": name,
                "type": _type_label(param.type),
                "required": param.required,
                "default": None if param.required else param.default,
                "description": param.description,
            }
            for name, param in self.parameters.items()
        ]


def _to_parameter(rule_name: str, name: str, value: Any) -> Parameter:
    if isinstance(value, Parameter):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return Parameter(type=value[0], default=value[1])
    if isinstance(value, type) or typing.get_origin(value) is not None:
        return Parameter(type=value)
    raise RuleDefinitionError(
        f"rule {rule_name!r}, parameter {name!r}: expected a type, (type, default) or "
        f"Parameter, got {value!r}"
    )


@attrs.frozen(eq=False, slots=False)
class Rule:
    """A rule function with its declaration. Call it like the plain function.

    Attributes:
        func: the undecorated function.
        name: the rule's name (defaults to the function's name).
        resource_types: the resource types in scope, in declared order.
        description: first line of the docstring unless given.
        parameters: the declared parameters.
        evaluate_empty: call the rule even when the configuration is empty.
        evaluate_deleted: call the rule for deleted resources.
        on_error: what a raising rule leads to, see :class:`OnError`.
        allow_unknown_types: types were not checked against the known list.
    """

    func: Callable[..., Any]
    name: str
    resource_types: tuple[str, ...]
    description: str = ""
    parameters: ParameterSpec = attrs.field(factory=ParameterSpec)
    evaluate_empty: bool = False
    evaluate_deleted: bool = False
    on_error: OnError = OnError.RAISE
    allow_unknown_types: bool = False
    arguments: tuple[str, ...] = ()
    #: ``"ACS::ECS::Instance,ACS::ECS::Disk"``: the text of the scope annotation.
    scope_text: str = ""

    def __attrs_post_init__(self) -> None:
        # Look like the wrapped function to help(), pytest and Sphinx; the
        # instance is frozen, hence object.__setattr__.
        for attr in functools.WRAPPER_ASSIGNMENTS:
            if hasattr(self.func, attr):
                object.__setattr__(self, attr, getattr(self.func, attr))
        object.__setattr__(self, "__wrapped__", self.func)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Rule {self.name} {list(self.resource_types)}>"

    @property
    def source(self) -> str:
        """``module:qualname`` of the rule function (its import path)."""
        return f"{self.func.__module__}:{self.func.__qualname__}"

    def in_scope(self, resource_type: str) -> bool:
        """Whether ``resource_type`` is one the rule evaluates."""
        return resource_type in self.resource_types

    def coerce_parameters(self, raw: Mapping[str, Any] | None) -> Any:
        """The rule's ``parameters`` argument built from raw strings (see :class:`ParameterSpec`)."""
        return self.parameters.coerce(self.name, raw)


def _check_types(rule_name: str, resource_types: Any, allow_unknown: bool) -> tuple[str, ...]:
    if isinstance(resource_types, str) or not isinstance(resource_types, Iterable):
        raise RuleDefinitionError(
            f"rule {rule_name!r}: resource_types must be a list of ACS types, "
            f"e.g. ['ACS::ECS::Instance'], got {resource_types!r}"
        )
    types = tuple(resource_types)
    if not types:
        raise RuleDefinitionError(f"rule {rule_name!r}: resource_types must not be empty")
    known = known_resource_types()
    for rtype in types:
        if not isinstance(rtype, str) or not RESOURCE_TYPE_PATTERN.match(rtype):
            hint = closest_type(str(rtype))
            raise RuleDefinitionError(
                f"rule {rule_name!r}: {rtype!r} is not an ACS resource type "
                f"(ACS::<Service>::<Type>)" + (f"; did you mean {hint!r}?" if hint else "")
            )
        if rtype not in known and not allow_unknown:
            hint = closest_type(rtype)
            raise RuleDefinitionError(
                f"rule {rule_name!r}: unknown resource type {rtype!r}"
                + (f"; did you mean {hint!r}?" if hint else "")
                + " Pass allow_unknown_types=True if the type is real but newer than "
                "configrules' list."
            )
    if len(set(types)) != len(types):
        raise RuleDefinitionError(f"rule {rule_name!r}: resource_types lists a type twice")
    return types


def _check_arguments(rule_name: str, func: Callable[..., Any]) -> tuple[str, ...]:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise RuleDefinitionError(f"rule {rule_name!r}: cannot read its signature") from exc
    names = []
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise RuleDefinitionError(
                f"rule {rule_name!r}: *args/**kwargs are not supported; name the arguments "
                f"you need from {sorted(INJECTABLE_ARGUMENTS)}"
            )
        if param.kind is param.POSITIONAL_ONLY:
            raise RuleDefinitionError(
                f"rule {rule_name!r}: argument {param.name!r} is positional-only; "
                "arguments are passed by name"
            )
        if param.name not in INJECTABLE_ARGUMENTS:
            raise RuleDefinitionError(
                f"rule {rule_name!r}: unknown argument {param.name!r}; a rule may take "
                f"{', '.join(sorted(INJECTABLE_ARGUMENTS))}"
            )
        names.append(param.name)
    if "parameters" in names and "params" in names:
        raise RuleDefinitionError(f"rule {rule_name!r}: take 'parameters' or 'params', not both")
    return tuple(names)


@overload
def rule(
    func: Callable[..., Any],
    *,
    resource_types: Iterable[str],
    name: str | None = ...,
    description: str | None = ...,
    parameters: Any = ...,
    evaluate_empty: bool = ...,
    evaluate_deleted: bool = ...,
    on_error: OnError | str = ...,
    allow_unknown_types: bool = ...,
) -> Rule: ...


@overload
def rule(
    func: None = ...,
    *,
    resource_types: Iterable[str],
    name: str | None = ...,
    description: str | None = ...,
    parameters: Any = ...,
    evaluate_empty: bool = ...,
    evaluate_deleted: bool = ...,
    on_error: OnError | str = ...,
    allow_unknown_types: bool = ...,
) -> Callable[[Callable[..., Any]], Rule]: ...


def rule(
    func: Callable[..., Any] | None = None,
    *,
    resource_types: Iterable[str],
    name: str | None = None,
    description: str | None = None,
    parameters: Any = None,
    evaluate_empty: bool = False,
    evaluate_deleted: bool = False,
    on_error: OnError | str = OnError.RAISE,
    allow_unknown_types: bool = False,
) -> Rule | Callable[[Callable[..., Any]], Rule]:
    """Declare a Cloud Config rule.

    Example::

        @rule(resource_types=["ACS::ECS::Instance"], parameters={"maxCpu": (int, 16)})
        def ecs_cpu_within_limit(resource, parameters):
            \"\"\"ECS instances have at most ``maxCpu`` vCPUs.\"\"\"
            return resource.configuration.get("Cpu", 0) <= parameters["maxCpu"]

    Args:
        func: the rule function (when used without parentheses-only form).
        resource_types: the ``ACS::<Service>::<Type>`` types the rule evaluates;
            other types are reported ``NOT_APPLICABLE`` without calling it.
        name: the rule's name; defaults to the function's name.
        description: defaults to the first line of the docstring.
        parameters: an attrs class, or a mapping of name -> type,
            ``(type, default)`` or :class:`Parameter`.
        evaluate_empty: also call the rule when the configuration is empty
            (otherwise ``NOT_APPLICABLE``, "Configuration is empty.").
        evaluate_deleted: also call the rule for deleted resources.
        on_error: ``"raise"`` (default) or ``"insufficient_data"``.
        allow_unknown_types: accept types missing from the known list.

    Raises:
        RuleDefinitionError: when the declaration is wrong, naming what to fix.
    """

    def decorate(function: Callable[..., Any]) -> Rule:
        if isinstance(function, Rule):
            raise RuleDefinitionError(f"rule {function.name!r} is decorated with @rule twice")
        if not callable(function):
            raise RuleDefinitionError(f"@rule needs a function, got {function!r}")
        rule_name = name or getattr(function, "__name__", None)
        if not rule_name or not isinstance(rule_name, str):
            raise RuleDefinitionError(f"cannot name the rule {function!r}; pass name=...")
        types = _check_types(rule_name, resource_types, allow_unknown_types)
        doc = inspect.getdoc(function) or ""
        try:
            policy = OnError(on_error)
        except ValueError:
            raise RuleDefinitionError(
                f"rule {rule_name!r}: on_error must be 'raise' or 'insufficient_data', "
                f"got {on_error!r}"
            ) from None
        return Rule(
            func=function,
            name=rule_name,
            resource_types=types,
            description=description if description is not None else doc.split("\n", 1)[0],
            parameters=ParameterSpec.from_declaration(rule_name, parameters),
            evaluate_empty=evaluate_empty,
            evaluate_deleted=evaluate_deleted,
            on_error=policy,
            allow_unknown_types=allow_unknown_types,
            arguments=_check_arguments(rule_name, function),
            scope_text=",".join(types),
        )

    if func is not None:
        return decorate(func)
    return decorate
