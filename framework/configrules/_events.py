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
from collections.abc import Callable, Iterator, Mapping
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

# Keys that make an item take the general path: the other spellings of each
# field, and the rare deleted flag. An item without them is in the FC event
# shape, which the fast path handles (including resourceCreateTime, the
# lowerCamel spelling the samples' RAM items use).
_OTHER_SPELLINGS = frozenset(
    key
    for keys in (
        _ID_KEYS,
        _TYPE_KEYS,
        _REGION_KEYS,
        _ACCOUNT_KEYS,
        _NAME_KEYS,
        _ZONE_KEYS,
        _CONFIGURATION_KEYS,
        _TAGS_KEYS,
        _CAPTURE_KEYS,
        _CREATION_KEYS,
        _STATUS_KEYS,
    )
    for key in keys[1:]
)
_GENERAL_PATH_KEYS = (_OTHER_SPELLINGS - {"resourceCreateTime"}) | frozenset(_DELETED_KEYS)

# Below this a number is taken as epoch seconds: 1e11 ms is March 1973,
# 1e11 s is the year 5138; no capture time is near either.
_SECONDS_LIMIT = 100_000_000_000


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every call: json.loads with a keyword builds a new one each time.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
# The decoder's scanner, called directly: decode() adds two whitespace regex
# matches per document, which cost more than scanning a small configuration.
# JSONDecoder.__init__ has set scan_once in every CPython since 2.6; typeshed omits it.
_SCAN_ONCE: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]


def _decode_compact(text: str) -> Any:
    """``_DECODER.decode(text)``, faster for text with no surrounding whitespace."""
    try:
        value, end = _SCAN_ONCE(text, 0)
    except StopIteration:  # leading whitespace, or not JSON: decode() decides
        return _DECODER.decode(text)
    if end != len(text):  # trailing whitespace or extra data: decode() decides
        return _DECODER.decode(text)
    return value


def _loads(text: str | bytes, path: str, field: str = "") -> Any:
    try:
        if isinstance(text, str):
            return _DECODER.decode(text)
        return json.loads(text, parse_constant=_reject_constant)  # detects UTF-8/16/32
    except RecursionError:
        raise EventError(_join(path, field), "JSON is nested too deeply") from None
    except ValueError as exc:
        # json.JSONDecodeError is a ValueError; so are our rejected constants
        # and invalid UTF-8 in bytes.
        raise EventError(_join(path, field), f"is not valid JSON ({exc})") from None


