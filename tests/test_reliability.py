"""Reliability: randomised fault mixes, malformed requests, and timeouts on every request.

The invariants, checked after every schedule of faults:

* every evaluation is either stored exactly once (it travelled in exactly
  one accepted PutEvaluations call) or listed in the SubmissionError as not
  delivered, never both, never neither;
* DeleteMode goes only on the final batch, only after every other batch was
  accepted, and is never accepted when anything failed;
* the whole submission stays within the deadline (plus one read timeout: no
  attempt starts after the deadline, one may be in flight);
* no batch is attempted more than ``max_attempts`` times.

The default session runs ``SCHEDULES`` seeded schedules; ``nox -s fuzz``
(``CONFIGRULES_FUZZ_EXAMPLES``) runs many more.
"""

from __future__ import annotations

import json
import os
import random
import socket
import time
from collections import Counter
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configrules import Compliance, ConfigClient, Evaluation, SubmissionError
from configrules._client import RetryPolicy
from configrules._credentials import Credentials

from .test_emulator import put_params, signed_post

SCHEDULES = 25 if not os.environ.get("CONFIGRULES_FUZZ_EXAMPLES") else 400
READ_TIMEOUT = 0.15
MAX_ATTEMPTS = 4


def _evaluations(count: int, seed: int) -> list[Evaluation]:
    return [
        Evaluation(
            rule_name="mix",
            resource_id=f"r-{seed}-{index}",
            resource_type="ACS::ECS::Instance",
            region_id="cn-hangzhou",
            compliance=Compliance.NON_COMPLIANT,
            annotation=f"{index}",
            ordering_timestamp=1709190540000,
        )
        for index in range(count)
    ]


def _ids_in(params: dict[str, str]) -> list[str]:
    return [e["complianceResourceId"] for e in json.loads(params.get("Evaluations", "[]"))]


def _schedule_faults(emulator: Any, rng: random.Random, sent: list[Evaluation]) -> list[str]:
    """Add a random mix of faults; returns a description for failure messages."""
    described = []
    for _ in range(rng.randint(0, 6)):
        kind = rng.choice(
            ["503", "throttle", "500", "drop", "reset", "slow", "doomed-batch", "fatal"]
        )
        times = rng.randint(1, 3)
        if kind == "503":
            emulator.faults.error("ServiceUnavailable", 503, times=times)
        elif kind == "throttle":
            emulator.faults.error("Throttling.User", 400, times=times)
        elif kind == "500":
            emulator.faults.error("InternalError", 500, times=times)
        elif kind == "drop":
            emulator.faults.drop(times=times)
        elif kind == "reset":
            emulator.faults.reset(times=times)
        elif kind == "slow":
            # Slower than the read timeout, and never applied: a request that
            # *was* applied after the client gave up is the one case no client
            # can tell from a failure (see docs/reliability.md).
            emulator.faults.drop(after=READ_TIMEOUT * 3, times=1)
        elif kind == "doomed-batch" and sent:
            marker = f'"complianceResourceId":"{rng.choice(sent).resource_id}"'
            emulator.faults.error(
                "ServiceUnavailable",
                503,
                times=None,
                when=lambda params, marker=marker: marker in params.get("Evaluations", ""),
            )
        elif kind == "fatal" and rng.random() < 0.3:
            emulator.faults.error("NoPermission", 400, times=1)
        described.append(f"{kind}x{times}")
    return described


def _check_invariants(
    emulator: Any,
    sent: list[Evaluation],
    token: str,
    delete_mode: bool,
    error: SubmissionError | None,
    elapsed: float,
    deadline: float,
) -> None:
    # Only this run's requests: a slow handler of an earlier test may record late.
    puts = [
        r
        for r in emulator.requests
        if r.action == "PutEvaluations" and r.params.get("ResultToken") == token
    ]
    accepted = [r for r in puts if r.status == 200]
    carried = Counter(i for r in accepted for i in _ids_in(r.params))
    undelivered = {e.resource_id for e in error.undelivered} if error else set()
    every = {e.resource_id for e in sent}

    # Exactly once, or listed: never both, never neither.
    assert all(count == 1 for count in carried.values()), "an evaluation was stored twice"
    assert set(carried).isdisjoint(undelivered), "both stored and listed undelivered"
    assert set(carried) | undelivered == every, "an evaluation was lost"
    stored = {s.evaluation["complianceResourceId"] for s in emulator.evaluations(token=token)}
    if not delete_mode or error:
        assert stored == set(carried)
    if error:
        assert error.delivered + len(error.undelivered) == len(sent)
        assert len(error.undelivered) == len(undelivered), "an evaluation listed twice"

    # DeleteMode: only on the final batch, only once every other batch was
    # accepted, never accepted when anything failed.
    with_delete = [r for r in puts if r.params.get("DeleteMode") == "true"]
    if not delete_mode:
        assert not with_delete
    if with_delete:
        first = puts.index(with_delete[0])
        earlier = {i for r in puts[:first] if r.status == 200 for i in _ids_in(r.params)}
        assert earlier | set(_ids_in(with_delete[0].params)) == every, (
            "DeleteMode sent before every other batch was accepted"
        )
    if error:
        assert not [r for r in with_delete if r.status == 200], "DeleteMode accepted on failure"
    elif delete_mode and sent:
        # Accepted once, as the last accepted call (a timed-out attempt may be
        # recorded later than the retry that was accepted).
        assert [r for r in with_delete if r.status == 200] == [accepted[-1]]

    # Bounded: time and attempts.
    assert elapsed <= deadline + READ_TIMEOUT + 1.0, f"{elapsed:.2f}s past a {deadline}s deadline"
    attempts = Counter(_ids_in(r.params)[0] for r in puts if _ids_in(r.params))
    assert max(attempts.values(), default=0) <= MAX_ATTEMPTS


