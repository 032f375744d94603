"""Example Cloud Config rules built with configrules.

Every rule is importable from here and registered with configrules through
the ``configrules`` entry point (see :mod:`configrules_example_rules.plugin`).
"""

from __future__ import annotations

from .ecs import ecs_disk_encrypted, ecs_instance_in_vpc, ecs_instance_no_public_ip
from .network import security_group_no_open_ingress, slb_listeners_use_https
from .oss import oss_bucket_encrypted, oss_bucket_not_public
from .ram import ram_user_mfa_enabled, ram_user_no_dangerous_actions
from .rds import rds_whitelist_not_open
from .tagging import required_tags

ALL_RULES = (
    ecs_instance_no_public_ip,
    ecs_instance_in_vpc,
    ecs_disk_encrypted,
    oss_bucket_not_public,
    oss_bucket_encrypted,
    ram_user_mfa_enabled,
    ram_user_no_dangerous_actions,
    security_group_no_open_ingress,
    slb_listeners_use_https,
    rds_whitelist_not_open,
    required_tags,
)

__all__ = [
    "ALL_RULES",
    "ecs_disk_encrypted",
    "ecs_instance_in_vpc",
    "ecs_instance_no_public_ip",
    "oss_bucket_encrypted",
    "oss_bucket_not_public",
    "ram_user_mfa_enabled",
    "ram_user_no_dangerous_actions",
    "rds_whitelist_not_open",
    "required_tags",
    "security_group_no_open_ingress",
    "slb_listeners_use_https",
]
