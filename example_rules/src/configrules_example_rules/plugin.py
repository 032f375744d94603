"""The configrules plugin: registers every example rule."""

from __future__ import annotations

from configrules import RuleRegistry
from configrules.hookspecs import hookimpl


@hookimpl
def configrules_register_rules(registry: RuleRegistry) -> None:
    """Register the example rules."""
    from . import ALL_RULES

    for rule in ALL_RULES:
        registry.register(rule)