@pytest.mark.parametrize("seed", range(SCHEDULES))
def test_randomised_fault_mix_loses_nothing(emulator: Any, seed: int) -> None:
    rng = random.Random(seed)
    sent = _evaluations(rng.choice([0, 1, 99, 100, 101, 250, 420]), seed)
    delete_mode = rng.random() < 0.5
    deadline = rng.choice([0.5, 2.0, 10.0])
    described = _schedule_faults(emulator, rng, sent)
    token = emulator.issue_result_token(f"mix-{seed}")
    client = ConfigClient(
        Credentials("testid", "testsecret"),
        endpoint=emulator.endpoint,
        max_workers=rng.choice([1, 2, 4]),
        read_timeout=READ_TIMEOUT,
        retry=RetryPolicy(
            max_attempts=MAX_ATTEMPTS, base_delay=0.001, max_delay=0.01, deadline=deadline
        ),
        rng=random.Random(seed),
    )
    error: SubmissionError | None = None
    started = time.monotonic()
    with client:
        try:
            result = client.put_evaluations(token, sent, delete_mode=delete_mode)
        except SubmissionError as exc:
            error = exc
        else:
            assert result.sent == len(sent)
    elapsed = time.monotonic() - started
    if any(d.startswith("slow") for d in described):
        time.sleep(READ_TIMEOUT * 3)  # let the slow handler notice its client left
    try:
        _check_invariants(emulator, sent, token, delete_mode, error, elapsed, deadline)
    except AssertionError as failure:
        raise AssertionError(f"seed {seed}, faults {described}: {failure}") from None


# --- the emulator under malformed requests -----------------------------------


def _v3_tampers() -> list[tuple[str, Any]]:
    def header(name: str) -> Any:
        def tamper(q: Any, h: dict[str, str], b: bytes) -> Any:
            value = h[name]
            return q, {**h, name: value[:-1] + ("0" if value[-1] != "0" else "1")}, b

        return tamper

    def authorization(part: str) -> Any:
        def tamper(q: Any, h: dict[str, str], b: bytes) -> Any:
            value = h["Authorization"]
            start = value.index(part + "=") + len(part) + 1
            return q, {**h, "Authorization": value[:start] + "Z" + value[start + 1 :]}, b

        return tamper

    tampers = [
        (f"header {name}", header(name))
        for name in (
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-content-sha256",
            "x-acs-version",
        )
    ]
    tampers += [
        (f"authorization {part}", authorization(part))
        for part in ("Credential", "SignedHeaders", "Signature")
    ]
    tampers += [
        ("body", lambda q, h, b: (q, h, b.replace(b"tok", b"tak"))),
        ("algorithm", lambda q, h, b: (q, {**h, "Authorization": h["Authorization"].replace("ACS3-HMAC-SHA256", "ACS3-HMAC-SHA1")}, b)),
        ("no authorization", lambda q, h, b: (q, {k: v for k, v in h.items() if k != "Authorization"}, b)),
        ("no date", lambda q, h, b: (q, {k: v for k, v in h.items() if k != "x-acs-date"}, b)),
        ("no nonce", lambda q, h, b: (q, {k: v for k, v in h.items() if k != "x-acs-signature-nonce"}, b)),
        ("no content hash", lambda q, h, b: (q, {k: v for k, v in h.items() if k != "x-acs-content-sha256"}, b)),
    ]  # fmt: skip
    return tampers


