"""Event parsing: every official shape and variant, and clear errors for the rest."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from configrules import EventError, RuleEvent, parse_event, resource_from_item
from configrules._events import parse_timestamp

from .conftest import SAMPLE_EVENTS, TEMPLATES, event_bytes, load_event


@pytest.mark.parametrize("name", SAMPLE_EVENTS)
@pytest.mark.parametrize("form", ["bytes", "str", "dict"])
def test_official_samples_parse_in_every_form(name: str, form: str) -> None:
    raw = event_bytes(name)
    data: Any = {"bytes": raw, "str": raw.decode(), "dict": json.loads(raw)}[form]
    event = parse_event(data)
    assert isinstance(event, RuleEvent)
    assert event.resource is not None
    assert event.resource.configuration  # parsed from the JSON string
    assert isinstance(event.ordering_timestamp, int)


def test_faq_event_fields(ram_event: dict[str, Any]) -> None:
    event = parse_event(ram_event)
    assert event.message_type == "ScheduledNotification"
    assert event.is_periodic and not event.is_change
    assert event.rule_parameters == {"dangerousActions": "ecs:*,oss:*,log:*"}
    resource = event.resource
    assert resource is not None
    assert resource.type == "ACS::RAM::User"
    assert resource.account_id == "1698272328540000"  # a JSON number in the event
    assert resource.creation_time == 1571644675000  # resourceCreateTime variant
    assert resource.configuration["UserName"] == "test123"
    assert resource.tags == {}  # "" in the sample
    # No orderingTimestamp in the FAQ: the item's captureTime is next.
    assert event.ordering_timestamp == 1600610821106


def test_derived_ecs_event_fields(ecs_event: dict[str, Any]) -> None:
    event = parse_event(ecs_event)
    assert event.is_change
    assert event.configuration_type == "COMMON"
    resource = event.resource
    assert resource is not None
    assert resource.creation_time == 1709190480000  # resourceCreationTime variant
    assert resource.tags == {"hc": ["value2"]}
    assert resource.status == "Stopped"
    assert resource.configuration["Cpu"] == 2
    assert resource.raw is ecs_event["invokingEvent"]["configurationItem"]


def test_oss_event_empty_creation_time() -> None:
    event = parse_event(load_event("derived-oss-bucket-configuration-change.json"))
    assert event.resource is not None
    assert event.resource.creation_time is None


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_are_descriptions_and_fail_with_a_field_path(name: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(event_bytes(name))
    assert info.value.path.startswith(("invokingEvent", "orderingTimestamp"))


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_with_real_values_parse(name: str) -> None:
    """The templates' key sets are accepted once the description values are real."""
    data = load_event(name)
    data["orderingTimestamp"] = 1700000000000
    invoking = data["invokingEvent"]
    invoking["messageType"] = "ConfigurationItemChangeNotification"
    if "notificationCreationTimestamp" in invoking:
        invoking["notificationCreationTimestamp"] = 1700000000000
    if "configurationType" in invoking:
        invoking["configurationType"] = "COMMON"
    item = invoking["configurationItem"]
    item.update(
        accountId="1234",
        configuration='{"a": 1}',
        captureTime=1700000000000,
        resourceCreationTime="1690000000000",
        resourceType="ACS::ECS::Instance",
        tags='{"k": ["v"]}',
    )
    event = parse_event(data)
    assert event.resource is not None
    assert event.resource.configuration == {"a": 1}
    assert event.resource.creation_time == 1690000000000


def test_configuration_as_object_and_account_as_string(ecs_event: dict[str, Any]) -> None:
    item = ecs_event["invokingEvent"]["configurationItem"]
    item["configuration"] = json.loads(item["configuration"])
    item["accountId"] = "1698272328540000"
    event = parse_event(ecs_event)
    assert event.resource is not None
    assert event.resource.configuration["Cpu"] == 2
    assert event.resource.account_id == "1698272328540000"


