"""One invocation end to end: event -> resources -> evaluations -> PutEvaluations.

Guarantees (documented in "Deploying to Function Compute"):

* Invalid event or parameters: nothing is submitted; ``EventError`` /
  ``ParameterError`` is raised.
* A rule that raises for some resources: every other verdict is submitted,
  then ``RuleExecutionError`` lists the failures (unless the rule asked for
  ``INSUFFICIENT_DATA`` instead).
* Submission that fails after retries: ``SubmissionError`` says how many
  evaluations were not delivered and why; ``DeleteMode`` is then never sent.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import attrs

from ._client import ConfigClient, SubmitResult
from ._engine import Adjuster, Evaluator
from ._models import Compliance, Evaluation, Resource, RuleEvent
from ._redact import mask
from ._rules import Rule
from .errors import ApiError, EventError, RuleExecutionError

__all__ = ["InvocationResult", "enumerate_resources", "run_invocation"]

log = logging.getLogger("configrules.runtime")


@attrs.frozen
class InvocationResult:
    """What one invocation did; ``to_dict()`` is the handler's return value.

    Attributes:
        rule: the rule's name.
        message_type: the event's message type.
        submitted: evaluations accepted by Cloud Config.
        counts: compliance value -> number of evaluations submitted.
        calls: ``PutEvaluations`` calls accepted.
        attempts: HTTP attempts made for them, retries included.
        delete_mode: whether ``DeleteMode=true`` was sent.
        duration_ms: wall time of the invocation.
        request_ids: RequestIds of the accepted calls.
    """

    rule: str
    message_type: str
    submitted: int
    counts: dict[str, int]
    calls: int
    attempts: int
    delete_mode: bool
    duration_ms: int
    request_ids: list[str] = attrs.field(factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A small JSON-able summary."""
        return {
            "rule": self.rule,
            "messageType": self.message_type,
            "evaluations": self.submitted,
            "counts": dict(self.counts),
            "calls": self.calls,
            "attempts": self.attempts,
            "deleteMode": self.delete_mode,
            "durationMs": self.duration_ms,
        }


def enumerate_resources(
    client: ConfigClient,
    resource_types: Sequence[str],
    *,
    fetch_workers: int = 4,
    page_size: int = 100,
) -> Iterator[Resource]:
    """Every resource of the given types with its configuration, streamed.

    Profiles come page by page from ``ListDiscoveredResources``; each
    configuration is fetched with ``GetDiscoveredResource``, at most
    ``fetch_workers`` at a time and ``2 * fetch_workers`` held in memory.
    A resource deleted between the two calls (``ResourceNotExists``) is skipped.
    """
    profiles = client.list_discovered_resources(resource_types, page_size=page_size)

    def fetch(profile: Resource) -> Resource | None:
        try:
            return client.get_discovered_resource(profile.id, profile.type, profile.region_id)
        except ApiError as exc:
            if exc.code in ("ResourceNotExists", "ResourceNotExist"):
                return None
            raise

    window: deque[Future[Resource | None]] = deque()
    with ThreadPoolExecutor(fetch_workers, thread_name_prefix="configrules-fetch") as pool:
        for profile in profiles:
            window.append(pool.submit(fetch, profile))
            if len(window) >= 2 * fetch_workers:
                fetched = window.popleft().result()
                if fetched is not None:
                    yield fetched
        while window:
            fetched = window.popleft().result()
            if fetched is not None:
                yield fetched


def _resources_of(
    rule: Rule, event: RuleEvent, client: ConfigClient, fetch_workers: int
) -> Iterable[Resource]:
    resource = event.resource
    if resource is None:
        if event.is_change:
            raise EventError(
                "invokingEvent.configurationItem",
                f"is required for {event.message_type} (only scheduled runs may omit it)",
            )
        return enumerate_resources(client, rule.resource_types, fetch_workers=fetch_workers)
    if event.is_oversize and rule.in_scope(resource.type):
        # The event could not carry the configuration: fetch it, keep the rest.
        full = client.get_discovered_resource(resource.id, resource.type, resource.region_id)
        resource = attrs.evolve(resource, configuration=full.configuration)
    return [resource]


def _counted(evaluations: Iterable[Evaluation], counts: Counter[str]) -> Iterator[Evaluation]:
    for evaluation in evaluations:
        counts[evaluation.compliance.value] += 1
        yield evaluation


def run_invocation(
    rule: Rule,
    event: RuleEvent,
    client: ConfigClient,
    *,
    adjusters: Sequence[Adjuster] = (),
    fetch_workers: int = 4,
) -> InvocationResult:
    """Evaluate the event's resource(s) with ``rule`` and submit the verdicts.

    Raises:
        EventError, ParameterError: before anything is submitted.
        SubmissionError: when evaluations could not be delivered.
        RuleExecutionError: after submitting, when the rule failed for some
            resources (under the default ``on_error="raise"`` policy).
    """
    started = time.monotonic()
    evaluator = Evaluator(rule, event=event, adjusters=adjusters, single_resource=event.is_change)
    resources = _resources_of(rule, event, client, fetch_workers)
    counts: Counter[str] = Counter()
    outcome = "error"
    submitted: SubmitResult | None = None
    try:
        submitted = client.put_evaluations(
            event.result_token,
            _counted(evaluator.evaluate(resources), counts),
            delete_mode=event.is_periodic,
        )
        failures = evaluator.raising_failures
        if failures:
            raise RuleExecutionError.from_failures(failures)
        outcome = "ok"
    finally:
        duration_ms = int((time.monotonic() - started) * 1000)
        log.info(
            "%s",
            json.dumps(
                {
                    "event": "configrules.invocation",
                    "outcome": outcome,
                    "rule": rule.name,
                    "messageType": event.message_type,
                    "resultToken": mask(event.result_token),
                    "evaluated": evaluator.evaluated,
                    "counts": {c.value: counts[c.value] for c in Compliance if counts[c.value]},
                    "failures": len(evaluator.failures),
                    "calls": submitted.calls if submitted else None,
                    "durationMs": duration_ms,
                },
                separators=(",", ":"),
            ),
        )
    return InvocationResult(
        rule=rule.name,
        message_type=event.message_type,
        submitted=submitted.sent,
        counts=dict(counts),
        calls=submitted.calls,
        attempts=submitted.attempts,
        delete_mode=submitted.delete_mode,
        duration_ms=duration_ms,
        request_ids=list(submitted.request_ids),
    )
