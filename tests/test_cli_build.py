"""``configrules new`` and ``configrules package``: their output really works.

The end-to-end tests need the ``wheelhouse`` fixture (see conftest.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from configrules._scaffold import scaffold
from configrules.cli import main
from configrules.errors import ConfigurationError

from .conftest import child_environment

EVENTS = Path(__file__).parent.parent / "example_rules" / "events"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


# --- configrules new ---------------------------------------------------------


def test_new_writes_a_distribution(tmp_path: Path) -> None:
    result = invoke("new", "acme-rules", "--directory", str(tmp_path / "acme"))
    assert result.exit_code == 0, result.output
    root = tmp_path / "acme"
    pyproject = (root / "pyproject.toml").read_text()
    assert 'name = "acme-rules"' in pyproject
    assert 'acme_rules = "acme_rules.plugin"' in pyproject
    for relative in (
        "README.md",
        "src/acme_rules/rules.py",
        "src/acme_rules/plugin.py",
        "tests/test_rules.py",
        "tests/rules.cases.toml",
        "events/instance-without-owner.json",
    ):
        assert (root / relative).is_file(), relative
    json.loads((root / "events/instance-without-owner.json").read_text())
    # The next step, quoted so that zsh does not take [test] for a glob.
    assert f'python -m pip install -e "{root}[test]"' in result.stderr


@pytest.mark.parametrize("name", ["1rules", "bad name", "a--b", "", "class", "configrules"])
def test_new_rejects_bad_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigurationError, match="name|package"):
        scaffold(name, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_new_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = invoke("new", "acme", "--directory", str(tmp_path))
    assert result.exit_code == 2
    assert "not empty; nothing written" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_new_output_passes_its_own_tests(tmp_path: Path, wheelhouse: Path) -> None:
    root = tmp_path / "acme-rules"
    assert invoke("new", "acme-rules", "--directory", str(root)).exit_code == 0
    python = child_environment(tmp_path, with_pip=False)
    # Exactly what the README of the scaffold says, offline: the build backend
    # comes from the wheelhouse; configrules and pytest are already visible.
    install = subprocess.run(
        [
            sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
            "--no-index", "--find-links", str(wheelhouse), "--no-deps", "-e", str(root),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    tests = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    # 1 plain call + 3 run_rule + 1 event + 1 registry + 5 cases
    assert "11 passed" in tests.stdout, tests.stdout
    listed = subprocess.run(
        [str(python), "-m", "configrules.cli", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "ecs_instance_has_owner_tag" in {r["name"] for r in json.loads(listed.stdout)}


# --- configrules package -----------------------------------------------------


def test_package_builds_a_zip_whose_handler_runs_alone(
    tmp_path: Path, wheelhouse: Path, emulator: Any
) -> None:
    output = tmp_path / "function.zip"
    result = invoke(
        "package", "ecs_instance_no_public_ip", "--output", str(output),
        "--no-index", "--find-links", str(wheelhouse),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "handler: index.handler" in result.output
    assert "zipped" in result.output and "configrules" in result.output

    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        assert "index.py" in names
        assert not [n for n in names if n.endswith((".so", ".pyd", ".pyc"))]
        assert "configrules/cli.py" not in names  # needs click, which is not shipped
        assert not [n for n in names if n.startswith("click")]
        function = tmp_path / "function"
        archive.extractall(function)

    event = (EVENTS / "ecs-instance-public-ip.json").read_text()
    # -I -S: no site-packages, no user site, no PYTHONPATH: only the zip and the
    # standard library, as in Function Compute.
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(function)!r})\n"
        "import index\n"
        "summary = index.handler(sys.stdin.read().encode(), None)\n"
        "print(json.dumps(summary))\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('click', 'pytest')]\n"
        "print(sorted({getattr(m, '__file__', '') or '' for m in list(sys.modules.values())"
        " if 'site-packages' in (getattr(m, '__file__', '') or '')}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script],
        input=event,
        capture_output=True,
        text=True,
        env={
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "testid",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "testsecret",
            "CONFIGRULES_ENDPOINT": emulator.endpoint,
        },
    )
    assert completed.returncode == 0, completed.stderr
    summary_line, modules_line = completed.stdout.strip().splitlines()[-2:]
    assert modules_line == "[]"  # nothing came from any site-packages
    summary = json.loads(summary_line)
    assert summary["evaluations"] == 1
    stored = emulator.evaluations()
    assert [s.evaluation["complianceType"] for s in stored] == ["NON_COMPLIANT"]
    assert stored[0].evaluation["complianceResourceId"] == "i-bp12g4xbl4i0brkn****"


def test_package_refuses_a_python_without_an_interpreter(tmp_path: Path) -> None:
    result = invoke(
        "package", "ecs_instance_no_public_ip", "--output", str(tmp_path / "f.zip"),
        "--python-version", "3.99",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "python3.99 interpreter on PATH" in result.output
    assert not (tmp_path / "f.zip").exists()


def test_package_rejects_a_malformed_python_version(tmp_path: Path) -> None:
    result = invoke(
        "package", "ecs_instance_no_public_ip", "--output", str(tmp_path / "f.zip"),
        "--python-version", "three",
    )  # fmt: skip
    assert result.exit_code == 2 and "must look like 3.12" in result.output


def test_package_reports_pip_failures_in_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    result = invoke(
        "package", "ecs_instance_no_public_ip", "--output", str(tmp_path / "f.zip"),
        "--no-index", "--find-links", str(empty),
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.startswith("error: pip could not install attrs")
    assert "Traceback" not in result.output
    assert not (tmp_path / "f.zip").exists()


def test_package_unknown_rule(tmp_path: Path) -> None:
    result = invoke("package", "no_such_rule", "--output", str(tmp_path / "f.zip"))
    assert result.exit_code == 2 and "no_such_rule" in result.output
