"""Dispatch: scope check, argument injection, return normalisation, error isolation.

The engine does no I/O. It turns (rule, resource) pairs into
:class:`Evaluation` objects, lazily, one resource at a time, so a caller can
stream millions of resources through it in constant memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ._events import resource_from_item
from ._models import Compliance, Evaluation, Resource, RuleEvent, Verdict
from ._rules import OnError, Rule
from .errors import RuleExecutionError, RuleFailure

__all__ = ["Adjuster", "Evaluator", "evaluate", "normalise_result"]

#: A hook applied to every evaluation before it leaves the engine: return the
#: evaluation (possibly changed) or ``None`` to suppress it.
Adjuster = Callable[[Evaluation, Resource, Rule], "Evaluation | None"]

EMPTY_ANNOTATION = "Configuration is empty."
DELETED_ANNOTATION = "Resource is deleted."


def scope_annotation(resource_type: str, rule: Rule) -> str:
    """The official samples' text: ``Resource type is X, not in A,B.``"""
    return f"Resource type is {resource_type}, not in {rule.scope_text}."


def _single(value: Any) -> Verdict | Evaluation | None:
    """The verdict ``value`` stands for, or None if it is not a single verdict."""
    if isinstance(value, Compliance):
        return Verdict(value)
    if isinstance(value, bool):
        return Verdict(Compliance.COMPLIANT if value else Compliance.NON_COMPLIANT)
    if isinstance(value, (Verdict, Evaluation)):
        return value
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], (Compliance, bool))
        and isinstance(value[1], str)
    ):
        verdict = _single(value[0])
        assert isinstance(verdict, Verdict)
        return Verdict(verdict.compliance, value[1])
    return None


def normalise_result(rule_name: str, value: Any) -> list[Verdict | Evaluation]:
    """Turn whatever a rule returned into verdicts.

    Accepted: a :class:`Compliance`; a ``bool``; ``(Compliance, annotation)``;
    a :class:`Verdict` or :class:`Evaluation`; or an iterable of those.

    Raises:
        RuleExecutionError: for ``None`` or anything else, naming the rule and
            the type returned. Nothing is ever guessed as compliant.
    """
    single = _single(value)
    if single is not None:
        return [single]
    if value is None or isinstance(value, (str, bytes, Mapping, int, float)):
        raise RuleExecutionError(_bad_return_message(rule_name, value))
    if isinstance(value, Iterable):
        verdicts: list[Verdict | Evaluation] = []
        for element in value:
            item = _single(element)
            if item is None:
                raise RuleExecutionError(
                    _bad_return_message(rule_name, element, inside="an iterable of verdicts")
                )
            verdicts.append(item)
        return verdicts
    raise RuleExecutionError(_bad_return_message(rule_name, value))


def _bad_return_message(rule_name: str, value: Any, inside: str = "") -> str:
    where = f" inside {inside}" if inside else ""
    return (
        f"rule {rule_name!r} returned {type(value).__name__}{where}; return a Compliance, "
        "a bool, (Compliance, annotation), a Verdict, or an iterable of those"
    )


