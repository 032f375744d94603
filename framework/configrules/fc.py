"""Function Compute entry points: :func:`make_handler` and the ready :func:`handler`.

``index.py`` of a function serving one rule::

    from configrules import make_handler
    from my_rules import ecs_no_public_ip

    handler = make_handler(ecs_no_public_ip)

Or point the function's handler at ``configrules.fc.handler`` and set
``CONFIGRULES_RULE`` to an import path (``my_rules.ecs:ecs_no_public_ip``) or
to the name of a rule registered by an installed plugin. One function can
serve many Cloud Config rules: give each rule the parameter ``configrulesRule``
naming the rule; it wins over ``CONFIGRULES_RULE`` and is not passed to the rule.

This module imports only what an invocation needs: no plugin scan when the
rule is an import path, no CLI, no emulator.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ._events import parse_event
from ._rules import Rule
from .errors import RuleNotFoundError

if TYPE_CHECKING:
    import requests

    from ._credentials import Credentials, CredentialsProvider
    from ._engine import Adjuster

__all__ = ["ENV_RULE", "RESERVED_PARAMETER", "handler", "make_handler", "resolve_rule"]

ENV_RULE = "CONFIGRULES_RULE"
#: The rule parameter that names the rule when one function serves several.
RESERVED_PARAMETER = "configrulesRule"

Handler = Callable[[Any, Any], dict[str, Any]]


def resolve_rule(name: str) -> Rule:
    """A rule from an import path (``pkg.module:function``) or a plugin-registered name.

    Raises:
        RuleNotFoundError: naming what was looked for and where.
    """
    name = name.strip()
    if not name:
        raise RuleNotFoundError("no rule named: the rule name is empty")
    if ":" in name:
        module_name, _, attribute = name.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise RuleNotFoundError(
                f"rule {name!r}: cannot import module {module_name!r} ({exc})"
            ) from exc
        target: Any = module
        for part in attribute.split("."):
            target = getattr(target, part, None)
            if target is None:
                raise RuleNotFoundError(
                    f"rule {name!r}: module {module_name!r} has no {attribute!r}"
                )
        if not isinstance(target, Rule):
            raise RuleNotFoundError(
                f"rule {name!r}: {attribute!r} is a {type(target).__name__}, not a function "
                "decorated with @configrules.rule"
            )
        return target
    from ._plugins import load_registry  # only now: plugin discovery costs start-up time

    return load_registry().get(name)


def _rule_for(event_rule: str | None, default: Rule | None, cache: dict[str, Rule]) -> Rule:
    name = event_rule or (None if default is not None else os.environ.get(ENV_RULE, "").strip())
    if not name:
        if default is not None:
            return default
        raise RuleNotFoundError(
            f"no rule to run: set the {ENV_RULE} environment variable of the function to "
            f"'package.module:function' or a registered rule name, or give the Cloud Config "
            f"rule the parameter {RESERVED_PARAMETER!r}"
        )
    if default is not None and name == default.name:
        return default
    if name not in cache:
        cache[name] = resolve_rule(name)
    return cache[name]


def make_handler(
    rule: Rule | None = None,
    *,
    credentials: Credentials | CredentialsProvider | None = None,
    endpoint: str | None = None,
    signature_version: str | None = None,
    adjusters: Sequence[Adjuster] | None = None,
    client_options: Mapping[str, Any] | None = None,
) -> Handler:
    """Build a Function Compute ``handler(event, context)`` for ``rule``.

    Args:
        rule: the rule to run; ``None`` to resolve it per invocation from the
            ``configrulesRule`` parameter or ``CONFIGRULES_RULE``.
        credentials: fixed credentials or a provider; by default
            ``context.credentials`` (FC 2.0), else the environment (FC 3.0),
            else the default chain.
        endpoint: default ``CONFIGRULES_ENDPOINT``, else the China site.
        signature_version: ``"v3"`` (default, ``CONFIGRULES_SIGNATURE``) or ``"v2"``.
        adjusters: callables applied to every evaluation before submission;
            by default the built-in tag exemptions (``configrules:exempt``).
        client_options: more :class:`~configrules.ConfigClient` keyword arguments.

    Returns:
        A handler returning a JSON-able summary of the invocation.
    """
    if rule is not None and not isinstance(rule, Rule):
        raise TypeError(f"make_handler needs a function decorated with @rule, got {rule!r}")
    cache: dict[str, Rule] = {}
    session_holder: list[requests.Session] = []
    lock = threading.Lock()
    if adjusters is None:
        from ._exemptions import exempt_by_tag

        adjusters = (exempt_by_tag,)
    chosen_adjusters = tuple(adjusters)

    def session() -> requests.Session:
        # One pooled session per warm container: keep-alive across invocations.
        with lock:
            if not session_holder:
                import requests

                session_holder.append(requests.Session())
            return session_holder[0]

    def handle(event: Any, context: Any) -> dict[str, Any]:
        from ._client import ConfigClient
        from ._credentials import default_chain
        from ._runtime import run_invocation

        parsed = parse_event(event)
        parameters = dict(parsed.rule_parameters)
        requested = parameters.pop(RESERVED_PARAMETER, None)
        chosen = _rule_for(str(requested) if requested else None, rule, cache)
        if requested is not None:
            parsed = attrs.evolve(parsed, rule_parameters=parameters)
        provider = credentials if credentials is not None else default_chain(context)
        options = dict(client_options or {})
        options.setdefault("session", session())
        client = ConfigClient(
            provider, endpoint=endpoint, signature_version=signature_version, **options
        )
        return run_invocation(chosen, parsed, client, adjusters=chosen_adjusters).to_dict()

    handle.__doc__ = (
        f"Function Compute handler for rule {rule.name if rule else '(from environment)'}."
    )
    return handle


_default_handler: Handler | None = None
_default_lock = threading.Lock()


def handler(event: Any, context: Any) -> dict[str, Any]:
    """The ready handler: set the FC handler to ``configrules.fc.handler``.

    The rule comes from the ``configrulesRule`` rule parameter, else from
    ``CONFIGRULES_RULE``.
    """
    global _default_handler
    with _default_lock:
        if _default_handler is None:
            _default_handler = make_handler()
    return _default_handler(event, context)
