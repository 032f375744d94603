"""Hook specifications of configrules plugins, and the markers to implement them.

A plugin is a module (usually exposed through the ``configrules`` entry point
group) with functions decorated by :data:`hookimpl`::

    from configrules.hookspecs import hookimpl

    @hookimpl
    def configrules_register_rules(registry):
        registry.register(my_rule)

Every hook is optional. Misspelt hook names are an error when plugins load.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from ._models import Evaluation, Resource
    from ._registry import RuleRegistry
    from ._rules import Rule

__all__ = ["PROJECT", "SUPPRESS", "hookimpl", "hookspec"]

PROJECT = "configrules"
#: Marks a hook specification (used by configrules itself).
hookspec = pluggy.HookspecMarker(PROJECT)
#: Marks a plugin's hook implementation.
hookimpl = pluggy.HookimplMarker(PROJECT)
#: Returned by ``configrules_adjust_evaluation`` to suppress an evaluation.
SUPPRESS = "configrules:suppress"


@hookspec
def configrules_register_rules(registry: RuleRegistry) -> None:
    """Add the plugin's rules to ``registry`` with ``registry.register(rule)``.

    Args:
        registry: the registry being built; its ``register`` records which
            plugin each rule came from.
    """


@hookspec
def configrules_resource_types() -> Sequence[str]:
    """Return extra ACS resource types this plugin knows about.

    Rules declared with ``allow_unknown_types=True`` are checked against the
    shipped list plus every type returned here when they are registered.
    """
    return ()


@hookspec
def configrules_adjust_evaluation(
    evaluation: Evaluation, resource: Resource, rule: Rule
) -> Evaluation | str | None:
    """Change or suppress an evaluation before it is submitted.

    Return a replacement :class:`~configrules.Evaluation`, ``None`` to leave it
    as it is, or :data:`SUPPRESS` to drop it (it is then not submitted, and
    Cloud Config keeps the previous result: use sparingly). Implementations
    run one after another, each seeing the previous one's result. The
    built-in exemptions plugin is implemented with this hook.
    """


@hookspec
def configrules_cli_commands() -> Sequence[click.Command]:
    """Return click commands to add to the ``configrules`` command line."""
    return ()
