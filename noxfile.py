"""Development sessions for configrules: ``nox`` runs the default ones.

The default sessions run on the interpreter that runs nox, so they pass on a
machine with a single Python (CI has 3.11 only). ``nox -s matrix`` covers the
supported versions where those interpreters exist.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
nox.options.error_on_missing_interpreters = False

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
# pytest's exit code when it collected nothing: that must never pass quietly.
NO_TESTS_COLLECTED = 5


def _install_project(session: nox.Session, *groups: str) -> None:
    requirements = [
        req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group)
    ]
    session.install("-e", ".", "-e", "./example_rules", *requirements)


def _pytest(session: nox.Session, *args: str) -> None:
    code = session.run(
        "coverage", "run", "-m", "pytest", *args, success_codes=[0, NO_TESTS_COLLECTED]
    )
    if code == NO_TESTS_COLLECTED:
        session.error("pytest collected no tests: refusing to report that as a success")


def _wheelhouse(session: nox.Session) -> str:
    """Wheels for the tests of `configrules new` and `configrules package`.

    Downloaded now, while the package registry is reachable, so that the tests
    themselves never touch the network: the function's pure-Python
    dependencies, and the build backend the scaffolded plugin names.
    """
    wheelhouse = str((Path(session.cache_dir) / "wheelhouse").resolve())
    runtime = [
        req for req in PYPROJECT["project"]["dependencies"] if not req.lower().startswith("click")
    ]
    pip = ["python", "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
    session.run(
        *pip, "--dest", wheelhouse, "--only-binary=:all:", "--platform", "any",
        "--implementation", "py", "--abi", "none", *runtime,
    )  # fmt: skip
    # hatchling builds editable installs with the help of editables.
    session.run(*pip, "--dest", wheelhouse, "hatchling>=1.21", "editables")
    return wheelhouse


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite with coverage; fail under 90% line coverage of the package."""
    _install_project(session, "test")
    session.env["CONFIGRULES_TEST_WHEELHOUSE"] = _wheelhouse(session)
    session.run("coverage", "erase")
    _pytest(session, *session.posargs)
    session.run("coverage", "combine", "--quiet", success_codes=[0, 1])
    session.run("coverage", "report")


@nox.session(python=PYTHONS)
def matrix(session: nox.Session) -> None:
    """Run the tests on every supported Python found on this machine (not a default)."""
    _install_project(session, "test")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole tree."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the configrules package."""
    _install_project(session, "typecheck")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the Sphinx documentation; any warning is an error."""
    _install_project(session, "docs")
    build = ROOT / "docs" / "_build"
    shutil.rmtree(build, ignore_errors=True)
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", str(build / "html"))


@nox.session
def fuzz(session: nox.Session) -> None:
    """Property-based fuzzing with a large budget (10,000+ examples per target)."""
    _install_project(session, "test")
    # The hypothesis tests of the parser (and its fast path), parameter
    # coercion, return normalisation, signing (against the official SDK) and
    # the emulator under arbitrary requests, with the large budget; and 400
    # seeded fault schedules against the client instead of 25.
    session.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "-k",
        "arbitrary or raise_only or matches_official or normalise_result or randomised",
        "tests/test_events.py",
        "tests/test_rules.py",
        "tests/test_signing.py",
        "tests/test_engine.py",
        "tests/test_reliability.py",
        env={"CONFIGRULES_FUZZ_EXAMPLES": os.environ.get("CONFIGRULES_FUZZ_EXAMPLES", "10000")},
    )


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmarks at full size; results to stdout and benchmarks/results.md.

    Several minutes: a million-resource periodic run and a million-line export.
    `nox -s bench -- --only dispatch,cli` runs a subset.
    """
    _install_project(session, "test")
    session.run(
        "python", "benchmarks/run.py", "--output", "benchmarks/results.md", *session.posargs
    )


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and wheel of configrules and of example_rules."""
    session.install("build")
    session.run("python", "-m", "build", "--outdir", "dist", ".")
    session.run("python", "-m", "build", "--outdir", "dist", "example_rules")
