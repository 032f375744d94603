"""Build a Function Compute code package (a zip) that serves one rule.

The zip holds an ``index.py`` whose ``handler`` serves the rule, the
``configrules`` package, the rule's own top-level package, and the runtime
dependencies of both, installed by pip as pure-Python wheels for the target
Python version. Function Compute runs Linux on x86_64 or arm64; pure-Python
wheels run on both, so no compiled extension is ever shipped.

pip evaluates dependency markers (``; python_version < "3.11"``) against the
interpreter that runs it, even with ``--python-version``. A package for another
Python version is therefore built with that version's interpreter
(``pythonX.Y`` on ``PATH``), never by guessing.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import attrs

from ._rules import Rule
from .errors import ConfigurationError

__all__ = ["PackageReport", "build_package"]

#: Modules of configrules that need tools absent from a function (click, pytest).
_EXCLUDED_FROM_FUNCTION = frozenset({"cli.py", "pytest_plugin.py"})
#: The configrules dependencies a function does not use.
_CLI_ONLY_DEPENDENCIES = frozenset({"click"})
#: A fixed timestamp for every zip entry so the same inputs give the same bytes.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)

_EXTRA_MARKER = re.compile(r"\bextra\s*==")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@attrs.frozen
class PackageReport:
    """What :func:`build_package` wrote.

    Attributes:
        output: the zip file.
        zip_bytes: its size.
        sizes: uncompressed bytes per top-level entry of the zip, largest first.
        handler: the Function Compute handler to configure (``index.handler``).
        python_version: the Python version the dependencies were installed for.
        requirements: what pip was asked to install.
    """

    output: Path
    zip_bytes: int
    sizes: tuple[tuple[str, int], ...]
    handler: str
    python_version: str
    requirements: tuple[str, ...]


def _requirement_name(requirement: str) -> str:
    match = _NAME.match(requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""


def _runtime_requirements(distribution: str, *, drop: Iterable[str] = ()) -> list[str]:
    """``distribution``'s requirements, without extras-only ones and those in ``drop``."""
    dropped = {_requirement_name(name) for name in drop}
    try:
        requires = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return []
    return [
        requirement
        for requirement in requires
        if not _EXTRA_MARKER.search(requirement) and _requirement_name(requirement) not in dropped
    ]


def _distribution_of(top_level: str) -> str | None:
    names = importlib.metadata.packages_distributions().get(top_level) or []
    return names[0] if names else None


def _copy_tree(source: Path, target: Path, *, skip: Callable[[Path], bool]) -> None:
    """Copy a package's source files (no bytecode caches) from ``source`` into ``target``."""
    if source.is_file():
        shutil.copy2(source, target / source.name)
        return
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if "__pycache__" in relative.parts or path.suffix == ".pyc" or skip(relative):
            continue
        destination = target / source.name / relative
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def _module_location(module_name: str) -> Path:
    module = importlib.import_module(module_name)
    file = getattr(module, "__file__", None)
    if not file:
        raise ConfigurationError(f"cannot package {module_name!r}: it has no source file")
    path = Path(file)
    return path.parent if path.name == "__init__.py" else path


def _interpreter_for(python_version: str) -> str:
    current = f"{sys.version_info.major}.{sys.version_info.minor}"
    if python_version == current:
        return sys.executable
    found = shutil.which(f"python{python_version}")
    if not found:
        raise ConfigurationError(
            f"packaging for Python {python_version} needs a python{python_version} "
            f"interpreter on PATH: pip evaluates dependency markers against the "
            f"interpreter that runs it. Install one, or pass --python-version {current}"
        )
    return found


def _pip_install(
    requirements: Sequence[str],
    target: Path,
    *,
    python_version: str,
    pip_options: Sequence[str],
) -> None:
    interpreter = _interpreter_for(python_version)
    command = [sys.executable, "-m", "pip"]
    if interpreter != sys.executable:
        command += ["--python", interpreter]
    command += [
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(target),
        # Pure-Python wheels only: they run on every FC architecture.
        "--only-binary=:all:",
        "--platform",
        "any",
        "--implementation",
        "py",
        "--abi",
        "none",
        "--python-version",
        python_version,
        *pip_options,
        *requirements,
    ]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:  # pragma: no cover - no Python executable at all
        raise ConfigurationError(f"cannot run pip: {exc}") from exc
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit status {completed.returncode}"
        if "No module named pip" in (completed.stderr or ""):
            last = "pip is not installed in this environment"
        raise ConfigurationError(f"pip could not install {', '.join(requirements)}: {last}")


