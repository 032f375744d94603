"""Shared helpers of the benchmarks: child processes, peak RSS, medians, tables.

Everything is reported as a ratio against a baseline measured in the same run:
absolute times on these machines are noisy and not comparable between runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
EXAMPLE_EVENTS = ROOT / "example_rules" / "events"


@dataclass
class Row:
    """One line of a result table: a metric for configrules and its baseline."""

    metric: str
    configrules: float
    baseline: float | None = None
    unit: str = ""
    #: (comparison, bound) on ``configrules / baseline``, e.g. ("<=", 0.45).
    goal: tuple[str, float] | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.configrules / self.baseline

    @property
    def met(self) -> bool | None:
        if self.goal is None or self.ratio is None:
            return None
        comparison, bound = self.goal
        return self.ratio <= bound if comparison == "<=" else self.ratio >= bound


@dataclass
class Result:
    """A benchmark's rows, plus what it compared against."""

    name: str
    baseline: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class ProcessRun:
    seconds: float
    peak_rss_mb: float
    stdout: str


def run_process(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, stdin: bytes | None = None
) -> ProcessRun:
    """Run a child to completion: its wall time, and the peak RSS it reports.

    Children print a JSON line with ``peak_rss_mb`` (from their own getrusage)
    as their last line of output.
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else None,
    )
    out, err = process.communicate(stdin)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(
            f"{argv[:3]} failed with {process.returncode}:\n{err.decode(errors='replace')}"
        )
    report = _last_json_line(out.decode())
    return ProcessRun(seconds, float(report.get("peak_rss_mb", 0.0)), out.decode())


def _last_json_line(text: str) -> dict:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {}


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB.

    Linux's VmHWM, which starts afresh at exec. ``ru_maxrss`` does not: a child
    forked from a large parent reports the parent's size, which hid the real
    figures in a first version of these benchmarks.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def timed(function, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


@contextlib.contextmanager
def emulator_process(latency: float = 0.0) -> Iterator[str]:
    """An emulator in its own process (``emulator_child.py``); yields its endpoint.

    Accepts the key ``benchid``/``benchsecret``; ``latency`` seconds are added to
    every PutEvaluations call. Its state is read over its inspection API.
    """
    process = subprocess.Popen(
        [sys.executable, str(HERE / "emulator_child.py"), str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().strip()
        if not endpoint.startswith("http://"):
            raise RuntimeError(f"the emulator process did not start (exit {process.poll()})")
        yield endpoint
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def child_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CONFIGRULES_", "ALIBABA_CLOUD_"))
    }
    env.update(extra)
    return env


def machine() -> str:
    import platform

    cpus = os.cpu_count()
    return (
        f"{platform.python_implementation()} {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}, {cpus} CPUs"
    )


def _format(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def markdown(results: Sequence[Result], *, header: str) -> str:
    lines = [header, ""]
    for result in results:
        lines += [
            f"### {result.name}",
            "",
            f"Baseline: {result.baseline}",
            "",
            "| metric | configrules | baseline | ratio | goal | met |",
            "| --- | ---: | ---: | ---: | --- | --- |",
        ]
        for row in result.rows:
            goal = f"{row.goal[0]} {row.goal[1]}x" if row.goal else ""
            met = {True: "yes", False: "**no**", None: ""}[row.met]
            ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "—"
            metric = row.metric + (f" ({row.note})" if row.note else "")
            lines.append(
                f"| {metric} | {_format(row.configrules, row.unit)} | "
                f"{_format(row.baseline, row.unit)} | {ratio} | {goal} | {met} |"
            )
        lines.append("")
    return "\n".join(lines)


#: Runs a module as ``python -m`` does, then reports its peak RSS on stderr.
_MEASURED_MODULE = """
import atexit, runpy, sys
sys.path.insert(0, {here!r})
from _harness import peak_rss_mb
atexit.register(lambda: sys.stderr.write(f"\\nPEAK_RSS_MB {{peak_rss_mb()}}\\n"))
module, sys.argv = sys.argv[1], sys.argv[1:]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def measured_module(module: str, *args: str) -> list[str]:
    """argv running ``python -m module args`` that reports its own peak RSS."""
    return [sys.executable, "-c", _MEASURED_MODULE.format(here=str(HERE)), module, *args]


def run_command(argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> ProcessRun:
    """Run a command with its output discarded: wall time, and the peak RSS it
    reports on stderr (see :func:`measured_module`)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(argv),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else None,
    )
    assert process.stderr is not None
    err = process.stderr.read()
    process.wait()
    seconds = time.perf_counter() - started
    text = err.decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{argv[:4]} failed with {process.returncode}:\n{text}")
    peaks = [line.split()[1] for line in text.splitlines() if line.startswith("PEAK_RSS_MB ")]
    return ProcessRun(seconds, float(peaks[-1]) if peaks else 0.0, text)
