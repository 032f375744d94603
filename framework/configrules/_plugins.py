"""The plugin manager factory: entry points, built-in plugins, blocking, checks.

Nothing happens at import time: :func:`make_plugin_manager` builds a manager
on demand, so the Function Compute hot path pays for plugins only when a rule
is named by its registered name.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import pluggy

from . import hookspecs
from ._registry import RuleRegistry
from .errors import PluginError

__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "ENV_DISABLE",
    "LoadedPlugins",
    "PluginFailure",
    "load_registry",
    "make_plugin_manager",
]

ENTRY_POINT_GROUP = "configrules"
ENV_DISABLE = "CONFIGRULES_DISABLE_PLUGINS"
#: name -> module of the plugins that ship with configrules.
BUILTIN_PLUGINS = {"exemptions": "configrules._builtin_plugins"}


@attrs.frozen
class PluginFailure:
    """A plugin that could not be loaded: its name and why."""

    name: str
    cause: str


@attrs.frozen
class LoadedPlugins:
    """The result of loading plugins: the manager, what loaded, what failed, what was blocked."""

    manager: pluggy.PluginManager
    loaded: list[str]
    failed: list[PluginFailure]
    blocked: list[str]


def disabled_plugins(environ: Any = None) -> set[str]:
    """Plugin names listed in ``CONFIGRULES_DISABLE_PLUGINS`` (comma-separated)."""
    environ = environ if environ is not None else os.environ
    return {name.strip() for name in environ.get(ENV_DISABLE, "").split(",") if name.strip()}


def make_plugin_manager(
    *,
    load_entry_points: bool = True,
    builtins: bool = True,
    plugins: Iterable[Any] = (),
    disabled: Iterable[str] | None = None,
    strict: bool = False,
) -> LoadedPlugins:
    """Build a plugin manager.

    Args:
        load_entry_points: load installed plugins (entry point group ``configrules``).
        builtins: register the built-in plugins (exemptions).
        plugins: extra plugin objects or modules to register (tests use this).
        disabled: names to block; default from ``CONFIGRULES_DISABLE_PLUGINS``.
        strict: raise :class:`PluginError` on the first plugin that fails to load.

    Raises:
        PluginError: a hook implementation names no known hook (a typo), or
            ``strict`` and a plugin failed.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    blocked = sorted(disabled_plugins() if disabled is None else set(disabled))
    for name in blocked:
        manager.set_blocked(name)
    loaded: list[str] = []
    failed: list[PluginFailure] = []

    def register(plugin: Any, name: str) -> None:
        if manager.is_blocked(name):
            return
        try:
            manager.register(plugin, name=name)
        except ValueError as exc:
            failed.append(PluginFailure(name, f"could not register: {exc}"))
            return
        loaded.append(name)

    if builtins:
        import importlib

        for name, module in BUILTIN_PLUGINS.items():
            register(importlib.import_module(module), name)
    for plugin in plugins:
        register(plugin, getattr(plugin, "__name__", None) or repr(plugin))
    if load_entry_points:
        for entry_point in _entry_points():
            if manager.is_blocked(entry_point.name) or manager.has_plugin(entry_point.name):
                continue
            try:
                plugin = entry_point.load()
            except Exception as exc:
                failure = PluginFailure(
                    entry_point.name,
                    f"importing {entry_point.value!r} failed: {type(exc).__name__}: {exc}",
                )
                if strict:
                    raise PluginError(f"plugin {failure.name!r}: {failure.cause}") from exc
                failed.append(failure)
                continue
            register(plugin, entry_point.name)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(
            f"plugin {exc.plugin!r} implements an unknown hook (misspelt?): {exc}"
        ) from exc
    return LoadedPlugins(manager, loaded, failed, blocked)


def _entry_points() -> Sequence[importlib.metadata.EntryPoint]:
    return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def build_registry(loaded: LoadedPlugins) -> RuleRegistry:
    """Ask every plugin for its resource types and rules.

    Raises:
        RuleDefinitionError: duplicate rule names (naming both plugins).
    """
    manager = loaded.manager
    extra: set[str] = set()
    for types in manager.hook.configrules_resource_types():
        extra.update(types or ())
    registry = RuleRegistry(extra)
    for impl in reversed(manager.hook.configrules_register_rules.get_hookimpls()):
        registry.current_source = impl.plugin_name
        impl.function(registry=registry)
    registry.current_source = "(direct)"
    return registry


def load_registry(**options: Any) -> RuleRegistry:
    """Load plugins (see :func:`make_plugin_manager`) and return their rules."""
    return build_registry(make_plugin_manager(**options))


def adjusters_from(loaded: LoadedPlugins) -> list[Any]:
    """The plugins' ``configrules_adjust_evaluation`` hooks as engine adjusters."""
    impls = list(reversed(loaded.manager.hook.configrules_adjust_evaluation.get_hookimpls()))

    def adjust(evaluation: Any, resource: Any, rule: Any) -> Any:
        for impl in impls:
            result = impl.function(evaluation=evaluation, resource=resource, rule=rule)
            if result == hookspecs.SUPPRESS:
                return None
            if result is not None:
                evaluation = result
        return evaluation

    return [adjust] if impls else []
