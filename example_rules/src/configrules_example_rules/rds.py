"""RDS rules: the IP whitelist."""

from __future__ import annotations

from typing import Any

from configrules import Compliance, Resource, rule

from ._config import dig_list

OPEN = frozenset({"0.0.0.0/0", "0.0.0.0"})


def _whitelist(configuration: Any) -> list[str]:
    # Either one comma-separated SecurityIPList, or the DescribeDBInstanceIPArrayList
    # shape: DBInstanceIPArray.DBInstanceIPArray[].SecurityIPList.
    lists = [str(configuration.get("SecurityIPList", ""))]
    lists += [
        str(group.get("SecurityIPList", ""))
        for group in dig_list(configuration, "DBInstanceIPArray.DBInstanceIPArray")
        if isinstance(group, dict)
    ]
    return [ip.strip() for text in lists for ip in text.split(",") if ip.strip()]


@rule(resource_types=["ACS::RDS::DBInstance"])
def rds_whitelist_not_open(resource: Resource) -> Any:
    """RDS instances' IP whitelists do not contain 0.0.0.0/0 (open to everyone)."""
    if any(ip in OPEN for ip in _whitelist(resource.configuration)):
        return (
            Compliance.NON_COMPLIANT,
            "The IP whitelist contains 0.0.0.0/0; list only the application's addresses.",
        )
    return Compliance.COMPLIANT, "The IP whitelist is not open to everyone."
