"""The documentation stays complete and its internal links resolve (no network).

* every error class is in the troubleshooting page, and every error code
  the emulator (which mirrors Cloud Config's) can answer;
* every link between pages, to a heading anchor, or to a file of the
  repository points at something that exists; external links are not
  fetched (CI has no network), only their syntax is checked;
* every ``CONFIGRULES_*`` and ``ALIBABA_CLOUD_*`` variable the code names is
  in the environment reference.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from configrules import errors

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
EMULATOR = ROOT / "framework" / "configrules" / "emulator" / "_server.py"


def test_troubleshooting_names_every_error_class() -> None:
    text = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    classes = [
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, Exception)
    ]
    assert len(classes) >= 15
    missing = [name for name in classes if f"`{name}`" not in text]
    assert not missing, f"add to docs/troubleshooting.md: {missing}"


def test_troubleshooting_names_every_api_error_code() -> None:
    text = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    source = EMULATOR.read_text(encoding="utf-8")
    codes = set(re.findall(r'EmulatorError\(\s*\d{3},\s*"([A-Za-z.]+)"', source))
    codes |= set(re.findall(r'"((?:Invalid|Missing)[A-Za-z.]+)"', source))
    codes |= {"Throttling", "ServiceUnavailable", "NoPermission", "AccountNotExisted"}
    assert len(codes) >= 25
    missing = sorted(code for code in codes if f"`{code}`" not in text)
    assert not missing, f"add to docs/troubleshooting.md: {missing}"


_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
_DOC_ROLE = re.compile(r"\{doc\}`(?:[^`<]*<)?([^`>]+)>?`")


def _anchors(page: Path) -> set[str]:
    """The anchors myst gives a page's headings (myst_heading_anchors = 3)."""
    found = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^#{1,3} (.+)$", line)
        if heading:
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).strip().replace(" ", "-")
            found.add(slug)
    return found


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_internal_links_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    # Fenced code is example text, not links.
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    broken = []
    for target in _LINK.findall(text):
        if re.match(r"^[a-z]+://", target):
            assert re.match(r"^https://[\w.-]+", target), f"{target}: use https"
            continue
        if target.startswith("mailto:"):
            continue
        path, _, anchor = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        if not destination.exists() or (
            anchor and destination.suffix == ".md" and anchor not in _anchors(destination)
        ):
            broken.append(target)
    for name in _DOC_ROLE.findall(text):
        if not (DOCS / f"{name.strip()}.md").exists():
            broken.append(f"{{doc}}`{name}`")
    assert not broken, f"{page.name}: broken internal links {broken}"


def test_every_page_is_in_a_toctree() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([a-z][\w-]*)$", index, flags=re.MULTILINE))
    missing = [p.stem for p in PAGES if p.stem != "index" and p.stem not in listed]
    assert not missing, f"add to a toctree in docs/index.md: {missing}"


def test_readme_links_to_the_documentation() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/tutorial.md" in readme and "nox -s docs" in readme


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_python_examples_compile(page: Path) -> None:
    """Every Python block of the guides is at least valid Python (the tutorial's
    blocks are also run, by test_tutorial.py)."""
    text = page.read_text(encoding="utf-8")
    for number, block in enumerate(re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)):
        compile(block, f"{page.name} block {number}", "exec")


_VARIABLE = re.compile(r"\b(?:CONFIGRULES|ALIBABA_CLOUD)_[A-Z0-9_]*[A-Z0-9]\b")


def test_environment_page_lists_every_variable_read() -> None:
    sources = [
        *sorted((ROOT / "framework").rglob("*.py")),
        *sorted((ROOT / "framework").rglob("*.tmpl")),
        *sorted((ROOT / "example_rules").rglob("*.py")),
        ROOT / "noxfile.py",
        *sorted((ROOT / "tests").glob("*.py")),
    ]
    named = {match for path in sources for match in _VARIABLE.findall(path.read_text())}
    assert "CONFIGRULES_ENDPOINT" in named  # the scan itself works
    table = (DOCS / "environment.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)`", table, flags=re.MULTILINE))
    assert sorted(named - documented) == []
