"""The plugins that ship with configrules (registered by the plugin manager)."""

from __future__ import annotations

from ._exemptions import exempt_by_tag
from ._models import Evaluation, Resource
from ._rules import Rule
from .hookspecs import hookimpl

__all__ = ["configrules_adjust_evaluation"]


@hookimpl
def configrules_adjust_evaluation(
    evaluation: Evaluation, resource: Resource, rule: Rule
) -> Evaluation | None:
    """Exemptions: resources tagged ``configrules:exempt`` become NOT_APPLICABLE."""
    adjusted = exempt_by_tag(evaluation, resource, rule)
    return adjusted if adjusted is not evaluation else None
