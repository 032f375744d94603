"""Network rules: security group ingress and SLB listener protocols."""

from __future__ import annotations

from typing import Any

from configrules import Compliance, Resource, rule

from ._config import dig_list

OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})


def _covers(port_range: str, port: int) -> bool:
    # Alibaba writes port ranges as "22/22", "1/65535", or "-1/-1" for all.
    try:
        low, _, high = str(port_range).partition("/")
        low_port, high_port = int(low), int(high or low)
    except ValueError:
        return False
    if low_port == -1:
        return True
    return low_port <= port <= high_port


@rule(
    resource_types=["ACS::ECS::SecurityGroup"],
    parameters={"ports": (list[int], [22, 3389])},
)
def security_group_no_open_ingress(resource: Resource, parameters: dict[str, Any]) -> Any:
    """Security groups accept no ingress from 0.0.0.0/0 on the listed ``ports``.

    Reads ``Permissions.Permission[]`` (``Direction``, ``Policy``,
    ``SourceCidrIp``, ``PortRange``), as the official samples do.
    """
    exposed = []
    for permission in dig_list(resource.configuration, "Permissions.Permission"):
        if not isinstance(permission, dict):
            continue
        if str(permission.get("Direction", "ingress")).lower() != "ingress":
            continue
        if str(permission.get("Policy", "Accept")).lower() != "accept":
            continue
        if (
            permission.get("SourceCidrIp") not in OPEN_CIDRS
            and permission.get("Ipv6SourceCidrIp") not in OPEN_CIDRS
        ):
            continue
        exposed += [p for p in parameters["ports"] if _covers(permission.get("PortRange", ""), p)]
    if exposed:
        ports = ", ".join(str(p) for p in sorted(set(exposed)))
        return (
            Compliance.NON_COMPLIANT,
            f"Ingress from 0.0.0.0/0 is accepted on port(s) {ports}; restrict the source CIDR.",
        )
    return Compliance.COMPLIANT, "No listed port is open to 0.0.0.0/0."


@rule(resource_types=["ACS::SLB::LoadBalancer"])
def slb_listeners_use_https(resource: Resource) -> Any:
    """SLB HTTP(S) listeners use HTTPS; plain HTTP only when it redirects to HTTPS.

    Reads ``ListenerPortsAndProtocol.ListenerPortAndProtocol[]``. TCP/UDP
    listeners are out of this rule's concern.
    """
    insecure = []
    for listener in dig_list(
        resource.configuration, "ListenerPortsAndProtocol.ListenerPortAndProtocol"
    ):
        if not isinstance(listener, dict):
            continue
        protocol = str(listener.get("ListenerProtocol", "")).lower()
        if protocol == "http" and str(listener.get("ListenerForward", "off")).lower() != "on":
            insecure.append(str(listener.get("ListenerPort", "?")))
    if insecure:
        return (
            Compliance.NON_COMPLIANT,
            f"HTTP listener(s) on port(s) {', '.join(insecure)} do not redirect to HTTPS; "
            "turn on forwarding to an HTTPS listener.",
        )
    return Compliance.COMPLIANT, "Every HTTP listener redirects to HTTPS."
