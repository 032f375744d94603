"""Run the benchmarks; print a markdown table and write it to a file.

    python benchmarks/run.py                      # full sizes (nox -s bench)
    python benchmarks/run.py --smoke              # tiny sizes: proves they still run
    python benchmarks/run.py --only dispatch,cli  # a subset

Every figure is a ratio against a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_cli
import bench_cold_start
import bench_dispatch
import bench_memory
import bench_submission
from _harness import Result, machine, markdown

#: name -> (full run, smoke run)
BENCHMARKS: dict[str, tuple[Callable[[], Result], Callable[[], Result]]] = {
    "cold-start": (
        lambda: bench_cold_start.run(runs=11),
        lambda: bench_cold_start.run(runs=1),
    ),
    "dispatch": (
        lambda: bench_dispatch.run(count=100_000, repeats=5, rules=10),
        lambda: bench_dispatch.run(count=200, repeats=1, rules=2),
    ),
    "submission": (
        lambda: bench_submission.run(count=10_000, latency=0.020, repeats=3),
        lambda: bench_submission.run(count=300, latency=0.001, repeats=1),
    ),
    "memory": (
        lambda: bench_memory.run(sizes=(100_000, 1_000_000)),
        lambda: bench_memory.run(sizes=(300, 600)),
    ),
    "cli": (
        lambda: bench_cli.run(count=1_000_000),
        lambda: bench_cli.run(count=300),
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for the test suite")
    parser.add_argument("--only", help="comma-separated subset of: " + ", ".join(BENCHMARKS))
    parser.add_argument("--output", type=Path, help="also write the markdown here")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    results = []
    for name in names:
        full, smoke = BENCHMARKS[name]
        print(f"running {name}...", file=sys.stderr, flush=True)
        results.append((smoke if args.smoke else full)())
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"## Results{' (smoke sizes: not meaningful)' if args.smoke else ''}\n\n{when}; {machine()}"
    )
    text = markdown(results, header=header)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    missed = [row.metric for result in results for row in result.rows if row.met is False]
    if missed and not args.smoke:
        print(f"goals missed: {'; '.join(missed)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
