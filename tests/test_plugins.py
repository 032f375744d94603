"""Plugin loading: entry points (fake distributions), blocking, duplicates, failures, typos."""

from __future__ import annotations

import importlib.metadata
import sys
import types
from typing import Any

import pytest

from configrules import Compliance, Resource, RuleDefinitionError, RuleRegistry, rule
from configrules._engine import Evaluator
from configrules._plugins import adjusters_from, build_registry, make_plugin_manager
from configrules.errors import PluginError, RuleNotFoundError
from configrules.hookspecs import SUPPRESS, hookimpl

ECS = "ACS::ECS::Instance"


def make_rule(name: str, types_: list[str] | None = None, **kw: Any) -> Any:
    return rule(resource_types=types_ or [ECS], name=name, **kw)(lambda resource: True)


def plugin_module(name: str, *rules: Any, **hooks: Any) -> types.ModuleType:
    module = types.ModuleType(name)

    @hookimpl
    def configrules_register_rules(registry: RuleRegistry) -> None:
        for r in rules:
            registry.register(r)

    module.configrules_register_rules = configrules_register_rules  # type: ignore[attr-defined]
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


class FakeEntryPoint:
    """pluggy's own tests fake distributions the same way: an object with name/value/load."""

    group = "configrules"

    def __init__(self, name: str, target: Any) -> None:
        self.name = name
        self.value = f"fake_{name}:plugin"
        self._target = target

    def load(self) -> Any:
        if isinstance(self._target, BaseException):
            raise self._target
        return self._target


@pytest.fixture
def entry_points(monkeypatch: pytest.MonkeyPatch) -> list[FakeEntryPoint]:
    points: list[FakeEntryPoint] = []

    def fake(group: str | None = None, **_: Any) -> list[FakeEntryPoint]:
        return points if group == "configrules" else []

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    return points


def test_entry_point_plugins_register_rules(entry_points: list[FakeEntryPoint]) -> None:
    entry_points.append(
        FakeEntryPoint("alpha", plugin_module("alpha", make_rule("a1"), make_rule("a2")))
    )
    loaded = make_plugin_manager(disabled=())
    assert loaded.loaded == ["exemptions", "alpha"]
    registry = build_registry(loaded)
    assert [r.name for r in registry] == ["a1", "a2"]
    assert registry.source_of("a1") == "alpha"
    assert [r.name for r in registry.for_type(ECS)] == ["a1", "a2"]


