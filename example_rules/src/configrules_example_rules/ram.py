"""RAM rules: MFA for console users, and no dangerous permissions."""

from __future__ import annotations

import json
from typing import Any

from configrules import Compliance, Resource, rule

from ._config import dig, dig_list


@rule(resource_types=["ACS::RAM::User"])
def ram_user_mfa_enabled(resource: Resource) -> Any:
    """RAM users who can log in to the console must bind an MFA device.

    Users without a login profile (API-only users) are not applicable.
    """
    profile = resource.configuration.get("LoginProfile")
    if not profile:
        return Compliance.NOT_APPLICABLE, "User has no console login profile."
    if dig(resource.configuration, "LoginProfile.MFABindRequired") is True:
        return Compliance.COMPLIANT, "Console login requires MFA."
    return (
        Compliance.NON_COMPLIANT,
        "User can log in to the console without MFA; require MFA binding in the login profile.",
    )


def _actions(document: Any) -> set[str]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return set()
    actions: set[str] = set()
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
            continue
        action = statement.get("Action", [])
        actions.update([action] if isinstance(action, str) else action)
    return actions


@rule(
    resource_types=["ACS::RAM::User"],
    parameters={"dangerousActions": list[str]},
)
def ram_user_no_dangerous_actions(resource: Resource, parameters: dict[str, Any]) -> Any:
    """RAM users' attached policies allow none of the ``dangerousActions``.

    This is the rule of Alibaba's custom-rule FAQ (parameter
    ``dangerousActions``, e.g. ``ecs:*,oss:*,log:*``). Policies are read from
    ``Policies.Policy[].PolicyDocument`` of the user's configuration.
    """
    dangerous = set(parameters["dangerousActions"])
    found: set[str] = set()
    for policy in dig_list(resource.configuration, "Policies.Policy"):
        if isinstance(policy, dict):
            found |= _actions(policy.get("PolicyDocument")) & dangerous
    if found:
        return (
            Compliance.NON_COMPLIANT,
            f"User is allowed {', '.join(sorted(found))}; detach the policies granting them.",
        )
    return Compliance.COMPLIANT, "No attached policy allows a dangerous action."
