"""Frozen data: compliance values, resources, verdicts, evaluations and events.

Models do no I/O and no parsing of wire formats beyond trivial conversions;
turning event JSON into these objects is :mod:`configrules._events`' job.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from ._redact import mask

__all__ = [
    "CHANGE_MESSAGE_TYPES",
    "Compliance",
    "Evaluation",
    "Resource",
    "RuleEvent",
    "Verdict",
]

#: Message types that carry one changed resource; any other type (notably
#: ``ScheduledNotification``) is a periodic or manual run.
CHANGE_MESSAGE_TYPES = frozenset(
    {"ConfigurationItemChangeNotification", "OversizedConfigurationItemChangeNotification"}
)


class Compliance(str, enum.Enum):
    """The verdict of a rule on one resource; values are the wire strings."""

    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"

    def __str__(self) -> str:
        return self.value


def _frozen_dict(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return {} if value is None else value


@attrs.frozen(slots=True)
class Resource:
    """One configuration item: a resource as Cloud Config sees it.

    Attributes:
        id: the resource id (``i-bp1...``, a bucket name, a RAM user id).
        type: the ACS resource type, ``ACS::<Service>::<Type>``.
        region_id: the region (``cn-hangzhou``); ``""`` for global resources.
        account_id: the owning account id as a string, when known.
        name: the resource name, ``""`` when it has none.
        availability_zone: the zone, ``""`` when not zonal.
        configuration: the resource's configuration, always a dict (Cloud
            Config sends a JSON string; it is parsed for you). Empty when the
            event carried no configuration.
        tags: tag key -> list of values.
        capture_time: when Cloud Config captured this item (epoch ms).
        creation_time: when the resource was created (epoch ms).
        status: the type-specific status (``Running``), ``""`` if none.
        deleted: True when Cloud Config reports the resource as deleted.
        raw: the configuration item exactly as received.
    """

    id: str
    type: str
    region_id: str = ""
    account_id: str | None = None
    name: str = ""
    availability_zone: str = ""
    configuration: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_dict)
    tags: Mapping[str, list[str]] = attrs.field(factory=dict)
    capture_time: int | None = None
    creation_time: int | None = None
    status: str = ""
    deleted: bool = False
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    def tag_values(self, key: str) -> list[str]:
        """The values of tag ``key`` (``[]`` when the resource lacks it)."""
        return list(self.tags.get(key, ()))

    def has_tag(self, key: str) -> bool:
        """Whether the resource carries tag ``key`` (with any value)."""
        return key in self.tags


@attrs.frozen(slots=True)
class Verdict:
    """What a rule may return to give an annotation or to judge another resource.

    Attributes:
        compliance: the verdict.
        annotation: a short text telling an operator why, or what to fix.
        resource: the resource judged; ``None`` means the resource the rule
            was called with.
    """

    compliance: Compliance = attrs.field(converter=Compliance)
    annotation: str = ""
    resource: Resource | None = None


@attrs.frozen(slots=True)
class Evaluation:
    """One verdict on one resource, ready to be submitted.

    Attributes:
        rule_name: the rule that produced it (not sent: one function, one rule).
        resource_id: ``complianceResourceId``.
        resource_type: ``complianceResourceType``.
        region_id: ``complianceRegionId``.
        compliance: ``complianceType``.
        annotation: ``annotation``.
        ordering_timestamp: ``orderingTimestamp``, epoch milliseconds.
        account_id: ``accountId``, sent when known.
    """

    rule_name: str
    resource_id: str
    resource_type: str
    region_id: str
    compliance: Compliance
    annotation: str
    ordering_timestamp: int
    account_id: str | None = None

    def to_api(self) -> dict[str, Any]:
        """The evaluation as the ``PutEvaluations`` API expects it (camelCase)."""
        wire: dict[str, Any] = {
            "complianceResourceId": self.resource_id,
            "complianceResourceType": self.resource_type,
            "complianceRegionId": self.region_id,
            # _value_ is the member's value, read directly: Enum.value is a
            # property, which costs more than building the rest of this dict.
            "complianceType": self.compliance._value_,
            "annotation": self.annotation,
            "orderingTimestamp": self.ordering_timestamp,
        }
        account_id = self.account_id
        if account_id is not None:
            # Cloud Config sends numeric account ids as JSON numbers; send them
            # back the same way, and anything else untouched.
            wire["accountId"] = (
                int(account_id) if account_id.isascii() and account_id.isdigit() else account_id
            )
        return wire

    @property
    def key(self) -> tuple[str, str, str]:
        """(resource type, resource id, region): what identifies the resource."""
        return (self.resource_type, self.resource_id, self.region_id)


@attrs.frozen(slots=True)
class RuleEvent:
    """The event Cloud Config sends to the rule's function, parsed.

    Attributes:
        message_type: ``ConfigurationItemChangeNotification``,
            ``ScheduledNotification``, ...
        result_token: the token ``PutEvaluations`` must carry.
        ordering_timestamp: epoch ms, resolved from (in order) the event's
            ``orderingTimestamp``, the item's ``captureTime``, the event's
            ``notificationCreationTimestamp``, then the current time.
        resource: the configuration item, or ``None`` when the event has none
            (a periodic run that must enumerate resources itself).
        configuration_type: ``COMMON``, ``OVERSIZE``, ``NONE`` or ``None`` when absent.
        rule_parameters: the raw parameter strings from ``ruleParameters``.
        account_id: ``invokingEvent.accountId`` (or the item's), as a string.
        notification_creation_timestamp: epoch ms when given.
        raw: the whole event as received.
    """

    message_type: str
    result_token: str = attrs.field(repr=mask)
    ordering_timestamp: int
    resource: Resource | None = None
    configuration_type: str | None = None
    rule_parameters: Mapping[str, Any] = attrs.field(factory=dict)
    account_id: str | None = None
    notification_creation_timestamp: int | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def is_change(self) -> bool:
        """True for a configuration-change invocation (one resource)."""
        return self.message_type in CHANGE_MESSAGE_TYPES

    @property
    def is_periodic(self) -> bool:
        """True for a scheduled or manual run (results may be replaced with DeleteMode)."""
        return not self.is_change

    @property
    def is_oversize(self) -> bool:
        """True when the configuration was too large to be inlined in the event."""
        return self.configuration_type == "OVERSIZE"
