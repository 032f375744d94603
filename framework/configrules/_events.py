"""Parsing the Function Compute event Cloud Config sends into a :class:`RuleEvent`.

Real events disagree with each other (see the docs page "Writing rules"): the
configuration is a JSON string or an object, the creation time is
``resourceCreationTime`` or ``resourceCreateTime``, account ids are numbers or
strings, ``orderingTimestamp`` and ``configurationType`` may be absent. All of
those are accepted. Anything malformed raises :class:`EventError` naming the
field path; no other exception escapes :func:`parse_event` for any input.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from ._models import Resource, RuleEvent
from .errors import EventError

__all__ = ["items_in_document", "parse_event", "parse_timestamp", "resource_from_item"]

_ITEM = "invokingEvent.configurationItem"

# Each Resource field and the keys it may come under: FC events use
# lowerCamel, the discovery API and MNS notifications use PascalCase.
_ID_KEYS = ("resourceId", "ResourceId")
_TYPE_KEYS = ("resourceType", "ResourceType")
_REGION_KEYS = ("regionId", "RegionId", "region", "Region")
_ACCOUNT_KEYS = ("accountId", "AccountId")
_NAME_KEYS = ("resourceName", "ResourceName")
_ZONE_KEYS = ("availabilityZone", "AvailabilityZone")
_CONFIGURATION_KEYS = ("configuration", "Configuration")
_TAGS_KEYS = ("tags", "Tags")
_CAPTURE_KEYS = ("captureTime", "CaptureTime")
_CREATION_KEYS = (
    "resourceCreationTime",
    "resourceCreateTime",
    "ResourceCreationTime",
    "ResourceCreateTime",
)
_STATUS_KEYS = ("resourceStatus", "ResourceStatus")
_DELETED_KEYS = ("resourceDeleted", "ResourceDeleted")

# Below this a number is taken as epoch seconds: 1e11 ms is March 1973,
# 1e11 s is the year 5138; no capture time is near either.
_SECONDS_LIMIT = 100_000_000_000


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _loads(text: str | bytes, path: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise EventError(path, "JSON is nested too deeply") from None
    except ValueError as exc:
        # json.JSONDecodeError is a ValueError; so are our rejected constants
        # and invalid UTF-8 in bytes.
        raise EventError(path, f"is not valid JSON ({exc})") from None


def _first(item: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in item:
            return item[key]
    return None


def _which(item: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        if key in item:
            return key
    return keys[0]


def _text(value: Any, path: str, *, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise EventError(path, "is required and must be a non-empty string")
        return ""
    if isinstance(value, bool):
        raise EventError(path, f"must be a string, got {_kind(value)}")
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    raise EventError(path, f"must be a string, got {_kind(value)}")


def _account(value: Any, path: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise EventError(path, f"must be a number or a string, got {_kind(value)}")
    return str(value)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def parse_timestamp(value: Any, path: str) -> int | None:
    """Epoch milliseconds from what events carry: ms, seconds, digit strings, ISO 8601.

    ``None`` and ``""`` give ``None``.

    Raises:
        EventError: for anything else.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise EventError(path, "must be a timestamp, got a boolean")
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.isdigit():
            value = int(stripped)
        else:
            return _parse_iso(stripped, path)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EventError(path, "must be a finite timestamp")
        value = int(value * 1000) if value < _SECONDS_LIMIT else int(value)
    if not isinstance(value, int):
        raise EventError(path, f"must be a timestamp (epoch ms), got {_kind(value)}")
    if value < 0:
        raise EventError(path, f"must not be negative, got {value}")
    return value * 1000 if value < _SECONDS_LIMIT else value