def test_configuration_type_none_gives_empty_configuration(ecs_event: dict[str, Any]) -> None:
    ecs_event["invokingEvent"]["configurationType"] = "NONE"
    event = parse_event(ecs_event)
    assert event.resource is not None
    assert event.resource.configuration == {}


def test_oversize_tolerates_a_missing_or_broken_configuration(ecs_event: dict[str, Any]) -> None:
    ecs_event["invokingEvent"]["configurationType"] = "OVERSIZE"
    ecs_event["invokingEvent"]["configurationItem"]["configuration"] = "{truncated"
    event = parse_event(ecs_event)
    assert event.is_oversize
    assert event.resource is not None
    assert event.resource.configuration == {}


def test_scheduled_event_without_item(ram_event: dict[str, Any]) -> None:
    del ram_event["invokingEvent"]["configurationItem"]
    event = parse_event(ram_event)
    assert event.resource is None
    assert event.ordering_timestamp == 1600610821106  # notificationCreationTimestamp


def test_ordering_timestamp_precedence(ecs_event: dict[str, Any]) -> None:
    ecs_event["orderingTimestamp"] = 1
    ecs_event["invokingEvent"]["configurationItem"]["captureTime"] = 1709190540123
    assert parse_event(ecs_event).ordering_timestamp == 1000  # seconds -> ms
    del ecs_event["orderingTimestamp"]
    assert parse_event(ecs_event).ordering_timestamp == 1709190540123
    del ecs_event["invokingEvent"]["configurationItem"]["captureTime"]
    assert parse_event(ecs_event).ordering_timestamp == 1709190540000  # notification
    del ecs_event["invokingEvent"]["notificationCreationTimestamp"]
    import time

    before = int(time.time() * 1000)
    assert parse_event(ecs_event).ordering_timestamp >= before


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1709190540000, 1709190540000),
        (1709190540, 1709190540000),
        ("1709190540000", 1709190540000),
        (1709190540.5, 1709190540500),
        ("2024-02-29T07:09:00Z", 1709190540000),
        ("2024-02-29T07:09:00+00:00", 1709190540000),
        ("2024-02-29T07:09:00", 1709190540000),
        ("", None),
        (None, None),
    ],
)
def test_parse_timestamp(value: Any, expected: int | None) -> None:
    assert parse_timestamp(value, "x") == expected


@pytest.mark.parametrize("value", [True, "soon", -5, float("nan"), [1], {"a": 1}])
def test_parse_timestamp_rejects(value: Any) -> None:
    with pytest.raises(EventError, match="'x'"):
        parse_timestamp(value, "x")


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda e: e.pop("resultToken"), "resultToken"),
        (lambda e: e.update(resultToken=""), "resultToken"),
        (lambda e: e.update(resultToken=5), "resultToken"),
        (lambda e: e.pop("invokingEvent"), "invokingEvent"),
        (lambda e: e.update(invokingEvent=[1]), "invokingEvent"),
        (lambda e: e["invokingEvent"].pop("messageType"), "invokingEvent.messageType"),
        (
            lambda e: e["invokingEvent"].update(configurationItem=[1]),
            "invokingEvent.configurationItem",
        ),
        (
            lambda e: e["invokingEvent"]["configurationItem"].update(configuration="{oops"),
            "invokingEvent.configurationItem.configuration",
        ),
        (
            lambda e: e["invokingEvent"]["configurationItem"].update(configuration="[1, 2]"),
            "invokingEvent.configurationItem.configuration",
        ),
        (
            lambda e: e["invokingEvent"]["configurationItem"].pop("resourceId"),
            "invokingEvent.configurationItem.resourceId",
        ),
        (
            lambda e: e["invokingEvent"]["configurationItem"].update(resourceType=None),
            "invokingEvent.configurationItem.resourceType",
        ),
        (
            lambda e: e["invokingEvent"]["configurationItem"].update(accountId=1.5),
            "invokingEvent.configurationItem.accountId",
        ),
        (
            lambda e: e["invokingEvent"]["configurationItem"].update(tags="[1]"),
            "invokingEvent.configurationItem.tags[0]",
        ),
        (
            lambda e: e["invokingEvent"]["configurationItem"].update(captureTime="later"),
            "invokingEvent.configurationItem.captureTime",
        ),
        (lambda e: e.update(ruleParameters=[]), "ruleParameters"),
        (lambda e: e.update(orderingTimestamp=True), "orderingTimestamp"),
    ],
)
def test_malformed_events_name_the_field(ecs_event: dict[str, Any], mutate: Any, path: str) -> None:
    mutate(ecs_event)
    with pytest.raises(EventError) as info:
        parse_event(ecs_event)
    assert info.value.path == path
    assert path in str(info.value) if path else True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid UTF-8"),
        (b"[1, 2]", "must be a JSON object, got an array"),
        (b"NaN", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_malformed_documents(data: bytes, message: str) -> None:
    with pytest.raises(EventError, match=message):
        parse_event(data)


def test_tags_shapes() -> None:
    base = {"resourceId": "r", "resourceType": "ACS::ECS::Instance"}
    assert resource_from_item({**base, "tags": '{"a": "x"}'}).tags == {"a": ["x"]}
    assert resource_from_item(
        {**base, "tags": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]}
    ).tags == {"a": ["1", "2"]}
    assert resource_from_item({**base, "tags": "null"}).tags == {}


