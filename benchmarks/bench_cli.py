"""5. CLI: `configrules run` over a JSON Lines export of 1,000,000 items.

Throughput (items/s) and peak RSS of the command, streaming, against a
hand-written script that does the same checks and prints the same JSON lines.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from _harness import HERE, Result, Row, child_env, measured_module, run_command
from _workload import items


def run(*, count: int = 1_000_000) -> Result:
    with tempfile.TemporaryDirectory(prefix="configrules-bench-") as temporary:
        export = Path(temporary) / "export.jsonl"
        with export.open("w", encoding="utf-8") as handle:
            for configuration_item in items(count):
                handle.write(json.dumps(configuration_item) + "\n")
        size_mb = export.stat().st_size / 2**20
        env = child_env(PYTHONPATH=str(HERE))
        ours = run_command(
            measured_module(
                "configrules.cli", "run", "_workload:ecs_no_public_ip", str(export),
                "--format", "jsonl",
            ),
            env=env,
        )  # fmt: skip
        hand = run_command(measured_module("cli_baseline", str(export)), env=env)
    return Result(
        name=f"CLI: `configrules run` over a {count:,}-line JSONL export ({size_mb:,.0f} MiB)",
        baseline="a hand-written script reading the export line by line with the samples-style loop",
        rows=[
            Row("throughput", count / ours.seconds, count / hand.seconds, "items/s"),
            Row("peak RSS", ours.peak_rss_mb, hand.peak_rss_mb, "MiB"),
        ],
    )
