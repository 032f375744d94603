"""Built-in exemptions: a resource tagged ``configrules:exempt`` is not judged.

The tag's value lists the rule names it exempts, comma-separated, or ``*`` for
every rule. An exempted resource is reported ``NOT_APPLICABLE`` with an
annotation saying so, so the exemption stays visible in Cloud Config.
"""

from __future__ import annotations

import attrs

from ._models import Compliance, Evaluation, Resource
from ._rules import Rule

__all__ = ["EXEMPT_TAG", "exempt_by_tag", "exempted_rules"]

EXEMPT_TAG = "configrules:exempt"


def exempted_rules(resource: Resource) -> set[str]:
    """The rule names the resource's ``configrules:exempt`` tag lists."""
    names: set[str] = set()
    for value in resource.tags.get(EXEMPT_TAG, ()):
        names.update(part.strip() for part in value.split(",") if part.strip())
    return names


def exempt_by_tag(evaluation: Evaluation, resource: Resource, rule: Rule) -> Evaluation:
    """Turn the verdict on an exempted resource into ``NOT_APPLICABLE``."""
    if evaluation.resource_id != resource.id or EXEMPT_TAG not in resource.tags:
        return evaluation
    names = exempted_rules(resource)
    if "*" not in names and rule.name not in names:
        return evaluation
    return attrs.evolve(
        evaluation,
        compliance=Compliance.NOT_APPLICABLE,
        annotation=f"Exempted by tag {EXEMPT_TAG}={','.join(sorted(names))}.",
    )
