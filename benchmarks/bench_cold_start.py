"""1. Cold start: a fresh process handling one change event, configrules vs the official SDK.

Both processes read the same event, evaluate the same rule and submit to the
same emulator, started beforehand in this process. Runs alternate so drift in
the machine's load hits both sides alike.
"""

from __future__ import annotations

import json
import sys

from _harness import EXAMPLE_EVENTS, HERE, Result, Row, child_env, median, run_process

RULE = "configrules_example_rules.ecs:ecs_instance_no_public_ip"


def run(*, runs: int = 11) -> Result:
    from configrules.emulator import ConfigEmulator

    event = (EXAMPLE_EVENTS / "ecs-instance-public-ip.json").read_bytes()
    sides = {
        "configrules": HERE / "cold" / "configrules_function.py",
        "sdk": HERE / "cold" / "sdk_function.py",
    }
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in sides}
    with ConfigEmulator({"benchid": "benchsecret"}) as emulator:
        env = child_env(
            ALIBABA_CLOUD_ACCESS_KEY_ID="benchid",
            ALIBABA_CLOUD_ACCESS_KEY_SECRET="benchsecret",
            CONFIGRULES_ENDPOINT=emulator.endpoint,
            CONFIGRULES_RULE=RULE,
        )
        for _ in range(runs):
            for name, script in sides.items():
                process = run_process([sys.executable, str(script)], env=env, stdin=event)
                report = json.loads(process.stdout.strip().splitlines()[-1])
                samples[name].append(
                    (process.seconds * 1000, report["import_ms"], process.peak_rss_mb)
                )
        accepted = [
            r for r in emulator.requests if r.action == "PutEvaluations" and r.status == 200
        ]
        stored = emulator.evaluations()
    # Every run of both sides was accepted, and they stored the same verdict.
    assert len(accepted) == 2 * runs, len(accepted)
    assert len({(s.evaluation["complianceType"], s.evaluation["annotation"]) for s in stored}) == 1

    def med(name: str, index: int) -> float:
        return median([sample[index] for sample in samples[name]])

    return Result(
        name="Cold start: one change event in a fresh process",
        baseline=(
            "the same rule written as the official samples do, submitting with the "
            f"official SDK (alibabacloud-config20200907); median of {runs} alternating runs each"
        ),
        rows=[
            Row("process wall time", med("configrules", 0), med("sdk", 0), "ms", ("<=", 0.45)),
            Row("import time", med("configrules", 1), med("sdk", 1), "ms"),
            Row("peak RSS", med("configrules", 2), med("sdk", 2), "MiB"),
        ],
    )
