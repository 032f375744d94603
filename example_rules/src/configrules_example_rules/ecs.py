"""ECS rules: public exposure, network type and disk encryption."""

from __future__ import annotations

from typing import Any

from configrules import Compliance, Resource, rule

from ._config import dig, dig_list


@rule(resource_types=["ACS::ECS::Instance"])
def ecs_instance_no_public_ip(resource: Resource) -> Any:
    """ECS instances have no public IP address and no EIP.

    Instances reachable from the internet widen the attack surface; expose
    services through an SLB or NAT gateway instead.
    """
    config = resource.configuration
    public = [ip for ip in dig_list(config, "PublicIpAddress.IpAddress") if ip]
    eip = dig(config, "EipAddress.IpAddress") or ""
    if public or eip:
        addresses = ", ".join(public + ([eip] if eip else []))
        return (
            Compliance.NON_COMPLIANT,
            f"Instance has public address(es) {addresses}; release the public IP or "
            "unbind the EIP and publish through an SLB or NAT gateway.",
        )
    return Compliance.COMPLIANT, "Instance has no public IP address."


@rule(resource_types=["ACS::ECS::Instance"])
def ecs_instance_in_vpc(resource: Resource) -> Any:
    """ECS instances run in a VPC, not in the classic network.

    The classic network is shared between tenants and is being retired.
    """
    config = resource.configuration
    network = str(config.get("InstanceNetworkType", "")).lower()
    vpc_id = dig(config, "VpcAttributes.VpcId") or ""
    if network == "vpc" and vpc_id:
        return Compliance.COMPLIANT, f"Instance is in VPC {vpc_id}."
    return (
        Compliance.NON_COMPLIANT,
        f"Instance network type is {network or 'unknown'!r}; migrate it to a VPC.",
    )


@rule(
    resource_types=["ACS::ECS::Disk"],
    parameters={"requireKmsKey": (bool, False)},
)
def ecs_disk_encrypted(resource: Resource, parameters: dict[str, Any]) -> Any:
    """ECS disks are encrypted; with ``requireKmsKey``, with a customer KMS key.

    Unencrypted disks and their snapshots expose data to anyone who obtains a copy.
    """
    config = resource.configuration
    if not config.get("Encrypted"):
        return (
            Compliance.NON_COMPLIANT,
            "Disk is not encrypted; create an encrypted copy from a snapshot and replace it.",
        )
    if parameters["requireKmsKey"] and not config.get("KMSKeyId"):
        return (
            Compliance.NON_COMPLIANT,
            "Disk is encrypted with the default service key; requireKmsKey asks for a "
            "customer-managed KMS key.",
        )
    return Compliance.COMPLIANT, "Disk is encrypted."
