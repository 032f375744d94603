"""Child process of bench_memory: one periodic run over N generated resources.

Discovery (ListDiscoveredResources pages, GetDiscoveredResource per resource)
is answered by a generator in this process: a million HTTP round trips would
take most of an hour and measure the emulator, not configrules. Everything
after discovery is the production code path: run_invocation, the engine, and
PutEvaluations over real HTTP to the emulator in another process.

Prints one JSON line: baseline and peak RSS (MiB), and what was submitted.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from _workload import ecs_no_public_ip, item

from configrules import ConfigClient, Resource
from configrules._credentials import Credentials
from configrules._events import parse_event, resource_from_item
from configrules._runtime import run_invocation


def instance_index(n: int) -> int:
    """The n-th index of _workload.item that is an ECS instance (4 in every 5)."""
    return (n // 4) * 5 + n % 4


class GeneratedInventory(ConfigClient):
    """A ConfigClient whose discovery answers come from a generator."""

    def __init__(self, count: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.count = count

    def list_discovered_resources(
        self, resource_types: Sequence[str], **kwargs: Any
    ) -> Iterator[Resource]:
        for n in range(self.count):
            full = item(instance_index(n))
            yield Resource(
                id=full["resourceId"], type=full["resourceType"], region_id="cn-hangzhou"
            )

    def get_discovered_resource(
        self, resource_id: str, resource_type: str, region: str
    ) -> Resource:
        return resource_from_item(item(int(resource_id[2:])))


def periodic(token: str) -> Any:
    return parse_event(
        {
            "invokingEvent": {
                "messageType": "ScheduledNotification",
                "notificationCreationTimestamp": 1709190540000,
            },
            "ruleParameters": {},
            "resultToken": token,
            "orderingTimestamp": 1709190540000,
        }
    )


def peak_mb() -> float:
    from _harness import peak_rss_mb

    return peak_rss_mb()


def main() -> None:
    count, endpoint = int(sys.argv[1]), sys.argv[2]
    credentials = Credentials("benchid", "benchsecret")
    # Warm up every code path (threads, sessions, caches) before the baseline.
    with GeneratedInventory(2_000, credentials=credentials, endpoint=endpoint) as client:
        run_invocation(ecs_no_public_ip, periodic("warm-up"), client)
    baseline = peak_mb()
    with GeneratedInventory(count, credentials=credentials, endpoint=endpoint) as client:
        result = run_invocation(ecs_no_public_ip, periodic("measured"), client)
    assert result.submitted == count, result
    print(
        json.dumps(
            {
                "baseline_mb": baseline,
                "peak_rss_mb": peak_mb(),
                "submitted": result.submitted,
                "calls": result.calls,
                "delete_mode": result.delete_mode,
            }
        )
    )


if __name__ == "__main__":
    main()