class Evaluator:
    """Evaluates resources against rules; records failures instead of stopping.

    Args:
        rules: the rules to apply to every resource.
        parameters: raw rule parameters (strings, as Cloud Config sends them);
            coerced per rule now, so bad parameters fail before anything runs.
        ordering_timestamp: stamps every evaluation; defaults to the event's,
            else each resource's capture time, else the time of this call.
        event: the event of this invocation (passed to rules that ask for it).
        adjusters: callables applied to every evaluation (plugins' hooks).
        single_resource: a change-triggered run: a rule may only judge the
            resource it was given.

    Attributes:
        failures: one :class:`RuleFailure` per (rule, resource) that raised.
    """

    def __init__(
        self,
        rules: Rule | Iterable[Rule],
        *,
        parameters: Mapping[str, Any] | None = None,
        ordering_timestamp: int | None = None,
        event: RuleEvent | None = None,
        adjusters: Sequence[Adjuster] = (),
        single_resource: bool = False,
    ) -> None:
        self.rules: tuple[Rule, ...] = (rules,) if isinstance(rules, Rule) else tuple(rules)
        for candidate in self.rules:
            if not isinstance(candidate, Rule):
                raise TypeError(
                    f"expected rules decorated with @rule, got {type(candidate).__name__}"
                )
        raw_parameters = (
            parameters
            if parameters is not None
            else (event.rule_parameters if event is not None else None)
        )
        self._arguments = {r.name: r.coerce_parameters(raw_parameters) for r in self.rules}
        if ordering_timestamp is None and event is not None:
            ordering_timestamp = event.ordering_timestamp
        self._ordering_timestamp = ordering_timestamp
        self._now = int(time.time() * 1000)
        self._event = event
        self._adjusters = tuple(adjusters)
        self._single_resource = single_resource
        self.failures: list[RuleFailure] = []
        self.evaluated = 0
        self._callers = {r.name: self._caller(r) for r in self.rules}

    def _caller(self, rule: Rule) -> Callable[[Resource], Any]:
        """Call ``rule`` for one resource, its other arguments bound once, not per call."""
        func = rule.func
        bound: dict[str, Any] = {}
        for argument in rule.arguments:
            if argument in ("parameters", "params"):
                bound[argument] = self._arguments[rule.name]
            elif argument == "event":
                bound[argument] = self._event
        if "resource" not in rule.arguments:
            return lambda resource: func(**bound)
        if not bound:
            return lambda resource: func(resource=resource)
        return lambda resource: func(resource=resource, **bound)

    def evaluate(self, resources: Iterable[Resource | Mapping[str, Any]]) -> Iterator[Evaluation]:
        """Lazily yield every evaluation for every (rule, resource) pair."""
        if self._adjusters:
            for resource in resources:
                if not isinstance(resource, Resource):
                    resource = resource_from_item(resource)
                yield from self.evaluate_one(resource)
            return
        # The usual case, no exemptions or hooks to consult, without a generator
        # per resource: large inventories spend their dispatch time here.
        rules, dispatch, timestamp_of = self.rules, self._dispatch, self._timestamp
        for resource in resources:
            if not isinstance(resource, Resource):
                resource = resource_from_item(resource)
            self.evaluated += 1
            timestamp = timestamp_of(resource)
            for rule in rules:
                yield from dispatch(rule, resource, timestamp)

    def _timestamp(self, resource: Resource) -> int:
        """The ordering timestamp: the run's, else the capture time, else now."""
        if self._ordering_timestamp is not None:
            return self._ordering_timestamp
        return resource.capture_time if resource.capture_time is not None else self._now

    def evaluate_one(self, resource: Resource) -> Iterator[Evaluation]:
        """The evaluations of every rule for one resource."""
        self.evaluated += 1
        timestamp = self._timestamp(resource)
        if not self._adjusters:
            for rule in self.rules:
                yield from self._dispatch(rule, resource, timestamp)
            return
        for rule in self.rules:
            for evaluation in self._dispatch(rule, resource, timestamp):
                for adjust in self._adjusters:
                    adjusted = adjust(evaluation, resource, rule)
                    if adjusted is None:
                        break
                    evaluation = adjusted
                else:
                    yield evaluation

    def _dispatch(self, rule: Rule, resource: Resource, timestamp: int) -> list[Evaluation]:
        if resource.type not in rule.resource_types:
            return [
                _make(
                    rule,
                    resource,
                    Compliance.NOT_APPLICABLE,
                    scope_annotation(resource.type, rule),
                    timestamp,
                )
            ]
        if resource.deleted and not rule.evaluate_deleted:
            return [_make(rule, resource, Compliance.NOT_APPLICABLE, DELETED_ANNOTATION, timestamp)]
        if not resource.configuration and not rule.evaluate_empty:
            return [_make(rule, resource, Compliance.NOT_APPLICABLE, EMPTY_ANNOTATION, timestamp)]
        try:
            result = self._callers[rule.name](resource)
            # The two commonest returns skip building a Verdict; normalise_result
            # gives exactly the same evaluation for them.
            if type(result) is tuple and len(result) == 2:
                compliance, annotation = result
                if type(compliance) is Compliance and type(annotation) is str:
                    return [_make(rule, resource, compliance, annotation, timestamp)]
            elif type(result) is Compliance:
                return [_make(rule, resource, result, "", timestamp)]
            verdicts = normalise_result(rule.name, result)
            return [self._finish(rule, resource, v, timestamp) for v in verdicts]
        except Exception as exc:  # noqa: BLE001 - isolating one resource's failure is the point
            return self._failed(rule, resource, exc, timestamp)

    def _finish(
        self, rule: Rule, resource: Resource, verdict: Verdict | Evaluation, timestamp: int
    ) -> Evaluation:
        if isinstance(verdict, Evaluation):
            target_id = verdict.resource_id
            evaluation = verdict
        else:
            target = verdict.resource or resource
            target_id = target.id
            evaluation = _make(rule, target, verdict.compliance, verdict.annotation, timestamp)
        if self._single_resource and target_id != resource.id:
            raise RuleExecutionError(
                f"rule {rule.name!r} returned a verdict for {target_id!r} while evaluating "
                f"{resource.id!r}: a change-triggered run judges only the changed resource"
            )
        return evaluation

    def _failed(
        self, rule: Rule, resource: Resource, exc: Exception, timestamp: int
    ) -> list[Evaluation]:
        self.failures.append(RuleFailure(rule.name, resource.id, resource.type, exc))
        if rule.on_error is OnError.INSUFFICIENT_DATA:
            annotation = f"Rule failed: {type(exc).__name__}: {exc}"[:512]
            return [_make(rule, resource, Compliance.INSUFFICIENT_DATA, annotation, timestamp)]
        return []

    @property
    def raising_failures(self) -> list[RuleFailure]:
        """Failures of rules whose policy is to raise (not reported as INSUFFICIENT_DATA)."""
        by_name = {r.name: r for r in self.rules}
        return [f for f in self.failures if by_name[f.rule].on_error is OnError.RAISE]


