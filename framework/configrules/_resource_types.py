"""The catalogue of known ACS resource types, used to catch typos early.

The list ships with the package (``data/acs-resource-types.txt``, the union of
Alibaba's published sources) and is read once, lazily: importing configrules
costs nothing until a rule is declared.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from importlib import resources

__all__ = ["RESOURCE_TYPE_PATTERN", "closest_type", "known_resource_types"]

#: ``ACS::<Service>::<Type>``: the only shape Cloud Config uses.
RESOURCE_TYPE_PATTERN = re.compile(r"^ACS::[A-Za-z0-9]+::[A-Za-z0-9]+$")


@functools.lru_cache(maxsize=1)
def known_resource_types() -> frozenset[str]:
    """Every resource type in the shipped list."""
    text = (
        resources.files("configrules")
        .joinpath("data/acs-resource-types.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def closest_type(name: str, candidates: Iterable[str] | None = None) -> str | None:
    """The known type most like ``name`` (case-insensitive), or ``None``."""
    pool = sorted(candidates if candidates is not None else known_resource_types())
    by_lower = {t.lower(): t for t in pool}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    match = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[match[0]] if match else None
