"""Tagging rules: required tag keys, across many resource types."""

from __future__ import annotations

from typing import Any

from configrules import Compliance, Resource, rule

TAGGABLE = [
    "ACS::ECS::Instance",
    "ACS::ECS::Disk",
    "ACS::ECS::SecurityGroup",
    "ACS::OSS::Bucket",
    "ACS::RDS::DBInstance",
    "ACS::SLB::LoadBalancer",
    "ACS::VPC::VPC",
]


@rule(resource_types=TAGGABLE, parameters={"requiredTagKeys": list[str]})
def required_tags(resource: Resource, parameters: dict[str, Any]) -> Any:
    """Resources carry every tag key in ``requiredTagKeys`` (e.g. ``owner,costCenter``).

    Tags are what cost reports and incident response rely on to find an owner.
    """
    missing = [key for key in parameters["requiredTagKeys"] if not resource.has_tag(key)]
    if missing:
        return Compliance.NON_COMPLIANT, f"Missing required tag(s): {', '.join(missing)}."
    return Compliance.COMPLIANT, "All required tags are present."