def _make(
    rule: Rule, resource: Resource, compliance: Compliance, annotation: str, timestamp: int
) -> Evaluation:
    # Positional, in field order: a third faster than keywords, and this runs
    # once per evaluation.
    return Evaluation(
        rule.name,  # rule_name
        resource.id,  # resource_id
        resource.type,  # resource_type
        resource.region_id,  # region_id
        compliance,
        annotation,
        timestamp,  # ordering_timestamp
        resource.account_id,  # account_id
    )


def evaluate(
    rules: Rule | Iterable[Rule],
    resources: Iterable[Resource | Mapping[str, Any]],
    *,
    parameters: Mapping[str, Any] | None = None,
    ordering_timestamp: int | None = None,
) -> Iterator[Evaluation]:
    """Lazily yield one :class:`Evaluation` per (rule, resource) pair.

    ``resources`` may hold :class:`Resource` objects or configuration-item
    dicts, and may be any iterable, including a generator over millions of
    items: nothing is collected.

    A rule that raises for one resource does not stop the others; once every
    resource was evaluated, :class:`RuleExecutionError` lists the failures
    (rules declared with ``on_error="insufficient_data"`` yield
    ``INSUFFICIENT_DATA`` instead and do not raise).

    Raises:
        ParameterError: before anything is evaluated, for bad parameters.
        RuleExecutionError: after the last evaluation, if rules failed.
        EventError: when a configuration-item dict is malformed.
    """
    evaluator = Evaluator(rules, parameters=parameters, ordering_timestamp=ordering_timestamp)
    return _evaluate_then_raise(evaluator, resources)


def _evaluate_then_raise(
    evaluator: Evaluator, resources: Iterable[Resource | Mapping[str, Any]]
) -> Iterator[Evaluation]:
    yield from evaluator.evaluate(resources)
    failures = evaluator.raising_failures
    if failures:
        raise RuleExecutionError.from_failures(failures)