def _parse_iso(text: str, path: str) -> int:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise EventError(
            path, f"must be epoch milliseconds or an ISO 8601 time, got {text[:60]!r}"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return int(parsed.timestamp() * 1000)
    except (OverflowError, OSError, ValueError):
        raise EventError(path, f"is out of range: {text[:60]!r}") from None


def _configuration(value: Any, path: str, lenient: bool) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            parsed = _loads(value, path)
        except EventError:
            if lenient:
                return {}
            raise
        if parsed is None:
            return {}
        value = parsed
    if isinstance(value, dict):
        return value
    if lenient:
        return {}
    raise EventError(path, f"must be a JSON object (or a string holding one), got {_kind(value)}")


def _tags(value: Any, path: str) -> dict[str, list[str]]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        value = _loads(value, path)
        if value is None:
            return {}
    tags: dict[str, list[str]] = {}
    if isinstance(value, dict):
        for key, values in value.items():
            if isinstance(values, list):
                tags[key] = [_text(v, f"{path}.{key}") for v in values]
            else:
                tags[key] = [_text(values, f"{path}.{key}")]
        return tags
    if isinstance(value, list):
        # [{"Key": "k", "Value": "v"}]: the shape of the ECS/OSS APIs.
        for index, entry in enumerate(value):
            if not isinstance(entry, dict):
                raise EventError(f"{path}[{index}]", f"must be an object, got {_kind(entry)}")
            key = _text(
                _first(entry, ("Key", "key", "TagKey")), f"{path}[{index}].Key", required=True
            )
            val = _text(_first(entry, ("Value", "value", "TagValue")), f"{path}[{index}].Value")
            tags.setdefault(key, []).append(val)
        return tags
    raise EventError(path, f"must be an object of tag lists, got {_kind(value)}")


def _deleted(value: Any, path: str) -> bool:
    if value is None or value == "":
        return False
    # The discovery API: 1 = the resource exists, 0 = it was deleted.
    if isinstance(value, bool):
        return not value
    if isinstance(value, int) or (isinstance(value, str) and value.strip() in ("0", "1")):
        return int(value) == 0
    raise EventError(path, f"must be 0 or 1, got {value!r}"[:200])


def resource_from_item(
    item: Any, path: str = "configurationItem", *, configuration_type: str | None = None
) -> Resource:
    """Build a :class:`Resource` from a configuration item dict.

    Accepts the FC event shape (lowerCamel) and the discovery API shape
    (PascalCase, ``Region``).

    Raises:
        EventError: naming the field (prefixed with ``path``) that is wrong.
    """
    if not isinstance(item, dict):
        raise EventError(path, f"must be an object, got {_kind(item)}")
    lenient = configuration_type in ("OVERSIZE", "NONE")
    configuration = (
        {}
        if configuration_type == "NONE"
        else _configuration(
            _first(item, _CONFIGURATION_KEYS),
            f"{path}.{_which(item, _CONFIGURATION_KEYS)}",
            lenient,
        )
    )
    return Resource(
        id=_text(_first(item, _ID_KEYS), f"{path}.resourceId", required=True),
        type=_text(_first(item, _TYPE_KEYS), f"{path}.resourceType", required=True),
        region_id=_text(_first(item, _REGION_KEYS), f"{path}.{_which(item, _REGION_KEYS)}"),
        account_id=_account(_first(item, _ACCOUNT_KEYS), f"{path}.accountId"),
        name=_text(_first(item, _NAME_KEYS), f"{path}.resourceName"),
        availability_zone=_text(_first(item, _ZONE_KEYS), f"{path}.availabilityZone"),
        configuration=configuration,
        tags=_tags(_first(item, _TAGS_KEYS), f"{path}.tags"),
        capture_time=parse_timestamp(_first(item, _CAPTURE_KEYS), f"{path}.captureTime"),
        creation_time=parse_timestamp(
            _first(item, _CREATION_KEYS), f"{path}.{_which(item, _CREATION_KEYS)}"
        ),
        status=_text(_first(item, _STATUS_KEYS), f"{path}.resourceStatus"),
        deleted=_deleted(_first(item, _DELETED_KEYS), f"{path}.resourceDeleted"),
        raw=item,
    )


def items_in_document(document: Any) -> Iterator[Mapping[str, Any]]:
    """The configuration items a JSON document holds, whatever its shape.

    A list (of any of these), an FC event (its ``configurationItem``), a
    ``GetDiscoveredResource`` answer (its ``DiscoveredResourceDetail``), or an
    item itself. Files on disk and emulator inventories come in all of these.
    """
    if isinstance(document, list):
        for entry in document:
            yield from items_in_document(entry)
    elif isinstance(document, dict):
        invoking = document.get("invokingEvent")
        if isinstance(invoking, dict):
            item = invoking.get("configurationItem")
            if isinstance(item, dict) and item:
                yield item
        elif "DiscoveredResourceDetail" in document:
            yield document["DiscoveredResourceDetail"]
        else:
            yield document


def _object(value: Any, path: str, *, allow_string: bool = True) -> dict[str, Any]:
    if isinstance(value, str) and allow_string:
        # AWS-style events carry these as JSON strings; accept that too.
        value = _loads(value, path)
    if not isinstance(value, dict):
        raise EventError(path, f"must be an object, got {_kind(value)}")
    return value


def parse_event(data: bytes | bytearray | memoryview | str | Mapping[str, Any]) -> RuleEvent:
    """Parse the event Function Compute passes to the handler.

    Args:
        data: the raw event (bytes, as FC passes it), its text, or a dict.

    Raises:
        EventError: the event is malformed; the message names the field path.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise EventError("", f"is not valid UTF-8 (byte {exc.start})") from None
        data = text
    if isinstance(data, str):
        if not data.strip():
            raise EventError("", "is empty")
        data = _loads(data, "")
    if not isinstance(data, Mapping):
        raise EventError("", f"must be a JSON object, got {_kind(data)}")
    event = dict(data)

    token = event.get("resultToken")
    if not isinstance(token, str) or not token:
        raise EventError("resultToken", "is required and must be a non-empty string")

    invoking = _object(event.get("invokingEvent"), "invokingEvent")
    message_type = _text(invoking.get("messageType"), "invokingEvent.messageType", required=True)
    configuration_type = invoking.get("configurationType")
    if configuration_type is not None:
        configuration_type = (
            _text(configuration_type, "invokingEvent.configurationType").upper() or None
        )

    raw_item = invoking.get("configurationItem")
    resource = None
    if raw_item is not None and raw_item != {} and raw_item != "":
        if isinstance(raw_item, str):
            raw_item = _object(raw_item, _ITEM)
        resource = resource_from_item(raw_item, _ITEM, configuration_type=configuration_type)

    parameters_raw = event.get("ruleParameters")
    parameters = {} if parameters_raw in (None, "") else _object(parameters_raw, "ruleParameters")

    notification = parse_timestamp(
        invoking.get("notificationCreationTimestamp"),
        "invokingEvent.notificationCreationTimestamp",
    )
    ordering = parse_timestamp(event.get("orderingTimestamp"), "orderingTimestamp")
    if ordering is None and resource is not None:
        ordering = resource.capture_time
    if ordering is None:
        ordering = notification
    if ordering is None:
        ordering = int(time.time() * 1000)

    account = _account(invoking.get("accountId"), "invokingEvent.accountId")
    if account is None and resource is not None:
        account = resource.account_id

    return RuleEvent(
        message_type=message_type,
        result_token=token,
        ordering_timestamp=ordering,
        resource=resource,
        configuration_type=configuration_type,
        rule_parameters=parameters,
        account_id=account,
        notification_creation_timestamp=notification,
        raw=event,
    )
