"""The baseline: how the official samples write a rule, by hand.

Plain dicts and strings, no configrules import: this is what a team without
the framework runs. The check's texts are those of
configrules_example_rules.ecs_instance_no_public_ip.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SCOPE = ("ACS::ECS::Instance",)


def no_public_ip(configuration: Mapping[str, Any]) -> tuple[str, str]:
    """The check; the configrules side of each benchmark calls this very function."""
    public = [
        ip for ip in (configuration.get("PublicIpAddress") or {}).get("IpAddress") or [] if ip
    ]
    eip = (configuration.get("EipAddress") or {}).get("IpAddress") or ""
    if public or eip:
        addresses = ", ".join(public + ([eip] if eip else []))
        return (
            "NON_COMPLIANT",
            f"Instance has public address(es) {addresses}; release the public IP or "
            "unbind the EIP and publish through an SLB or NAT gateway.",
        )
    return "COMPLIANT", "Instance has no public IP address."


def hand_evaluate(configuration_item: dict[str, Any]) -> dict[str, Any]:
    """One item to one PutEvaluations dict: scope, empty config, check, dict."""
    resource_type = configuration_item["resourceType"]
    configuration = configuration_item.get("configuration")
    if isinstance(configuration, str):
        configuration = json.loads(configuration) if configuration else {}
    if resource_type not in SCOPE:
        compliance = "NOT_APPLICABLE"
        annotation = f"Resource type is {resource_type}, not in {','.join(SCOPE)}."
    elif not configuration:
        compliance, annotation = "NOT_APPLICABLE", "Configuration is empty."
    else:
        compliance, annotation = no_public_ip(configuration)
    return {
        "complianceResourceId": configuration_item["resourceId"],
        "complianceResourceType": resource_type,
        "complianceRegionId": configuration_item["regionId"],
        "complianceType": compliance,
        "annotation": annotation,
        "orderingTimestamp": configuration_item["captureTime"],
        "accountId": configuration_item["accountId"],
    }