def _first(item: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in item:
            return item[key]
    return None


def _text(value: Any, path: str, field: str = "", *, required: bool = False) -> str:
    """``value`` as text; the error names ``path.field`` (built only on error)."""
    if value is None or value == "":
        if required:
            raise EventError(_join(path, field), "is required and must be a non-empty string")
        return ""
    if isinstance(value, bool):
        raise EventError(_join(path, field), f"must be a string, got {_kind(value)}")
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    raise EventError(_join(path, field), f"must be a string, got {_kind(value)}")


def _join(path: str, field: str) -> str:
    return f"{path}.{field}" if field else path


def _field_text(
    item: Mapping[str, Any], keys: tuple[str, ...], path: str, *, required: bool = False
) -> str:
    """The text under the first of ``keys`` present in ``item``."""
    for key in keys:
        if key in item:
            value = item[key]
            if type(value) is str and value:  # the common case, checked first
                return value
            return _text(value, path, key, required=required)
    return _text(None, path, keys[0], required=required)


def _field_timestamp(item: Mapping[str, Any], keys: tuple[str, ...], path: str) -> int | None:
    for key in keys:
        if key in item:
            value = item[key]
            if type(value) is int and value >= _SECONDS_LIMIT:  # epoch ms, the common case
                return value
            return parse_timestamp(value, f"{path}.{key}")
    return None


def _field_tags(item: Mapping[str, Any], path: str) -> dict[str, list[str]]:
    for key in _TAGS_KEYS:
        if key in item:
            return _tags(item[key], f"{path}.{key}")
    return {}


def _account(value: Any, path: str, field: str = "") -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise EventError(_join(path, field), f"must be a number or a string, got {_kind(value)}")
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


def _configuration(value: Any, path: str, field: str, lenient: bool) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            parsed = _loads(value, path, field)
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
    raise EventError(
        _join(path, field), f"must be a JSON object (or a string holding one), got {_kind(value)}"
    )


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
            if type(values) is list and all(type(v) is str for v in values):
                tags[key] = list(values)  # already strings: no per-value checks
            elif isinstance(values, list):
                tags[key] = [_text(v, path, key) for v in values]
            else:
                tags[key] = [_text(values, path, key)]
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
    if configuration_type is None and type(item) is dict:
        fast = _fast_resource(item)
        if fast is not None:
            return fast
    return _checked_resource(item, path, configuration_type)


def _object_from(value: Any) -> dict[str, Any] | None:
    """``value`` as a JSON object for the fast path: ``{}`` for absent, ``None`` to give up."""
    if value is None or value == "":
        return {}
    if type(value) is str:
        try:
            value = _decode_compact(value)
        except (ValueError, RecursionError):
            return None
    return value if type(value) is dict else None


def _fast_resource(item: dict[str, Any]) -> Resource | None:
    """The resource of an item in the FC event shape with well-typed fields, or
    ``None`` when anything is unusual; :func:`_checked_resource` then decides
    (and names the bad field). Both give equal resources, as a test checks.

    Dispatch of large inventories spends most of its time here, hence one
    function with inline checks instead of a helper per field.
    """
    if not _GENERAL_PATH_KEYS.isdisjoint(item):
        return None
    get = item.get
    resource_id = get("resourceId")
    resource_type = get("resourceType")
    region = get("regionId", "")
    name = get("resourceName", "")
    zone = get("availabilityZone", "")
    status = get("resourceStatus", "")
    if not (
        type(resource_id) is str
        and resource_id
        and type(resource_type) is str
        and resource_type
        and type(region) is str
        and type(name) is str
        and type(zone) is str
        and type(status) is str
    ):
        return None
    account = get("accountId")
    if type(account) is int:
        account = str(account)
    elif account == "":
        account = None
    elif account is not None and type(account) is not str:
        return None
    capture = get("captureTime")
    creation = (
        item["resourceCreationTime"]
        if "resourceCreationTime" in item
        else get("resourceCreateTime")
    )
    # "" means "not known" in the samples, as absent does.
    capture = None if capture == "" else capture
    creation = None if creation == "" else creation
    if capture is not None and (type(capture) is not int or capture < _SECONDS_LIMIT):
        return None
    if creation is not None and (type(creation) is not int or creation < _SECONDS_LIMIT):
        return None
    configuration = _object_from(get("configuration"))
    given_tags = get("tags")
    tags = _object_from(given_tags)
    if configuration is None or tags is None:
        return None
    for values in tags.values():  # loops, not all(...): no generator per tag
        if type(values) is not list:
            return None
        for value in values:
            if type(value) is not str:
                return None
    if type(given_tags) is not str:  # tags decoded from text are ours; the caller's are not
        tags = {key: list(values) for key, values in tags.items()}
    # Positional, in field order: a third faster than keywords, per resource.
    return Resource(
        resource_id,  # id
        resource_type,  # type
        region,  # region_id
        account,  # account_id
        name,
        zone,  # availability_zone
        configuration,
        tags,
        capture,  # capture_time
        creation,  # creation_time
        status,
        False,  # deleted
        item,  # raw
    )


def _checked_resource(item: Any, path: str, configuration_type: str | None) -> Resource:
    """The general path: every spelling, every coercion, errors naming the field."""
    if not isinstance(item, dict):
        raise EventError(path, f"must be an object, got {_kind(item)}")
    lenient = configuration_type in ("OVERSIZE", "NONE")
    configuration: dict[str, Any] = {}
    if configuration_type != "NONE":
        for key in _CONFIGURATION_KEYS:
            if key in item:
                configuration = _configuration(item[key], path, key, lenient)
                break
    # Field paths are built only when a field is wrong: formatting a dozen of
    # them per item would cost more than parsing the item.
    return Resource(
        id=_field_text(item, _ID_KEYS, path, required=True),
        type=_field_text(item, _TYPE_KEYS, path, required=True),
        region_id=_field_text(item, _REGION_KEYS, path),
        account_id=_account(_first(item, _ACCOUNT_KEYS), path, "accountId"),
        name=_field_text(item, _NAME_KEYS, path),
        availability_zone=_field_text(item, _ZONE_KEYS, path),
        configuration=configuration,
        tags=_field_tags(item, path),
        capture_time=_field_timestamp(item, _CAPTURE_KEYS, path),
        creation_time=_field_timestamp(item, _CREATION_KEYS, path),
        status=_field_text(item, _STATUS_KEYS, path),
        deleted=_deleted(_first(item, _DELETED_KEYS), f"{path}.resourceDeleted")
        if _DELETED_KEYS[0] in item or _DELETED_KEYS[1] in item
        else False,
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
