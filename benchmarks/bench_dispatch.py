"""2. Dispatch: configuration items through rules, configrules.evaluate vs a hand loop.

Both sides start from the same configuration-item dicts (configuration as a
JSON string, as Cloud Config sends it) and end with the PutEvaluations dicts;
the benchmark checks they produce identical dicts before timing anything.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

from _handwritten import hand_evaluate
from _harness import Result, Row, median
from _workload import ecs_no_public_ip, items


def _best_of(repeats: int, function: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return median(times)


def run(*, count: int = 100_000, repeats: int = 5, rules: int = 10) -> Result:
    from configrules import evaluate

    data = list(items(count))
    # Same output, or the comparison means nothing.
    ours = [e.to_api() for e in evaluate(ecs_no_public_ip, data)]
    assert ours == [hand_evaluate(i) for i in data], "configrules and the hand loop disagree"

    def framework_one() -> None:
        for evaluation in evaluate(ecs_no_public_ip, data):
            evaluation.to_api()

    def hand_one() -> None:
        for configuration_item in data:
            hand_evaluate(configuration_item)

    # 10 rules: the framework parses each item once and runs every rule on it;
    # the hand loop, as samples are written one function per rule, handles
    # each item once per rule.
    many = _distinct_rules(rules)

    def framework_rules() -> None:
        for evaluation in evaluate(many, data):
            evaluation.to_api()

    def hand_rules() -> None:
        for configuration_item in data:
            for _ in range(rules):
                hand_evaluate(configuration_item)

    one_ours, one_hand = [], []
    for _ in range(repeats):  # alternate the sides against drift
        one_ours.append(_best_of(1, framework_one))
        one_hand.append(_best_of(1, hand_one))
    many_ours = _best_of(max(1, repeats // 2), framework_rules)
    many_hand = _best_of(max(1, repeats // 2), hand_rules)
    per_item = 1e6 / count
    return Result(
        name=f"Dispatch: {count:,} configuration items",
        baseline=(
            "a hand-written loop in the samples' style doing the same checks and building "
            f"the same dicts (verified identical); median of {repeats} alternating runs"
        ),
        rows=[
            Row(
                "1 rule, per item",
                median(one_ours) * per_item,
                median(one_hand) * per_item,
                "µs",
                ("<=", 1.5),
            ),
            Row(
                f"{rules} rules, per item",
                many_ours * per_item,
                many_hand * per_item,
                "µs",
                ("<=", 1.5),
            ),
        ],
    )


def _distinct_rules(count: int) -> list[Any]:
    """``count`` rules with distinct names and the same check (a rule name is unique)."""
    from configrules import rule

    return [
        rule(ecs_no_public_ip.func, resource_types=["ACS::ECS::Instance"], name=f"no_public_ip_{n}")
        for n in range(count)
    ]
