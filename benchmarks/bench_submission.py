"""3. Submission: 10,000 evaluations to the emulator with 20 ms latency per call.

configrules' ConfigClient (batches of 100, 4 concurrent calls over kept-alive
connections) versus the official SDK sending the same batches one after
another, as a samples-style function would. Both must leave identical stored
evaluations in the emulator.

The emulator runs in its own process, as the real endpoint does: in the
measuring process, its request handling would take the GIL from the client's
concurrent calls (and not from the sequential SDK's), which no real deployment
sees. Each run uses a fresh result token, so runs never overwrite each other.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.request
from typing import Any

from _harness import Result, Row, emulator_process, median

BATCH = 100


def _evaluations(count: int) -> list[Any]:
    from configrules import Compliance, Evaluation

    return [
        Evaluation(
            rule_name="bench",
            resource_id=f"i-{index:08d}",
            resource_type="ACS::ECS::Instance",
            region_id="cn-hangzhou",
            compliance=Compliance.NON_COMPLIANT if index % 3 else Compliance.COMPLIANT,
            annotation=f"evaluation {index}",
            ordering_timestamp=1709190540000 + index,
            account_id="1698272328540000",
        )
        for index in range(count)
    ]


def _stored(endpoint: str, token: str) -> list[str]:
    """The evaluations stored with ``token`` (its own rule), as sorted JSON texts."""
    with urllib.request.urlopen(f"{endpoint}/_emulator/evaluations", timeout=30) as answer:
        stored = json.load(answer)["Evaluations"]
    return sorted(
        json.dumps({k: v for k, v in e.items() if k != "rule"}, sort_keys=True)
        for e in stored
        if e["rule"] == token
    )


def _sequential_calls(port: int, calls: int, *, keep_alive: bool) -> float:
    """Seconds for ``calls`` sequential requests, on one connection or one each."""
    import http.client

    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    for _ in range(calls):
        if not keep_alive:
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/_emulator/requests")
        response = connection.getresponse()
        response.read()
        assert response.status == 200
    connection.close()
    return time.perf_counter() - started


def run(*, count: int = 10_000, latency: float = 0.020, repeats: int = 3) -> Result:
    from alibabacloud_config20200907 import models as config_models
    from alibabacloud_config20200907.client import Client
    from alibabacloud_tea_openapi import models as open_api_models

    from configrules import ConfigClient
    from configrules._credentials import Credentials

    evaluations = _evaluations(count)
    wire = [e.to_api() for e in evaluations]
    ours_times: list[float] = []
    sdk_times: list[float] = []
    tokens = (f"bench-run-{n}" for n in itertools.count())
    with emulator_process(latency) as endpoint:
        host = endpoint.split("://", 1)[1]

        def ours(token: str) -> None:
            with ConfigClient(Credentials("benchid", "benchsecret"), endpoint=endpoint) as client:
                result = client.put_evaluations(token, evaluations)
            assert result.sent == count

        def sdk(token: str) -> None:
            client = Client(
                open_api_models.Config(
                    access_key_id="benchid",
                    access_key_secret="benchsecret",
                    endpoint=host,
                    protocol="http",
                )
            )
            for start in range(0, count, BATCH):
                client.put_evaluations(
                    config_models.PutEvaluationsRequest(
                        result_token=token, evaluations=json.dumps(wire[start : start + BATCH])
                    )
                )

        stored: dict[str, list[str]] = {}
        for _ in range(repeats):  # alternate the sides against drift
            for name, side, times in (("configrules", ours, ours_times), ("sdk", sdk, sdk_times)):
                token = next(tokens)
                started = time.perf_counter()
                side(token)
                times.append(time.perf_counter() - started)
                stored[name] = _stored(endpoint, token)
        assert len(stored["configrules"]) == count
        assert stored["configrules"] == stored["sdk"], (
            "the two clients stored different evaluations"
        )

        # The emulator answers in one write with TCP_NODELAY; a regression to
        # two writes would stall every kept-alive call on Nagle + delayed ACK
        # (about 40 ms), making keep-alive far slower than fresh connections.
        port = int(host.rsplit(":", 1)[1])
        calls = max(10, count // 100)
        kept = median([_sequential_calls(port, calls, keep_alive=True) for _ in range(3)])
        fresh = median([_sequential_calls(port, calls, keep_alive=False) for _ in range(3)])

    ours_s, sdk_s = median(ours_times), median(sdk_times)
    return Result(
        name=f"Submission: {count:,} evaluations, {latency * 1000:.0f} ms latency per call",
        baseline=(
            f"the official SDK sending the same {BATCH}-evaluation batches one after another; "
            f"identical stored evaluations verified; median of {repeats} alternating runs"
        ),
        rows=[
            Row("time", ours_s, sdk_s, "s"),
            Row("speed-up (SDK time / configrules time)", sdk_s / ours_s, 1.0, "x", (">=", 3.0)),
            Row(
                f"emulator: {calls} sequential calls kept alive vs a connection each",
                kept * 1000,
                fresh * 1000,
                "ms",
                ("<=", 1.0),
            ),
        ],
    )
