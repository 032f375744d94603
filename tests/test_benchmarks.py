"""The benchmarks run at tiny sizes in every test session, so they cannot rot.

This checks they run and report every figure; it asserts nothing about
speed (that would be a timed test, and these machines are noisy).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).parent.parent / "benchmarks" / "run.py"

pytest.importorskip("alibabacloud_config20200907", reason="the baselines need the official SDK")


def test_every_benchmark_runs_in_smoke_mode(tmp_path: Path) -> None:
    output = tmp_path / "results.md"
    completed = subprocess.run(
        [sys.executable, str(RUN), "--smoke", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    text = output.read_text()
    assert text.strip() == completed.stdout.strip()
    for heading in ("Cold start", "Dispatch", "Submission", "Memory at scale", "CLI"):
        assert f"### {heading}" in text, heading
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) >= 15
    for row in rows:
        if row.startswith("| metric"):
            continue
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1] not in ("", "—"), row  # every configrules figure was measured


def test_unknown_benchmark_is_a_usage_error() -> None:
    completed = subprocess.run(
        [sys.executable, str(RUN), "--only", "nope"], capture_output=True, text=True
    )
    assert completed.returncode == 2 and "unknown benchmark(s): nope" in completed.stderr