def _v2_tampers() -> list[tuple[str, Any]]:
    def param(name: str) -> Any:
        def tamper(q: dict[str, str], h: Any, b: bytes) -> Any:
            value = q[name]
            return {**q, name: value[:-1] + ("0" if value[-1] != "0" else "1")}, h, b

        return tamper

    def without(name: str) -> Any:
        return lambda q, h, b: ({k: v for k, v in q.items() if k != name}, h, b)

    names = (
        "AccessKeyId",
        "SignatureNonce",
        "Timestamp",
        "Signature",
        "Format",
        "SignatureVersion",
    )
    return (
        [(f"param {n}", param(n)) for n in names]
        + [(f"no {n}", without(n)) for n in (*names, "SignatureMethod")]
        + [("body", lambda q, h, b: (q, h, b.replace(b"tok", b"tak")))]
    )


@pytest.mark.parametrize(("part", "tamper"), _v3_tampers(), ids=[n for n, _ in _v3_tampers()])
def test_every_part_of_a_v3_signature_is_checked(emulator: Any, part: str, tamper: Any) -> None:
    response = signed_post(emulator, put_params(), tamper=tamper)
    assert 400 <= response.status_code < 500, (part, response.text)
    assert response.json()["Code"]
    assert emulator.evaluations() == []
    assert signed_post(emulator, put_params()).status_code == 200


@pytest.mark.parametrize(("part", "tamper"), _v2_tampers(), ids=[n for n, _ in _v2_tampers()])
def test_every_part_of_a_v2_signature_is_checked(emulator: Any, part: str, tamper: Any) -> None:
    response = signed_post(emulator, put_params(), version="v2", tamper=tamper)
    assert 400 <= response.status_code < 500, (part, response.text)
    assert emulator.evaluations() == []
    assert signed_post(emulator, put_params(), version="v2").status_code == 200


# requests refuses header values with leading or trailing whitespace.
_header_values = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60
).filter(lambda value: value == value.strip())


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    path=st.sampled_from(["/", "/?Action=PutEvaluations", "/x", "/?%zz=1", "/?a=%ff"]),
    content_type=st.sampled_from(
        ["application/x-www-form-urlencoded", "application/json", "text/plain", "", "multipart/form-data"]
    ),
    body=st.one_of(st.binary(max_size=300), st.text(max_size=200).map(str.encode)),
    headers=st.dictionaries(
        st.sampled_from(
            ["Authorization", "x-acs-date", "x-acs-action", "x-acs-version",
             "x-acs-signature-nonce", "x-acs-content-sha256", "x-acs-security-token"]
        ),
        _header_values,
        max_size=5,
    ),
)  # fmt: skip
def test_arbitrary_requests_get_4xx_and_the_emulator_keeps_serving(
    emulator: Any, method: str, path: str, content_type: str, body: bytes, headers: dict[str, str]
) -> None:
    request_headers = dict(headers)
    if content_type:
        request_headers["Content-Type"] = content_type
    response = requests.request(
        method, emulator.endpoint + path, data=body, headers=request_headers, timeout=5
    )
    assert 400 <= response.status_code < 500, response.text
    assert "Code" in response.json()
    assert emulator.evaluations() == []


def test_huge_and_lying_bodies_are_refused_and_the_emulator_keeps_serving(emulator: Any) -> None:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as raw:
        raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n")
        assert b" 413 " in raw.recv(1000)
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as raw:
        raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        assert b" 411 " in raw.recv(1000)
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as raw:
        raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
        assert b" 400 " in raw.recv(1000)
    assert signed_post(emulator, put_params()).status_code == 200


# --- transport: every request has timeouts, no redirects, verification on ---


class RecordingSession(requests.Session):
    """A real Session that notes the options of every request it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.calls.append({"method": method, "url": url, **kwargs})
        return super().request(method, url, *args, **kwargs)


def test_every_request_has_timeouts_and_follows_no_redirect(emulator: Any) -> None:
    from configrules import Resource

    emulator.add_resources(
        [
            Resource(
                id="i-1", type="ACS::ECS::Instance", region_id="cn-hangzhou", configuration={"a": 1}
            )
        ]
    )
    session = RecordingSession()
    client = ConfigClient(
        Credentials("testid", "testsecret"),
        endpoint=emulator.endpoint,
        session=session,
        connect_timeout=1.5,
        read_timeout=7.0,
    )
    client.put_evaluations("tok", _evaluations(150, 0))
    list(client.list_discovered_resources(["ACS::ECS::Instance"]))
    client.get_discovered_resource("i-1", "ACS::ECS::Instance", "cn-hangzhou")
    assert len(session.calls) == 4
    for call in session.calls:
        assert call["timeout"] == (1.5, 7.0)
        assert call["allow_redirects"] is False
        assert call["verify"] is True
