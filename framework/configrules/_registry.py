"""``RuleRegistry``: the rules available to the CLI, the FC handler and tests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ._resource_types import closest_type, known_resource_types
from ._rules import Rule
from .errors import RuleDefinitionError, RuleNotFoundError

__all__ = ["RuleRegistry"]


class RuleRegistry:
    """Rules by name and by resource type, remembering where each came from.

    Registries are plain objects: nothing is global, so tests can build as
    many as they like.

    Args:
        extra_types: resource types known beyond the shipped list (from plugins).
    """

    def __init__(self, extra_types: Iterable[str] = ()) -> None:
        self._rules: dict[str, Rule] = {}
        self._sources: dict[str, str] = {}
        self.extra_types: set[str] = set(extra_types)
        #: The plugin currently registering; set by the plugin loader.
        self.current_source = "(direct)"

    def register(self, rule: Rule, *, source: str | None = None) -> Rule:
        """Add ``rule``.

        Raises:
            RuleDefinitionError: another rule has the same name (both sources
                are named), or a type it declared is unknown.
        """
        if not isinstance(rule, Rule):
            raise RuleDefinitionError(
                f"only functions decorated with @rule can be registered, got {rule!r}"
            )
        origin = source or self.current_source
        existing = self._rules.get(rule.name)
        if existing is not None:
            if existing is rule:
                return rule
            raise RuleDefinitionError(
                f"two rules are named {rule.name!r}: {existing.source} (from "
                f"{self._sources[rule.name]}) and {rule.source} (from {origin}); rename one"
            )
        if rule.allow_unknown_types:
            known = known_resource_types() | self.extra_types
            for rtype in rule.resource_types:
                if rtype not in known:
                    hint = closest_type(rtype, known)
                    raise RuleDefinitionError(
                        f"rule {rule.name!r} (from {origin}): resource type {rtype!r} is not "
                        "known to configrules or any installed plugin"
                        + (f"; did you mean {hint!r}?" if hint else "")
                    )
        self._rules[rule.name] = rule
        self._sources[rule.name] = origin
        return rule

    def get(self, name: str) -> Rule:
        """The rule called ``name``.

        Raises:
            RuleNotFoundError: listing the closest names available.
        """
        try:
            return self._rules[name]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(name, list(self._rules), n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            available = (
                f" ({len(self._rules)} registered)"
                if self._rules
                else (" (no rules are registered: is the plugin installed?)")
            )
            raise RuleNotFoundError(f"no rule named {name!r}{available}{hint}") from None

    def source_of(self, name: str) -> str:
        """Which plugin registered the rule ``name``."""
        return self._sources[name]

    def for_type(self, resource_type: str) -> list[Rule]:
        """The rules whose scope includes ``resource_type``."""
        return [r for r in self._rules.values() if resource_type in r.resource_types]

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._rules.values(), key=lambda r: r.name))

    def __len__(self) -> int:
        return len(self._rules)

    def __repr__(self) -> str:
        return f"<RuleRegistry {len(self)} rules>"
