"""Scriptable faults: what the emulator does wrong, on purpose, and when."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Literal

import attrs

__all__ = ["Fault", "FaultPlan"]

FaultKind = Literal["error", "drop", "reset", "delay"]
Matcher = Callable[[Mapping[str, str]], bool]


@attrs.define
class Fault:
    """One scripted misbehaviour.

    Attributes:
        kind: ``"error"`` answers ``status``/``code``; ``"drop"`` closes the
            connection without answering; ``"reset"`` sends half an answer and
            closes; ``"delay"`` waits ``seconds`` before handling the request
            (a client that gave up by then is not served, and the request has
            no effect, like a gateway that never forwarded it).
        action: the API action it applies to, ``None`` for any.
        times: how many matching requests it affects; ``None`` for all.
        when: an extra predicate over the request parameters.
    """

    kind: FaultKind
    action: str | None = None
    status: int = 503
    code: str = "ServiceUnavailable"
    message: str = "The request has failed due to a temporary failure of the server."
    seconds: float = 0.0
    times: int | None = 1
    when: Matcher | None = None
    fired: int = 0


class FaultPlan:
    """The faults an emulator injects, consumed in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._latency: dict[str | None, float] = {}
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        """Schedule ``fault``; returns it (its ``fired`` count is live)."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def error(
        self,
        code: str,
        status: int = 400,
        *,
        action: str | None = "PutEvaluations",
        times: int | None = 1,
        message: str | None = None,
        when: Matcher | None = None,
    ) -> Fault:
        """Answer the next ``times`` matching requests with an Alibaba error."""
        return self.add(
            Fault(
                "error",
                action,
                status=status,
                code=code,
                message=message or f"Injected {code}.",
                times=times,
                when=when,
            )
        )

    def drop(
        self,
        *,
        action: str | None = "PutEvaluations",
        times: int | None = 1,
        when: Matcher | None = None,
        after: float = 0.0,
    ) -> Fault:
        """Close the connection without answering (after ``after`` seconds).

        The request is never applied. With ``after`` longer than the client's
        read timeout, this is an answer too slow to wait for that, unlike
        :meth:`delay`, certainly had no effect.
        """
        return self.add(Fault("drop", action, seconds=after, times=times, when=when))

    def reset(
        self,
        *,
        action: str | None = "PutEvaluations",
        times: int | None = 1,
        when: Matcher | None = None,
    ) -> Fault:
        """Send part of an answer, then close the connection (request not applied)."""
        return self.add(Fault("reset", action, times=times, when=when))

    def delay(
        self,
        seconds: float,
        *,
        action: str | None = "PutEvaluations",
        times: int | None = 1,
        when: Matcher | None = None,
    ) -> Fault:
        """Wait before handling the next ``times`` matching requests."""
        return self.add(Fault("delay", action, seconds=seconds, times=times, when=when))

    def latency(self, seconds: float, *, action: str | None = None) -> None:
        """Add ``seconds`` to every call of ``action`` (``None``: every action)."""
        with self._lock:
            self._latency[action] = seconds

    def clear(self) -> None:
        """Remove every fault and latency."""
        with self._lock:
            self._faults.clear()
            self._latency.clear()

    def latency_for(self, action: str) -> float:
        with self._lock:
            return self._latency.get(action, self._latency.get(None, 0.0))

    def next_fault(self, action: str, params: Mapping[str, str]) -> Fault | None:
        """The first pending fault matching this request (and count it as fired)."""
        with self._lock:
            for fault in self._faults:
                if fault.action not in (None, action):
                    continue
                if fault.times is not None and fault.fired >= fault.times:
                    continue
                if fault.when is not None and not fault.when(params):
                    continue
                fault.fired += 1
                return fault
        return None
