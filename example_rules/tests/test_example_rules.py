"""Each example rule: compliant, non-compliant, out of scope, bad parameters.

Written only with configrules' public testing helpers and pytest fixtures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from configrules_example_rules import (
    ALL_RULES,
    ecs_disk_encrypted,
    ecs_instance_in_vpc,
    ecs_instance_no_public_ip,
    oss_bucket_encrypted,
    oss_bucket_not_public,
    ram_user_mfa_enabled,
    ram_user_no_dangerous_actions,
    rds_whitelist_not_open,
    required_tags,
    security_group_no_open_ingress,
    slb_listeners_use_https,
)

from configrules import Compliance, ParameterError
from configrules.testing import assert_compliance

EVENTS = Path(__file__).parent.parent / "events"


def event(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


@pytest.mark.parametrize(
    ("rule", "event_name", "parameters", "expected", "annotation"),
    [
        (
            ecs_instance_no_public_ip,
            "ecs-instance-public-ip.json",
            None,
            "NON_COMPLIANT",
            "47.98.XX.XX",
        ),
        (ecs_instance_no_public_ip, "ecs-instance-private.json", None, "COMPLIANT", "no public IP"),
        (
            ecs_instance_in_vpc,
            "ecs-instance-public-ip.json",
            None,
            "COMPLIANT",
            "vpc-bp1wjaw8t272wwmkg",
        ),
        (ecs_disk_encrypted, "ecs-disk-unencrypted.json", None, "NON_COMPLIANT", "not encrypted"),
        (
            oss_bucket_not_public,
            "oss-bucket-private-unencrypted.json",
            None,
            "COMPLIANT",
            "private",
        ),
        (
            oss_bucket_not_public,
            "oss-bucket-public-read.json",
            None,
            "NON_COMPLIANT",
            "public-read",
        ),
        (
            oss_bucket_encrypted,
            "oss-bucket-private-unencrypted.json",
            None,
            "NON_COMPLIANT",
            "is None",
        ),
        (oss_bucket_encrypted, "oss-bucket-public-read.json", None, "COMPLIANT", "KMS"),
        (
            oss_bucket_encrypted,
            "oss-bucket-public-read.json",
            {"algorithms": "AES256"},
            "NON_COMPLIANT",
            "AES256",
        ),
        (ram_user_mfa_enabled, "ram-user-faq-scheduled.json", None, "NON_COMPLIANT", "without MFA"),
        (ram_user_mfa_enabled, "ram-user-dangerous-policy.json", None, "COMPLIANT", "requires MFA"),
        (
            ram_user_no_dangerous_actions,
            "ram-user-faq-scheduled.json",
            None,
            "COMPLIANT",
            "No attached",
        ),
        (
            ram_user_no_dangerous_actions,
            "ram-user-dangerous-policy.json",
            {"dangerousActions": "ecs:*,oss:*,log:*"},
            "NON_COMPLIANT",
            "ecs:*",
        ),
        (
            security_group_no_open_ingress,
            "security-group-open-ssh.json",
            None,
            "NON_COMPLIANT",
            "port(s) 22",
        ),
        (security_group_no_open_ingress, "security-group-https-only.json", None, "COMPLIANT", ""),
        (
            security_group_no_open_ingress,
            "security-group-https-only.json",
            {"ports": "443"},
            "NON_COMPLIANT",
            "443",
        ),
        (slb_listeners_use_https, "slb-http-listener.json", None, "NON_COMPLIANT", "port(s) 80"),
        (rds_whitelist_not_open, "rds-open-whitelist.json", None, "NON_COMPLIANT", "0.0.0.0/0"),
        (
            required_tags,
            "ecs-instance-private.json",
            {"requiredTagKeys": "owner,costCenter"},
            "COMPLIANT",
            "",
        ),
        (
            required_tags,
            "ecs-instance-public-ip.json",
            {"requiredTagKeys": "owner"},
            "NON_COMPLIANT",
            "owner",
        ),
    ],
)
def test_rules_on_shipped_events(
    run_rule: Any, rule: Any, event_name: str, parameters: Any, expected: str, annotation: str
) -> None:
    if parameters is None and rule is ram_user_no_dangerous_actions:
        parameters = None  # the FAQ event carries dangerousActions itself
    evaluations = run_rule(rule, event(event_name), parameters=parameters)
    assert_compliance(evaluations, expected, annotation_contains=annotation)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.name)
def test_out_of_scope_resources_are_not_applicable(
    run_rule: Any, make_resource: Any, rule: Any
) -> None:
    other = make_resource("ACS::CEN::Flowlog", {"FlowLogId": "fl-1"})
    parameters = {p["name"]: "x" for p in rule.parameters.describe() if p["required"]}
    evaluations = run_rule(rule, other, parameters=parameters)
    assert_compliance(
        evaluations,
        Compliance.NOT_APPLICABLE,
        annotation_contains="Resource type is ACS::CEN::Flowlog, not in ",
    )


@pytest.mark.parametrize(
    ("rule", "parameters", "name"),
    [
        (ram_user_no_dangerous_actions, {}, "dangerousActions"),
        (required_tags, {}, "requiredTagKeys"),
        (security_group_no_open_ingress, {"ports": "ssh"}, "ports"),
        (ecs_disk_encrypted, {"requireKmsKey": "perhaps"}, "requireKmsKey"),
    ],
)
def test_bad_parameters_are_reported_by_name(
    run_rule: Any, config_emulator: Any, make_resource: Any, rule: Any, parameters: Any, name: str
) -> None:
    resource = make_resource(rule.resource_types[0], {"Anything": 1})
    with pytest.raises(ParameterError, match=name):
        run_rule(rule, resource, parameters=parameters)
    assert config_emulator.evaluations() == []


def test_disk_kms_requirement(run_rule: Any, make_resource: Any) -> None:
    disk = make_resource("ACS::ECS::Disk", {"Encrypted": True, "KMSKeyId": ""})
    assert_compliance(run_rule(ecs_disk_encrypted, disk), "COMPLIANT")
    assert_compliance(
        run_rule(ecs_disk_encrypted, disk, parameters={"requireKmsKey": True}),
        "NON_COMPLIANT",
        annotation_contains="customer-managed",
    )


def test_plain_function_call(make_resource: Any) -> None:
    """Rules stay plain functions: call them directly for the fastest checks."""
    bucket = make_resource("ACS::OSS::Bucket", {"AccessControlList": {"Grant": "private"}})
    compliance, _annotation = oss_bucket_not_public(bucket)
    assert compliance is Compliance.COMPLIANT


def test_periodic_run_over_an_inventory(run_rule: Any, make_resource: Any) -> None:
    inventory = [
        make_resource("ACS::OSS::Bucket", {"AccessControlList": {"Grant": grant}}, id=f"b-{i}")
        for i, grant in enumerate(["private", "public-read", "private"])
    ]
    result = run_rule(oss_bucket_not_public, None, inventory=inventory)
    assert_compliance(result, "NON_COMPLIANT", resource_id="b-1")
    assert_compliance(result, "COMPLIANT", resource_id="b-0")
    assert result.summary["deleteMode"] is True
    assert json.loads(result.payloads[-1]["Evaluations"])


@pytest.mark.configrules_plugins
def test_the_plugin_registers_every_rule(rule_registry: Any) -> None:
    assert {r.name for r in ALL_RULES} <= {r.name for r in rule_registry}
    assert rule_registry.source_of("required_tags") == "example"
