"""pytest plugin for testing configrules rules (entry point ``pytest11``).

Fixtures, layered like pytest-httpserver (override the settings ones in your
``conftest.py`` to change the rest):

* settings: ``configrules_credentials``, ``configrules_emulator_options``
* session: ``configrules_emulator_server`` (started once per session)
* per test: ``config_emulator`` (state reset), ``make_resource``, ``make_event``,
  ``run_rule``, ``rule_registry``

Case files: any ``*.cases.toml`` file is collected; each ``[[case]]`` is one
test item. Installed rule plugins are only loaded into a test that asks, with
``@pytest.mark.configrules_plugins`` or ``--configrules-plugins``.

pytest imports this module in every project that has configrules installed,
so it imports nothing heavy at module level.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._registry import RuleRegistry
    from ._rules import Rule
    from .emulator import ConfigEmulator

__all__ = [
    "CaseFile",
    "CaseItem",
    "config_emulator",
    "configrules_credentials",
    "configrules_emulator_options",
    "configrules_emulator_server",
    "make_event",
    "make_resource",
    "rule_registry",
    "run_rule",
]

MARKER = "configrules_plugins"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("configrules")
    group.addoption(
        "--configrules-plugins",
        action="store_true",
        default=False,
        help="load installed configrules plugins into every test's rule_registry",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}: load installed configrules plugins into rule_registry"
    )


# --- fixtures -------------------------------------------------------------------


@pytest.fixture(scope="session")
def configrules_credentials() -> dict[str, str]:
    """Access key id -> secret the emulator accepts (override to change)."""
    return {"testid": "testsecret"}


@pytest.fixture(scope="session")
def configrules_emulator_options() -> dict[str, Any]:
    """Extra :class:`~configrules.emulator.ConfigEmulator` keyword arguments."""
    return {}


@pytest.fixture(scope="session")
def configrules_emulator_server(
    configrules_credentials: dict[str, str], configrules_emulator_options: dict[str, Any]
) -> Iterator[ConfigEmulator]:
    """One emulator for the whole session (use ``config_emulator`` in tests)."""
    from .emulator import ConfigEmulator

    with ConfigEmulator(configrules_credentials, **configrules_emulator_options) as emulator:
        yield emulator


@pytest.fixture
def config_emulator(configrules_emulator_server: ConfigEmulator) -> ConfigEmulator:
    """The session's emulator with evaluations, requests, inventory and faults reset."""
    configrules_emulator_server.reset(inventory=True)
    return configrules_emulator_server


@pytest.fixture
def make_resource() -> Any:
    """:func:`configrules.testing.make_resource`."""
    from .testing import make_resource as factory

    return factory


@pytest.fixture
def make_event() -> Any:
    """:func:`configrules.testing.make_event`."""
    from .testing import make_event as factory

    return factory


@pytest.fixture
def run_rule(config_emulator: ConfigEmulator) -> Any:
    """:func:`configrules.testing.run_rule` bound to this test's emulator."""
    from .testing import run_rule as runner

    return functools.partial(runner, emulator=config_emulator)


@pytest.fixture
def rule_registry(request: pytest.FixtureRequest) -> RuleRegistry:
    """A fresh, empty :class:`~configrules.RuleRegistry`; with the
    ``configrules_plugins`` marker (or ``--configrules-plugins``), the rules of
    installed plugins."""
    from ._registry import RuleRegistry

    wants = request.node.get_closest_marker(MARKER) is not None or request.config.getoption(
        "--configrules-plugins"
    )
    if not wants:
        return RuleRegistry()
    from ._plugins import load_registry

    return load_registry()


# --- case files -------------------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CaseFile | None:
    if file_path.name.endswith(".cases.toml"):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseError(Exception):
    """A case file is malformed (reported without a traceback)."""


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise CaseError("reading case files on Python 3.10 needs 'pip install tomli'") from None
    try:
        document: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        return document
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(f"{path.name} is not valid TOML: {exc}") from None