def test_discovery_api_shape_is_accepted() -> None:
    detail = json.loads(
        event_bytes("../discovery-examples/GetDiscoveredResource.response.normalized.json")
    )["DiscoveredResourceDetail"]
    resource = resource_from_item(detail)
    assert resource.id == "i-bp12g4xbl4i0brkn****"
    assert resource.region_id == "cn-hangzhou"
    assert resource.configuration["InstanceId"] == resource.id
    assert not resource.deleted
    assert resource_from_item({**detail, "ResourceDeleted": 0}).deleted


def test_event_repr_masks_the_result_token(ecs_event: dict[str, Any]) -> None:
    event = parse_event(ecs_event)
    assert ecs_event["resultToken"] not in repr(event)
    assert "HLQr…" in repr(event)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=25,
)
event_keys = st.sampled_from(
    [
        "resultToken",
        "invokingEvent",
        "ruleParameters",
        "orderingTimestamp",
        "messageType",
        "configurationItem",
        "configurationType",
        "configuration",
        "resourceId",
        "resourceType",
        "tags",
        "captureTime",
        "accountId",
        "resourceDeleted",
    ]
)
# Events that look like events: nested objects over the real key names.
event_like = st.recursive(
    json_values,
    lambda children: st.dictionaries(event_keys | st.text(max_size=5), children, max_size=6),
    max_leaves=30,
)


@given(json_values)
def test_arbitrary_json_values_raise_only_event_error(value: Any) -> None:
    for form in (value, json.dumps(value), json.dumps(value).encode()):
        try:
            parse_event(form)
        except EventError:
            pass


@given(event_like)
def test_event_shaped_json_raises_only_event_error(value: Any) -> None:
    try:
        parse_event(json.dumps(value).encode())
    except EventError:
        pass


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_event_error(data: bytes) -> None:
    try:
        parse_event(data)
    except EventError:
        pass


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "configuration",
                "tags",
                "captureTime",
                "resourceCreateTime",
                "accountId",
                "resourceDeleted",
                "resourceId",
                "resourceType",
                "regionId",
            ]
        ),
        json_values | st.text().map(json.dumps),
    )
)
def test_item_fields_raise_only_event_error(overrides: dict[str, Any]) -> None:
    item = {"resourceId": "r", "resourceType": "ACS::ECS::Instance", **overrides}
    event = {
        "resultToken": "t",
        "invokingEvent": {"messageType": "ScheduledNotification", "configurationItem": item},
    }
    try:
        parse_event(event)
    except EventError:
        pass


# --- the fast path of resource_from_item is the general path, only faster ----

