"""Synthetic configuration items, and the hand-written check as a configrules rule.

Items look like the ``configurationItem`` of a Cloud Config event: the
configuration is a JSON *string*, tags a JSON string, times in epoch ms.
Four in five are ECS instances (half of them with a public IP); the rest are
disks, which the ECS rule must report NOT_APPLICABLE.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from _handwritten import no_public_ip

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


_COMPLIANCE = {c.value: c for c in Compliance}


@rule(resource_types=["ACS::ECS::Instance"])
def ecs_no_public_ip(resource: Resource) -> tuple[Compliance, str]:
    """The hand-written check as a configrules rule."""
    compliance, annotation = no_public_ip(resource.configuration)
    return _COMPLIANCE[compliance], annotation
