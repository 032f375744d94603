"""4. Memory at scale: peak RSS growth of a periodic run must not grow with the inventory.

Each size runs in a fresh process (see memory_child.py) against an emulator
in another process; growth is the peak RSS after the run minus the peak after
a warm-up run.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from _harness import HERE, Result, Row, child_env, emulator_process, run_process


def run(*, sizes: Sequence[int] = (100_000, 1_000_000)) -> Result:
    rows = []
    growth: dict[int, float] = {}
    with emulator_process() as endpoint:
        for size in sizes:
            process = run_process(
                [sys.executable, str(HERE / "memory_child.py"), str(size), endpoint],
                env=child_env(PYTHONPATH=str(HERE)),
            )
            report = json.loads(process.stdout.strip().splitlines()[-1])
            assert report["submitted"] == size and report["delete_mode"], report
            growth[size] = report["peak_rss_mb"] - report["baseline_mb"]
            rows.append(
                Row(
                    f"peak RSS growth at {size:,} resources",
                    growth[size],
                    None,
                    "MiB",
                    note=f"{report['calls']:,} PutEvaluations calls, {process.seconds:.0f} s",
                )
            )
    largest = max(sizes)
    rows.append(
        Row(
            f"growth at {largest:,} vs 50 MiB budget",
            growth[largest],
            50.0,
            "MiB",
            ("<=", 1.0),
        )
    )
    return Result(
        name="Memory at scale: a periodic run with enumeration",
        baseline="the 50 MiB growth budget; growth = peak RSS after the run minus after a warm-up run",
        rows=rows,
    )
