"""The catalogue of known ACS resource types, used to catch typos early.

The list ships with the package (``data/acs-resource-types.txt``, the union of
Alibaba's published sources) and is read once, lazily: importing configrules
costs nothing until a rule is declared.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = ["RESOURCE_TYPE_PATTERN", "closest_type", "known_resource_types"]

#: ``ACS::<Service>::<Type>``: the only shape Cloud Config uses.
RESOURCE_TYPE_PATTERN = re.compile(r"^ACS::[A-Za-z0-9]+::[A-Za-z0-9]+$")


@functools.lru_cache(maxsize=1)
def known_resource_types() -> frozenset[str]:
    """Every resource type in the shipped list."""
    shipped = Path(__file__).with_name("data") / "acs-resource-types.txt"
    if shipped.is_file():
        # A plain read: importlib.resources would add ~7 ms to every cold start.
        text = shipped.read_text(encoding="utf-8")
    else:  # pragma: no cover - imported from a zip archive
        from importlib import resources

        text = resources.files("configrules").joinpath(f"data/{shipped.name}").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def closest_type(name: str, candidates: Iterable[str] | None = None) -> str | None:
    """The known type most like ``name`` (case-insensitive), or ``None``."""
    import difflib  # only on the error path

    pool = sorted(candidates if candidates is not None else known_resource_types())
    by_lower = {t.lower(): t for t in pool}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    match = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[match[0]] if match else None