_field_values = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=8),
    st.integers(min_value=-5, max_value=10**13),
    st.booleans(),
    st.floats(allow_nan=True),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.lists(st.text(max_size=3), max_size=2), max_size=2),
    st.sampled_from(['{"a": 1}', '{"k": ["v"]}', '{"k": "v"}', "null", "[1]", "{", '{"x": NaN}']),
)
_event_keys = st.sampled_from(
    [
        "resourceId", "resourceType", "regionId", "accountId", "resourceName",
        "availabilityZone", "configuration", "tags", "captureTime",
        "resourceCreationTime", "resourceCreateTime", "resourceStatus", "resourceDeleted",
        "ResourceId", "Region",
        "Tags", "relationships",
    ]
)  # fmt: skip


@given(
    base=st.fixed_dictionaries(
        {"resourceId": st.just("i-1"), "resourceType": st.just("ACS::ECS::Instance")}
    ),
    extra=st.dictionaries(_event_keys, _field_values, max_size=8),
)
def test_fast_path_equals_the_checked_path_arbitrary(
    base: dict[str, Any], extra: dict[str, Any]
) -> None:
    from configrules._events import _checked_resource, _fast_resource

    item = {**base, **extra}
    snapshot = json.dumps(item, sort_keys=True, default=repr)
    fast = _fast_resource(item)
    try:
        checked = _checked_resource(item, "configurationItem", None)
    except EventError:
        assert fast is None  # the fast path never accepts what the checked path rejects
        return
    if fast is not None:
        assert fast == checked and fast.raw is item
        assert type(fast.account_id) is type(checked.account_id)
        given_tags = item.get("tags")
        if isinstance(given_tags, dict):  # a resource never shares the caller's tag lists
            for key, values in fast.tags.items():
                assert values is not given_tags[key]
    assert json.dumps(item, sort_keys=True, default=repr) == snapshot  # input untouched


def test_fast_path_takes_the_sample_events_shape() -> None:
    from configrules._events import _fast_resource

    for name in SAMPLE_EVENTS:
        item = load_event(name)["invokingEvent"]
        if isinstance(item, str):
            item = json.loads(item)
        configuration_item = item.get("configurationItem")
        if configuration_item:
            fast = _fast_resource(configuration_item)
            assert fast == resource_from_item(configuration_item)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)
_padding = st.sampled_from(["", " ", "\n", "\t ", "x", "}", " 1"])


@given(
    text=st.one_of(
        st.text(max_size=20),
        st.builds(
            lambda before, value, after: before + json.dumps(value) + after,
            _padding,
            _json_values,
            _padding,
        ),
    )
)
def test_compact_decoding_of_arbitrary_text_equals_the_decoder(text: str) -> None:
    from configrules._events import _DECODER, _decode_compact

    try:
        expected = _DECODER.decode(text)
    except ValueError:
        with pytest.raises(ValueError):
            _decode_compact(text)
        return
    assert _decode_compact(text) == expected


def test_huge_events_parse_or_fail_with_event_error(ecs_event: dict[str, Any]) -> None:
    """A configuration of 200,000 properties (over 8 MiB): parsed whole, or refused clearly."""
    configuration = {f"Property{i}": "v" * 32 for i in range(200_000)}
    ecs_event["invokingEvent"]["configurationItem"]["configuration"] = json.dumps(configuration)
    data = json.dumps(ecs_event).encode()
    assert len(data) > 8 * 1024 * 1024
    event = parse_event(data)
    assert event.resource is not None and event.resource.configuration == configuration
    with pytest.raises(EventError, match="is not valid JSON"):
        parse_event(data[:-1])  # cut off in transit
    with pytest.raises(EventError, match="not valid UTF-8"):
        parse_event(data[: len(data) // 2] + b"\xff" + data[len(data) // 2 :])
    huge_string = b'{"resultToken": "' + b"t" * (16 * 1024 * 1024) + b'"}'
    with pytest.raises(EventError, match="invokingEvent"):
        parse_event(huge_string)  # a 16 MiB token, and no invokingEvent