class CaseFile(pytest.File):
    """A ``*.cases.toml`` file: a rule and a list of ``[[case]]`` tables."""

    def collect(self) -> Iterator[CaseItem]:
        document = _load_toml(self.path)
        default_rule = document.get("rule")
        cases = document.get("case")
        if not isinstance(cases, list) or not cases:
            raise CaseError(f"{self.path.name}: no [[case]] tables")
        for index, case in enumerate(cases):
            if not isinstance(case, dict):
                raise CaseError(f"{self.path.name}: case {index} is not a table")
            name = str(case.get("name") or f"case{index}")
            yield CaseItem.from_parent(self, name=name, case=case, default_rule=default_rule)


_CASE_EMULATOR = pytest.StashKey["ConfigEmulator"]()


def _case_emulator(config: pytest.Config) -> ConfigEmulator:
    """One emulator for every case of the session, started by the first case
    and reset for each; stopped when the session ends."""
    emulator = config.stash.get(_CASE_EMULATOR, None)
    if emulator is None:
        from .emulator import ConfigEmulator
        from .testing import TEST_CREDENTIALS

        emulator = ConfigEmulator(TEST_CREDENTIALS).start()
        config.stash[_CASE_EMULATOR] = emulator
        config.add_cleanup(emulator.stop)
    else:
        emulator.reset(inventory=True)
    return emulator


class CaseItem(pytest.Item):
    """One case: run the rule through the pipeline and compare the verdict."""

    def __init__(self, *, case: dict[str, Any], default_rule: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.default_rule = default_rule

    def _rule(self) -> Rule:
        name = self.case.get("rule", self.default_rule)
        if not name:
            raise CaseError("no rule: set rule = 'package.module:function' at the top of the file")
        from .fc import resolve_rule

        return resolve_rule(str(name))

    def _subject(self) -> Any:
        case = self.case
        if "event" in case:
            return (self.path.parent / str(case["event"])).read_bytes()
        if "resource_type" not in case:
            raise CaseError("a case needs resource_type (with configuration) or event")
        from .testing import make_resource

        fields = {k: v for k, v in case.get("resource", {}).items()}
        if "tags" in fields and isinstance(fields["tags"], dict):
            fields["tags"] = {
                k: v if isinstance(v, list) else [v] for k, v in fields["tags"].items()
            }
        return make_resource(str(case["resource_type"]), case.get("configuration", {}), **fields)

    def runtest(self) -> None:
        from ._models import Compliance
        from .testing import run_rule

        case = self.case
        expected_text = case.get("expect")
        if not expected_text:
            raise CaseError("a case needs expect = 'COMPLIANT' | 'NON_COMPLIANT' | ...")
        try:
            expected = Compliance(str(expected_text).upper())
        except ValueError:
            raise CaseError(f"expect = {expected_text!r} is not a compliance type") from None
        rule = self._rule()
        result = run_rule(
            rule,
            self._subject(),
            parameters=case.get("parameters"),
            emulator=_case_emulator(self.config),
        )
        if len(result) != 1:
            raise CaseMismatch(self.name, [f"expected one evaluation, got {len(result)}"])
        got = result[0]
        problems = []
        if got.compliance is not expected:
            problems.append(f"compliance: expected {expected.value}, got {got.compliance.value}")
        wanted = case.get("annotation")
        if wanted is not None and str(wanted) not in got.annotation:
            problems.append(f"annotation: expected to contain {wanted!r}, got {got.annotation!r}")
        pattern = case.get("annotation_pattern")
        if pattern is not None:
            import re

            if not re.search(str(pattern), got.annotation):
                problems.append(
                    f"annotation: expected to match /{pattern}/, got {got.annotation!r}"
                )
        if problems:
            raise CaseMismatch(self.name, problems)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, (CaseMismatch, CaseError)):
            return str(excinfo.value)
        from .errors import ConfigRulesError

        if isinstance(excinfo.value, ConfigRulesError):
            return f"{type(excinfo.value).__name__}: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"case: {self.name}"


class CaseMismatch(AssertionError):
    """A case's verdict differs from what it expects."""

    def __init__(self, name: str, problems: list[str]) -> None:
        super().__init__(f"case {name!r} failed:\n  " + "\n  ".join(problems))
