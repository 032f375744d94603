"""Synthetic configuration items, and the samples-style hand-written baseline.

Items look like the ``configurationItem`` of a Cloud Config event: the
configuration is a JSON *string*, tags a JSON string, times in epoch ms.
Four in five are ECS instances (half of them with a public IP); the rest are
disks and buckets, which the ECS rule must report NOT_APPLICABLE.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from configrules import Compliance, Resource, rule

TYPES = ("ACS::ECS::Instance",) * 4 + ("ACS::ECS::Disk",)


def item(index: int) -> dict[str, Any]:
    resource_type = TYPES[index % len(TYPES)]
    if resource_type == "ACS::ECS::Instance":
        public = [f"47.98.{index % 250}.{index % 199}"] if index % 2 else []
        configuration: dict[str, Any] = {
            "InstanceId": f"i-{index:012d}",
            "Status": "Running",
            "InstanceNetworkType": "vpc",
            "PublicIpAddress": {"IpAddress": public},
            "EipAddress": {"IpAddress": ""},
            "VpcAttributes": {"VpcId": "vpc-1", "PrivateIpAddress": {"IpAddress": ["10.0.0.1"]}},
        }
    else:
        configuration = {"DiskId": f"d-{index:012d}", "Encrypted": bool(index % 3)}
    return {
        "accountId": 1698272328540000,
        "regionId": "cn-hangzhou",
        "availabilityZone": "cn-hangzhou-h",
        "resourceId": configuration.get("InstanceId") or configuration["DiskId"],
        "resourceType": resource_type,
        "resourceName": f"resource-{index}",
        "resourceStatus": "Running",
        "captureTime": 1709190540000 + index,
        "resourceCreationTime": 1709190480000,
        "configuration": json.dumps(configuration),
        "tags": json.dumps({"owner": ["team-a"]}),
    }


def items(count: int) -> Iterator[dict[str, Any]]:
    return (item(index) for index in range(count))


# --- The baseline: how the official samples write a rule, by hand ------------

SCOPE = ("ACS::ECS::Instance",)


def no_public_ip(configuration: Mapping[str, Any]) -> tuple[Compliance, str]:
    """The check of configrules_example_rules.ecs_instance_no_public_ip, same texts.

    Both sides of the dispatch benchmark call this very function, so what is
    compared is everything around the check: the framework's overhead.
    """
    public = [
        ip for ip in (configuration.get("PublicIpAddress") or {}).get("IpAddress") or [] if ip
    ]
    eip = (configuration.get("EipAddress") or {}).get("IpAddress") or ""
    if public or eip:
        addresses = ", ".join(public + ([eip] if eip else []))
        return (
            Compliance.NON_COMPLIANT,
            f"Instance has public address(es) {addresses}; release the public IP or "
            "unbind the EIP and publish through an SLB or NAT gateway.",
        )
    return Compliance.COMPLIANT, "Instance has no public IP address."


@rule(resource_types=["ACS::ECS::Instance"])
def ecs_no_public_ip(resource: Resource) -> tuple[Compliance, str]:
    """The same check as a configrules rule."""
    return no_public_ip(resource.configuration)


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
