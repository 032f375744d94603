"""Small readers for Alibaba's nested configuration shapes.

Alibaba APIs wrap lists twice (``{"PublicIpAddress": {"IpAddress": [...]}}``);
these helpers read such paths without a KeyError on missing levels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def dig(configuration: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """The value at a dotted ``path`` or ``default`` when a level is missing."""
    value: Any = configuration
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return default
        value = value[part]
    return value


def dig_list(configuration: Mapping[str, Any], path: str) -> list[Any]:
    """The list at ``path`` (a missing or empty value gives ``[]``)."""
    value = dig(configuration, path)
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
