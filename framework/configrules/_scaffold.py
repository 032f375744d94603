"""``configrules new``: a ready-to-test rule plugin distribution.

The files are templates in ``data/scaffold`` (``string.Template`` with
``$distribution``, ``$package``, ``$rule`` and ``$version``); a template's
path may use ``__package__`` for the package directory. The output passes its
own tests right after ``pip install -e``, and a test proves it.
"""

from __future__ import annotations

import keyword
import re
import sys
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from ._version import __version__
from .errors import ConfigurationError

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

__all__ = ["scaffold"]

_DISTRIBUTION = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*$")


def _templates(root: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        relative = f"{prefix}{entry.name}"
        if entry.is_dir():
            if entry.name != "__pycache__":
                found += _templates(entry, relative + "/")
        elif entry.name.endswith(".tmpl"):
            found.append((relative.removesuffix(".tmpl"), entry))
    return found


def scaffold(name: str, directory: str | Path | None = None) -> list[Path]:
    """Write a plugin distribution called ``name`` into ``directory`` (default ``./name``).

    Returns:
        The files written.

    Raises:
        ConfigurationError: ``name`` is not a valid distribution name, or the
            directory exists and is not empty (nothing is overwritten).
    """
    if not _DISTRIBUTION.match(name):
        raise ConfigurationError(
            f"{name!r} is not a valid distribution name: use letters, digits and "
            "single -, _ or . between them, starting with a letter (e.g. acme-config-rules)"
        )
    package = re.sub(r"[-.]+", "_", name).lower()
    if keyword.iskeyword(package) or package == "configrules":
        raise ConfigurationError(f"{name!r} would make the package {package!r}; choose another")
    target = Path(directory) if directory is not None else Path(name)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigurationError(f"{target} already exists and is not empty; nothing written")
    values = {
        "distribution": name,
        "package": package,
        "rule": "ecs_instance_has_owner_tag",
        "version": __version__,
    }
    written: list[Path] = []
    for relative, template in _templates(resources.files("configrules") / "data" / "scaffold"):
        path = target / relative.replace("__package__", package)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(template.read_text("utf-8")).substitute(values), "utf-8")
        written.append(path)
    return written
