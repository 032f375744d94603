"""Helpers for testing rules through the real pipeline.

``run_rule`` runs what production runs: the event as Function Compute passes
it (bytes), parsing, scope, parameter coercion, the engine, the client with
signed requests, and the local emulator, and returns what was actually stored.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._credentials import Credentials
from ._models import Compliance, Evaluation, Resource
from ._rules import Rule

if TYPE_CHECKING:
    from .emulator import ConfigEmulator

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "ConfigEmulator",
    "MakeEvent",
    "MakeResource",
    "RunResult",
    "RunRule",
    "assert_compliance",
    "make_event",
    "make_resource",
    "run_rule",
]

DEFAULT_ACCOUNT = "1234567890123456"
DEFAULT_REGION = "cn-hangzhou"
DEFAULT_CAPTURE_TIME = 1700000000000
TEST_CREDENTIALS = {"testid": "testsecret"}
_ids = itertools.count(1)


def _default_id(resource_type: str) -> str:
    service = resource_type.split("::")[-1].lower()[:8] or "res"
    return f"{service}-test{next(_ids):06d}"


def make_resource(
    resource_type: str = "ACS::ECS::Instance",
    configuration: Mapping[str, Any] | None = None,
    **fields: Any,
) -> Resource:
    """A :class:`Resource` with realistic defaults; any field can be overridden.

    Example::

        make_resource("ACS::OSS::Bucket", {"AccessControlList": {"Grant": "private"}},
                      tags={"env": ["prod"]})
    """
    values: dict[str, Any] = {
        "id": _default_id(resource_type),
        "type": resource_type,
        "region_id": DEFAULT_REGION,
        "account_id": DEFAULT_ACCOUNT,
        "name": "test-resource",
        "availability_zone": f"{DEFAULT_REGION}-h",
        "configuration": dict(configuration or {}),
        "capture_time": DEFAULT_CAPTURE_TIME,
        "creation_time": DEFAULT_CAPTURE_TIME - 86_400_000,
        "status": "",
    }
    values.update(fields)
    return Resource(**values)


def _item(resource: Resource) -> dict[str, Any]:
    account = resource.account_id
    return {
        "accountId": int(account) if account and account.isdigit() else account,
        "availabilityZone": resource.availability_zone,
        "regionId": resource.region_id,
        "configuration": json.dumps(dict(resource.configuration), ensure_ascii=False),
        "captureTime": resource.capture_time,
        "resourceCreationTime": resource.creation_time,
        "resourceStatus": resource.status,
        "resourceId": resource.id,
        "resourceName": resource.name,
        "resourceType": resource.type,
        "tags": json.dumps(dict(resource.tags), ensure_ascii=False),
    }


def make_event(
    resource: Resource | None = None,
    *,
    message_type: str = "ConfigurationItemChangeNotification",
    parameters: Mapping[str, Any] | None = None,
    configuration_type: str | None = "COMMON",
    ordering_timestamp: int | None = None,
    result_token: str = "test-result-token",
) -> bytes:
    """An event exactly as Cloud Config sends it (configuration as a JSON string).

    ``resource=None`` gives a scheduled event without a configuration item
    (the function must enumerate resources itself).
    """
    invoking: dict[str, Any] = {"messageType": message_type}
    if configuration_type is not None:
        invoking["configurationType"] = configuration_type
    if resource is not None:
        invoking["configurationItem"] = _item(resource)
        invoking["notificationCreationTimestamp"] = resource.capture_time
        invoking["accountId"] = _item(resource)["accountId"]
    event: dict[str, Any] = {
        "invokingEvent": invoking,
        "ruleParameters": {k: _as_parameter(v) for k, v in (parameters or {}).items()},
        "resultToken": result_token,
    }
    stamp = ordering_timestamp
    if stamp is None and resource is not None:
        stamp = resource.capture_time
    if stamp is not None:
        event["orderingTimestamp"] = stamp
    return json.dumps(event, ensure_ascii=False).encode("utf-8")


def _as_parameter(value: Any) -> str:
    # Cloud Config sends every parameter as a string; tests may pass Python values.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


class RunResult(Sequence[Evaluation]):
    """The evaluations stored by the emulator for one ``run_rule`` call.

    A sequence of :class:`Evaluation`; also carries ``payloads`` (the exact
    ``PutEvaluations`` parameters received) and ``summary`` (the handler's
    return value).
    """

    def __init__(
        self, evaluations: list[Evaluation], payloads: list[dict[str, str]], summary: dict[str, Any]
    ) -> None:
        self._evaluations = evaluations
        self.payloads = payloads
        self.summary = summary

    def __getitem__(self, index: Any) -> Any:
        return self._evaluations[index]

    def __len__(self) -> int:
        return len(self._evaluations)

    def __iter__(self) -> Iterator[Evaluation]:
        return iter(self._evaluations)

    def __repr__(self) -> str:
        return f"RunResult({self._evaluations!r})"

    @property
    def only(self) -> Evaluation:
        """The single evaluation (fails clearly when there is not exactly one)."""
        if len(self._evaluations) != 1:
            raise AssertionError(
                f"expected exactly one evaluation, got {len(self._evaluations)}: {self._evaluations}"
            )
        return self._evaluations[0]


def run_rule(
    rule: Rule,
    resource_or_event: Resource | Mapping[str, Any] | bytes | str | None = None,
    *,
    parameters: Mapping[str, Any] | None = None,
    message_type: str = "ConfigurationItemChangeNotification",
    inventory: Iterable[Resource | Mapping[str, Any]] | None = None,
    emulator: Any = None,
    signature_version: str = "v3",
) -> RunResult:
    """Run ``rule`` through the whole Function Compute pipeline against the emulator.

    Args:
        rule: the rule under test.
        resource_or_event: a :class:`Resource`, a configuration-item dict, an
            event (bytes, text or dict), or ``None`` for a scheduled run that
            enumerates ``inventory``.
        parameters: rule parameters (Python values are sent as strings).
        message_type: for resources: the event's message type.
        inventory: resources the emulator serves to discovery calls.
        emulator: a running :class:`~configrules.emulator.ConfigEmulator`
            (the pytest fixture passes one); a temporary one otherwise.
        signature_version: ``"v3"`` or ``"v2"``.

    Returns:
        The evaluations actually stored by the emulator.

    Raises:
        Whatever the handler raises: ``EventError``, ``ParameterError``,
        ``RuleExecutionError``, ``SubmissionError``.
    """
    from .emulator import ConfigEmulator

    if emulator is None:
        with ConfigEmulator(TEST_CREDENTIALS) as temporary:
            return run_rule(
                rule,
                resource_or_event,
                parameters=parameters,
                message_type=message_type,
                inventory=inventory,
                emulator=temporary,
                signature_version=signature_version,
            )
    from .fc import make_handler

    token = emulator.issue_result_token(rule.name)
    if inventory is not None:
        emulator.add_resources(inventory)
    event = _event_for(resource_or_event, token, parameters, message_type)
    key_id, secret = next(iter(emulator.credentials.items()))
    handler = make_handler(
        rule,
        credentials=Credentials(key_id, secret),
        endpoint=emulator.endpoint,
        signature_version=signature_version,
    )
    already = len(emulator.requests)
    summary = handler(event, None)
    payloads = [
        dict(r.params)
        for r in emulator.requests[already:]
        if r.action == "PutEvaluations" and r.status == 200
    ]
    evaluations = [_from_wire(rule.name, s.evaluation) for s in emulator.evaluations(token=token)]
    return RunResult(evaluations, payloads, summary)


def _event_for(
    source: Any, token: str, parameters: Mapping[str, Any] | None, message_type: str
) -> bytes:
    if source is None:
        return make_event(
            None,
            message_type="ScheduledNotification",
            parameters=parameters,
            configuration_type=None,
            result_token=token,
        )
    if isinstance(source, Resource):
        return make_event(
            source, message_type=message_type, parameters=parameters, result_token=token
        )
    if isinstance(source, (bytes, str)):
        source = json.loads(source)
    if isinstance(source, Mapping) and "invokingEvent" in source:
        event = dict(source)
        event["resultToken"] = token
        if parameters is not None:
            event["ruleParameters"] = {k: _as_parameter(v) for k, v in parameters.items()}
        return json.dumps(event, ensure_ascii=False).encode()
    from ._events import resource_from_item

    return make_event(
        resource_from_item(dict(source)),
        message_type=message_type,
        parameters=parameters,
        result_token=token,
    )


def _from_wire(rule_name: str, wire: Mapping[str, Any]) -> Evaluation:
    account = wire.get("accountId")
    return Evaluation(
        rule_name=rule_name,
        resource_id=str(wire["complianceResourceId"]),
        resource_type=str(wire["complianceResourceType"]),
        region_id=str(wire.get("complianceRegionId", "")),
        compliance=Compliance(wire["complianceType"]),
        annotation=str(wire.get("annotation", "")),
        ordering_timestamp=int(wire["orderingTimestamp"]),
        account_id=None if account is None else str(account),
    )


def assert_compliance(
    evaluations: Iterable[Evaluation] | Evaluation,
    expected: Compliance | str,
    *,
    annotation_contains: str | None = None,
    annotation_matches: str | None = None,
    resource_id: str | None = None,
) -> None:
    """Assert every (selected) evaluation has ``expected`` compliance and annotation.

    Raises:
        AssertionError: with a readable list of what was found instead.
    """
    wanted = Compliance(expected)
    items = [evaluations] if isinstance(evaluations, Evaluation) else list(evaluations)
    if resource_id is not None:
        items = [e for e in items if e.resource_id == resource_id]
    if not items:
        raise AssertionError(
            f"expected {wanted.value}, but there is no evaluation"
            + (f" for resource {resource_id!r}" if resource_id else "")
        )
    problems = []
    for e in items:
        if e.compliance is not wanted:
            problems.append(
                f"{e.resource_id}: expected {wanted.value}, got {e.compliance.value} ({e.annotation!r})"
            )
        elif annotation_contains is not None and annotation_contains not in e.annotation:
            problems.append(
                f"{e.resource_id}: annotation {e.annotation!r} does not contain {annotation_contains!r}"
            )
        elif annotation_matches is not None and not re.search(annotation_matches, e.annotation):
            problems.append(
                f"{e.resource_id}: annotation {e.annotation!r} does not match /{annotation_matches}/"
            )
    if problems:
        raise AssertionError("evaluation mismatch:\n  " + "\n  ".join(problems))


#: Types of the pytest plugin's fixtures, for annotations in your tests::
#:
#:     def test_x(run_rule: RunRule, make_resource: MakeResource) -> None: ...
MakeResource = Callable[..., Resource]
MakeEvent = Callable[..., bytes]
RunRule = Callable[..., RunResult]


def __getattr__(name: str) -> Any:
    # ConfigEmulator is re-exported lazily: importing this module stays cheap.
    if name == "ConfigEmulator":
        from .emulator import ConfigEmulator

        return ConfigEmulator
    raise AttributeError(f"module 'configrules.testing' has no attribute {name!r}")
