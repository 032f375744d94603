"""The tutorial (docs/tutorial.md) is executed, block by block, so it cannot rot.

Files shown with a caption are written; console commands run in order in a
fresh virtual environment (which sees this environment's configrules and
pytest, as `pip install configrules` would provide them), with pip pointed at
the offline wheelhouse. A command ending in ``# exits N`` must exit with N;
every other command must succeed.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

from .conftest import child_environment

TUTORIAL = Path(__file__).parent.parent / "docs" / "tutorial.md"

_BLOCK = re.compile(
    r"^```(?:\{code-block\} (?P<lexer>\w+)\n:caption: (?P<caption>[^\n]+)\n\n|(?P<plain>\w+)\n)"
    r"(?P<body>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)
_EXITS = re.compile(r"\s+#\s*exits\s+(\d+)\s*$")


def blocks() -> list[tuple[str, str, str]]:
    """(kind, caption or "", body) of every fenced block, in order."""
    found = []
    for match in _BLOCK.finditer(TUTORIAL.read_text(encoding="utf-8")):
        kind = match["lexer"] or match["plain"]
        found.append((kind, match["caption"] or "", match["body"]))
    return found


def _commands(body: str) -> list[tuple[str, list[str]]]:
    """(command, the output lines shown under it) for each ``$ `` line of a console block."""
    commands: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands and line.strip() and line.strip() != "...":
            commands[-1][1].append(line.rstrip())
    return commands


def _not_shown_in(shown: list[str], printed: list[str]) -> str | None:
    """The first shown line that the command did not print (in order), or None.

    Shown output may leave lines out (``...`` marks where), never change one.
    """
    remaining = iter(line.rstrip() for line in printed)
    for line in shown:
        if not any(line.rstrip() == candidate for candidate in remaining):
            return line
    return None


def test_shown_output_is_matched_line_by_line_in_order() -> None:
    printed = ["a", "b", "c"]
    assert _not_shown_in(["a", "c"], printed) is None
    assert _not_shown_in(["c", "a"], printed) == "a"
    assert _not_shown_in(["b  "], printed) is None  # trailing blanks are not output
    assert _not_shown_in(["d"], printed) == "d"
    assert _commands("$ one\nout\n...\n$ two\n") == [("one", ["out"]), ("two", [])]


def test_the_tutorial_has_what_it_promises() -> None:
    kinds = [(kind, caption) for kind, caption, _ in blocks()]
    assert ("python", "src/acme_rules/rules.py") in kinds
    assert ("toml", "tests/family.cases.toml") in kinds
    commands = [
        line for kind, _, body in blocks() if kind == "console" for line in body.splitlines()
    ]
    for needed in ("configrules new", "pytest", "configrules run", "invoke", "configrules package"):
        assert any(needed in line for line in commands), needed
    # Every block is either a file to write or commands to run: nothing unexecuted.
    assert all(kind == "console" or caption for kind, caption, _ in blocks())


def test_the_tutorial_runs(tmp_path: Path, wheelhouse: Path) -> None:
    python = child_environment(tmp_path, with_pip=True)
    bin_dir = python.parent
    # What `pip install configrules` puts on PATH, for this environment.
    script = bin_dir / "configrules"
    script.write_text(f"#!{python}\nfrom configrules.cli import main\nmain()\n")
    script.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(bin_dir.parent),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("CONFIGRULES_TEST_WHEELHOUSE", None)
    work = tmp_path / "work"
    work.mkdir()
    cwd = work
    transcript: list[str] = []
    for kind, caption, body in blocks():
        if caption:
            target = cwd / caption
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
            transcript.append(f"wrote {caption}")
            continue
        assert kind == "console", f"a {kind} block without a caption is never run"
        for command, shown in _commands(body):
            expected = 0
            exits = _EXITS.search(command)
            if exits:
                expected = int(exits.group(1))
                command = command[: exits.start()]
            if command.startswith("cd "):
                cwd = cwd / shlex.split(command)[1]
                continue
            completed = subprocess.run(
                command, shell=True, cwd=cwd, env=env, capture_output=True, text=True
            )
            transcript.append(f"$ {command}  -> {completed.returncode}")
            assert completed.returncode == expected, (
                "\n".join(transcript) + f"\n{completed.stdout}\n{completed.stderr}"
            )
            printed = completed.stdout.splitlines() + completed.stderr.splitlines()
            missing = _not_shown_in(shown, printed)
            assert missing is None, (
                f"the tutorial shows {missing!r} after `{command}`, which printed:\n"
                + "\n".join(printed)
            )
    assert (cwd / "function.zip").is_file()