_INDEX_TEMPLATE = '''\
"""Function Compute entry point generated by `configrules package`.

Handler: index.handler. The rule: {source}
"""

from configrules.fc import make_handler
from {module} import {attribute}

handler = make_handler({attribute})
'''


def _write_zip(staging: Path, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(staging.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts:
                continue
            info = zipfile.ZipInfo(path.relative_to(staging).as_posix(), date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    partial.replace(output)  # never leave a half-written package under the real name


def _sizes(staging: Path) -> tuple[tuple[str, int], ...]:
    totals: dict[str, int] = {}
    for path in staging.rglob("*"):
        if path.is_file():
            top = path.relative_to(staging).parts[0]
            totals[top] = totals.get(top, 0) + path.stat().st_size
    return tuple(sorted(totals.items(), key=lambda pair: (-pair[1], pair[0])))


def build_package(
    rule: Rule,
    output: str | Path,
    *,
    python_version: str | None = None,
    pip_options: Sequence[str] = (),
) -> PackageReport:
    """Build a Function Compute code package serving ``rule``.

    Args:
        rule: the rule; it must be importable by its import path (``rule.source``).
        output: the zip to write (replaced if it exists; written atomically).
        python_version: ``X.Y`` of the FC runtime; defaults to this interpreter's.
        pip_options: extra pip options, e.g. ``["--no-index", "--find-links", "wheels/"]``.

    Raises:
        ConfigurationError: the rule cannot be imported by path, the Python
            version is malformed or has no interpreter, or pip failed.
    """
    version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    if not re.fullmatch(r"3\.\d{1,2}", version):
        raise ConfigurationError(f"--python-version must look like 3.12, got {version!r}")
    module_name, _, attribute = rule.source.partition(":")
    if not attribute or "." in attribute or "<" in rule.source:
        raise ConfigurationError(
            f"rule {rule.name!r} is defined at {rule.source!r}; a package needs a "
            "module-level rule importable as package.module:function"
        )
    if getattr(importlib.import_module(module_name), attribute, None) is not rule:
        raise ConfigurationError(
            f"rule {rule.name!r}: {rule.source} does not name the rule itself "
            "(was the function renamed or wrapped?); a package imports it by that path"
        )
    top_level = module_name.split(".")[0]
    if top_level == "configrules":
        raise ConfigurationError("cannot package a rule defined inside configrules itself")

    requirements = _runtime_requirements("configrules", drop=_CLI_ONLY_DEPENDENCIES)
    rule_distribution = _distribution_of(top_level)
    if rule_distribution:
        requirements += _runtime_requirements(rule_distribution, drop=["configrules"])
    requirements = list(dict.fromkeys(requirements))

    with tempfile.TemporaryDirectory(prefix="configrules-package-") as temporary:
        staging = Path(temporary)
        _pip_install(requirements, staging, python_version=version, pip_options=pip_options)
        # Console scripts land in bin/; a function never runs them.
        shutil.rmtree(staging / "bin", ignore_errors=True)
        _copy_tree(
            _module_location("configrules"),
            staging,
            skip=lambda relative: relative.as_posix() in _EXCLUDED_FROM_FUNCTION,
        )
        _copy_tree(_module_location(top_level), staging, skip=lambda relative: False)
        (staging / "index.py").write_text(
            _INDEX_TEMPLATE.format(source=rule.source, module=module_name, attribute=attribute),
            encoding="utf-8",
        )
        output_path = Path(output)
        _write_zip(staging, output_path)
        sizes = _sizes(staging)
    return PackageReport(
        output=output_path,
        zip_bytes=output_path.stat().st_size,
        sizes=sizes,
        handler="index.handler",
        python_version=version,
        requirements=tuple(requirements),
    )