def test_blocking_by_environment(
    entry_points: list[FakeEntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    entry_points.append(FakeEntryPoint("alpha", plugin_module("alpha", make_rule("a1"))))
    entry_points.append(FakeEntryPoint("beta", plugin_module("beta", make_rule("b1"))))
    monkeypatch.setenv("CONFIGRULES_DISABLE_PLUGINS", " beta , exemptions")
    loaded = make_plugin_manager()
    assert loaded.loaded == ["alpha"]
    assert loaded.blocked == ["beta", "exemptions"]
    assert [r.name for r in build_registry(loaded)] == ["a1"]


def test_duplicate_rule_names_name_both_sources(entry_points: list[FakeEntryPoint]) -> None:
    entry_points.append(FakeEntryPoint("alpha", plugin_module("alpha", make_rule("same"))))
    entry_points.append(FakeEntryPoint("beta", plugin_module("beta", make_rule("same"))))
    with pytest.raises(RuleDefinitionError) as info:
        build_registry(make_plugin_manager(disabled=()))
    assert "'same'" in str(info.value)
    assert "alpha" in str(info.value) and "beta" in str(info.value)


def test_failing_plugin_is_reported_by_name(entry_points: list[FakeEntryPoint]) -> None:
    entry_points.append(FakeEntryPoint("broken", ImportError("No module named 'missing_dep'")))
    entry_points.append(FakeEntryPoint("alpha", plugin_module("alpha", make_rule("a1"))))
    loaded = make_plugin_manager(disabled=())
    [failure] = loaded.failed
    assert failure.name == "broken"
    assert "missing_dep" in failure.cause and "fake_broken:plugin" in failure.cause
    assert "alpha" in loaded.loaded
    with pytest.raises(PluginError, match="plugin 'broken'"):
        make_plugin_manager(disabled=(), strict=True)


def test_misspelt_hook_is_an_error(entry_points: list[FakeEntryPoint]) -> None:
    module = types.ModuleType("typo")

    @hookimpl
    def configrules_register_rule(registry: Any) -> None:  # missing "s"
        pass

    module.configrules_register_rule = configrules_register_rule  # type: ignore[attr-defined]
    entry_points.append(FakeEntryPoint("typo", module))
    with pytest.raises(PluginError, match="unknown hook"):
        make_plugin_manager(disabled=())


def test_extra_resource_types_from_plugins(entry_points: list[FakeEntryPoint]) -> None:
    newer = make_rule("newer", ["ACS::Brand::NewThing"], allow_unknown_types=True)
    entry_points.append(
        FakeEntryPoint(
            "types",
            plugin_module(
                "types", newer, configrules_resource_types=lambda: ["ACS::Brand::NewThing"]
            ),
        )
    )
    assert "newer" in build_registry(make_plugin_manager(disabled=()))
    registry = RuleRegistry()
    with pytest.raises(RuleDefinitionError, match="not known"):
        registry.register(newer)


def test_adjust_hook_changes_and_suppresses() -> None:
    @hookimpl
    def configrules_adjust_evaluation(evaluation: Any, resource: Any, rule: Any) -> Any:
        if resource.id == "drop":
            return SUPPRESS
        if resource.id == "flip":
            import attrs

            return attrs.evolve(evaluation, compliance=Compliance.NON_COMPLIANT)
        return None

    module = types.ModuleType("adjuster")
    module.configrules_adjust_evaluation = configrules_adjust_evaluation  # type: ignore[attr-defined]
    loaded = make_plugin_manager(load_entry_points=False, plugins=[module], disabled=())
    evaluator = Evaluator(make_rule("r"), adjusters=adjusters_from(loaded))
    out = list(
        evaluator.evaluate(
            [Resource(id=i, type=ECS, configuration={"a": 1}) for i in ("keep", "drop", "flip")]
        )
    )
    assert [(e.resource_id, e.compliance) for e in out] == [
        ("keep", Compliance.COMPLIANT),
        ("flip", Compliance.NON_COMPLIANT),
    ]


def test_exemptions_plugin_through_hooks() -> None:
    loaded = make_plugin_manager(load_entry_points=False, disabled=())
    evaluator = Evaluator(make_rule("r"), adjusters=adjusters_from(loaded))
    [e] = evaluator.evaluate(
        [Resource(id="x", type=ECS, configuration={"a": 1}, tags={"configrules:exempt": ["*"]})]
    )
    assert e.compliance is Compliance.NOT_APPLICABLE
    assert e.annotation == "Exempted by tag configrules:exempt=*."
    [e] = evaluator.evaluate(
        [Resource(id="x", type=ECS, configuration={"a": 1}, tags={"configrules:exempt": ["other"]})]
    )
    assert e.compliance is Compliance.COMPLIANT


def test_registry_errors() -> None:
    registry = RuleRegistry()
    r = registry.register(make_rule("one"))
    assert registry.register(r) is r
    with pytest.raises(RuleNotFoundError, match="did you mean 'one'"):
        registry.get("onee")
    with pytest.raises(RuleNotFoundError, match="no rules are registered"):
        RuleRegistry().get("x")
    with pytest.raises(RuleDefinitionError):
        registry.register(lambda: True)  # type: ignore[arg-type]
    assert "one" in registry and len(registry) == 1 and "1 rules" in repr(registry)


def test_hooks_reference_documents_every_hook() -> None:
    from pathlib import Path

    from configrules import hookspecs

    page = (Path(__file__).parent.parent / "docs" / "hooks.md").read_text()
    hooks = [name for name in dir(hookspecs) if name.startswith("configrules_")]
    assert hooks
    for name in hooks:
        assert f"configrules.hookspecs.{name}" in page, f"docs/hooks.md lacks {name}"


def test_fc_handler_finds_plugin_rules_by_name(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    from types import SimpleNamespace

    import configrules.fc as fc
    from configrules.testing import make_event, make_resource

    monkeypatch.setattr(fc, "_default_handler", None)
    monkeypatch.setenv("CONFIGRULES_RULE", "oss_bucket_not_public")
    monkeypatch.setenv("CONFIGRULES_ENDPOINT", emulator.endpoint)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
    bucket = make_resource("ACS::OSS::Bucket", {"AccessControlList": {"Grant": "public-read"}})
    summary = fc.handler(make_event(bucket), SimpleNamespace())
    assert summary["counts"] == {"NON_COMPLIANT": 1}
    assert json.dumps(summary)
    assert "configrules_example_rules" in sys.modules
