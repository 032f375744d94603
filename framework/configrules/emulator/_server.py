"""The emulator's HTTP server: authentication, validation, actions, faults, inspection."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .._models import Compliance, Resource
from .._signing import (
    V3_ALGORITHM,
    hash_payload,
    parse_v3_authorization,
    v2_signature,
    v3_signature,
)
from ._faults import Fault, FaultPlan
from ._state import EmulatorState, RecordedRequest, StoredEvaluation, resource_to_api

__all__ = ["ConfigEmulator", "EmulatorError"]

API_VERSION = "2020-09-07"
ACTIONS = ("PutEvaluations", "GetDiscoveredResource", "ListDiscoveredResources")
COMPLIANCE_TYPES = frozenset(c.value for c in Compliance)
REQUIRED_EVALUATION_FIELDS = (
    "complianceResourceId",
    "complianceResourceType",
    "complianceRegionId",
    "complianceType",
    "orderingTimestamp",
)
MAX_CLOCK_SKEW_SECONDS = 15 * 60


class EmulatorError(Exception):
    """An error answer: HTTP status, Alibaba code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def _signature_mismatch() -> EmulatorError:
    """The gateway's answer to a signature it computed differently (V3 and V2)."""
    return EmulatorError(
        400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
    )


def _parse_time(value: str) -> float | None:
    try:
        return (
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
        )
    except ValueError:
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "configrules-emulator"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read state, not logs

    def setup(self) -> None:
        super().setup()
        # One write per response plus no Nagle: keep-alive clients never stall.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # --- plumbing -----------------------------------------------------------

    def _send(self, status: int, document: Any, *, close: bool = False) -> None:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        request_id = document.get("RequestId", "") if isinstance(document, dict) else ""
        head = (
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
            f"Server: {self.server_version}\r\n"
            "Content-Type: application/json;charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"x-acs-request-id: {request_id}\r\n"
            + ("Connection: close\r\n" if close else "")
            + "\r\n"
        ).encode("latin-1")
        try:
            self.wfile.write(head + body)
        except OSError:
            pass
        if close:
            self.close_connection = True

    def _error(self, exc: EmulatorError, *, close: bool = False) -> None:
        self._send(
            exc.status,
            {
                "RequestId": _request_id(),
                "Code": exc.code,
                "Message": exc.message,
                "HostId": "config.emulator",
                "Recommend": "",
            },
            close=close,
        )

    def _client_gone(self) -> bool:
        # A client that timed out closes its socket: readable with EOF.
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return bool(self.connection.recv(1, socket.MSG_PEEK) == b"")
        except OSError:
            return True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise EmulatorError(411, "MissingContentLength", "chunked bodies are not supported")
        length_text = self.headers.get("Content-Length", "0") or "0"
        try:
            length = int(length_text)
        except ValueError:
            raise EmulatorError(
                400, "InvalidContentLength", "Content-Length is not a number"
            ) from None
        if length < 0:
            raise EmulatorError(400, "InvalidContentLength", "Content-Length is negative")
        if length > self.server.emulator.max_body_bytes:
            raise EmulatorError(
                413,
                "RequestEntityTooLarge",
                f"body of {length} bytes exceeds {self.server.emulator.max_body_bytes}",
            )
        return self.rfile.read(length) if length else b""

    # --- entry points -------------------------------------------------------

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def _method_not_allowed(self) -> None:
        # Answer like the API (4xx JSON), not with http.server's 501 page.
        self._error(EmulatorError(405, "MethodNotAllowed", f"{self.command} is not supported"))

    do_DELETE = do_PATCH = do_OPTIONS = _method_not_allowed

    def _handle(self, method: str) -> None:
        try:
            body = self._read_body()
        except EmulatorError as exc:
            self._error(exc, close=True)
            return
        parts = urlsplit(self.path)
        if parts.path.startswith("/_emulator/"):
            self._inspect(method, parts.path)
            return
        emulator = self.server.emulator
        params: dict[str, str] = {}
        action, version, scheme = "", "", ""
        try:
            params, action, version = self._parse(method, parts.query, body)
            scheme = emulator._authenticate(
                method, parts.path, parts.query, self.headers, body, params, version
            )
            if action not in ACTIONS:
                raise EmulatorError(
                    404, "InvalidAction.NotFound", f"Specified api {action!r} is not found."
                )
            fault = emulator.faults.next_fault(action, params)
            if fault is not None:
                if fault.kind == "error":
                    recorded = RecordedRequest(action, params, scheme, fault.status, fault.code)
                else:
                    recorded = RecordedRequest(action, params, scheme, 0, f"fault:{fault.kind}")
                if fault.kind != "delay":
                    # Record before answering: a client that has its answer may
                    # look at the requests at once.
                    emulator.state.record(recorded)
                    self._apply_fault(fault)
                    return
                if self._apply_fault(fault):  # the client left during the delay
                    emulator.state.record(recorded)
                    return
            pause = emulator.faults.latency_for(action)
            if pause:
                time.sleep(pause)
            document = emulator._dispatch(action, params)
        except EmulatorError as exc:
            emulator.state.record(RecordedRequest(action, params, scheme, exc.status, exc.code))
            self._error(exc)
            return
        except Exception as exc:  # noqa: BLE001 - the server must keep serving
            emulator.state.record(RecordedRequest(action, params, scheme, 500, "InternalError"))
            self._error(EmulatorError(500, "InternalError", f"emulator bug: {type(exc).__name__}"))
            return
        emulator.state.record(RecordedRequest(action, params, scheme, 200))
        self._send(200, document)

    def _parse(self, method: str, query: str, body: bytes) -> tuple[dict[str, str], str, str]:
        try:
            params = dict(
                parse_qsl(query, keep_blank_values=True, strict_parsing=False, errors="strict")
            )
        except (UnicodeDecodeError, ValueError):
            raise EmulatorError(
                400, "InvalidParameter.Malformed", "query string is not valid UTF-8"
            ) from None
        if body:
            content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if content_type != "application/x-www-form-urlencoded":
                raise EmulatorError(
                    400,
                    "InvalidParameter.ContentType",
                    f"expected application/x-www-form-urlencoded, got {content_type or 'none'!r}",
                )
            try:
                text = body.decode("utf-8")
                params.update(
                    parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
                )
            except (UnicodeDecodeError, ValueError):
                raise EmulatorError(
                    400, "InvalidParameter.Malformed", "form body is malformed"
                ) from None
        headers = self.headers
        action = headers.get("x-acs-action") or params.get("Action", "")
        version = headers.get("x-acs-version") or params.get("Version", "")
        return params, action, version

    def _apply_fault(self, fault: Fault) -> bool:
        """Act out ``fault``; True when the request is finished (no normal answer)."""
        if fault.kind == "error":
            self._error(EmulatorError(fault.status, fault.code, fault.message))
            return True
        if fault.kind == "drop":
            if fault.seconds:
                time.sleep(fault.seconds)
            self.close_connection = True
            self._shutdown()
            return True
        if fault.kind == "reset":
            try:
                self.wfile.write(
                    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"Req'
                )
            except OSError:
                pass
            self.close_connection = True
            self._shutdown()
            return True
        # delay: wait, then serve only a client that is still there.
        deadline = time.monotonic() + fault.seconds
        while time.monotonic() < deadline:
            if self._client_gone():
                self.close_connection = True
                return True
            time.sleep(min(0.01, max(0.0, deadline - time.monotonic())))
        if self._client_gone():
            self.close_connection = True
            return True
        return False

    def _shutdown(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _inspect(self, method: str, path: str) -> None:
        emulator = self.server.emulator
        if method == "GET" and path == "/_emulator/evaluations":
            self._send(
                200,
                {
                    "Evaluations": [
                        {"rule": s.rule, **s.evaluation} for s in emulator.state.evaluations()
                    ]
                },
            )
        elif method == "GET" and path == "/_emulator/requests":
            self._send(
                200,
                {
                    "Requests": [
                        {
                            "action": r.action,
                            "status": r.status,
                            "code": r.code,
                            "signatureVersion": r.signature_version,
                        }
                        for r in list(emulator.state.requests)
                    ]
                },
            )
        elif method == "POST" and path == "/_emulator/reset":
            emulator.reset()
            self._send(200, {"Result": True})
        else:
            self._error(EmulatorError(404, "NotFound", f"no emulator endpoint {method} {path}"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: ConfigEmulator) -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


class ConfigEmulator:
    """A local Cloud Config API: real HTTP, signature checks, stored evaluations, faults.

    Example::

        with ConfigEmulator(credentials={"testid": "testsecret"}) as emu:
            client = ConfigClient(Credentials("testid", "testsecret"), endpoint=emu.endpoint)
            client.put_evaluations(emu.issue_result_token("my-rule"), evaluations)
            emu.evaluations(rule="my-rule")

    Args:
        credentials: access key id -> secret that the emulator accepts.
        security_tokens: access key id -> STS token that key must present.
        inventory: resources for the discovery actions: ``Resource`` objects,
            configuration-item dicts, or a path to a JSON/JSONL file or a directory.
        host: the address to bind; loopback by default.
        port: 0 picks a free port.
        max_body_bytes: larger requests get 413 and the connection is closed.
        max_evaluations_per_call: ``PutEvaluations`` calls with more get 400.
        clock: the emulator's idea of now (epoch seconds) for timestamp checks.
    """

    def __init__(
        self,
        credentials: Mapping[str, str] | None = None,
        *,
        security_tokens: Mapping[str, str] | None = None,
        inventory: Iterable[Resource | Mapping[str, Any]] | str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        max_body_bytes: int = 8 * 1024 * 1024,
        max_evaluations_per_call: int = 100,
        clock: Any = time.time,
    ) -> None:
        self.credentials = dict(
            credentials if credentials is not None else {"testid": "testsecret"}
        )
        self.security_tokens = dict(security_tokens or {})
        self.host = host
        self.port = port
        self.max_body_bytes = max_body_bytes
        self.max_evaluations_per_call = max_evaluations_per_call
        self.clock = clock
        self.state = EmulatorState()
        self.faults = FaultPlan()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if isinstance(inventory, (str, Path)):
            self.state.load_inventory(inventory)
        elif inventory is not None:
            self.state.add_resources(inventory)

    # --- lifecycle ----------------------------------------------------------

    def start(self) -> ConfigEmulator:
        """Bind and serve in a background thread; returns self."""
        if self._server is not None:
            return self
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="configrules-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (used by the CLI)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> ConfigEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>``: give it to ``ConfigClient(endpoint=...)``."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() or use 'with'")
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    # --- conveniences -------------------------------------------------------

    def add_resources(self, resources: Iterable[Resource | Mapping[str, Any]]) -> int:
        """Add resources to the inventory the discovery actions serve."""
        return self.state.add_resources(resources)

    def load_inventory(self, path: str | Path) -> int:
        """Load inventory from a JSON/JSONL file or a directory of them."""
        return self.state.load_inventory(path)

    def issue_result_token(self, rule: str = "rule") -> str:
        """A fresh result token for one run of ``rule``."""
        return self.state.issue_result_token(rule)

    def evaluations(
        self, rule: str | None = None, token: str | None = None
    ) -> list[StoredEvaluation]:
        """The evaluations stored (of one rule, or last stored with one token)."""
        return self.state.evaluations(rule=rule, token=token)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, oldest first (bounded)."""
        return list(self.state.requests)

    def reset(self, *, inventory: bool = False) -> None:
        """Forget evaluations, requests, nonces, tokens and faults (and inventory if asked)."""
        self.state.reset(inventory=inventory)
        self.faults.clear()

    # --- authentication -----------------------------------------------------

    def _secret(self, key_id: str) -> str:
        secret = self.credentials.get(key_id)
        if secret is None:
            raise EmulatorError(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        return secret

    def _check_token(self, key_id: str, token: str | None) -> None:
        wanted = self.security_tokens.get(key_id)
        if wanted is None and token:
            raise EmulatorError(
                400,
                "InvalidSecurityToken.MismatchWithAccessKey",
                "A security token was sent with a long-term access key.",
            )
        if wanted is not None and token != wanted:
            raise EmulatorError(
                400,
                "InvalidSecurityToken.Malformed" if token else "MissingSecurityToken",
                "The security token is missing or invalid.",
            )

    def _check_time_and_nonce(self, timestamp: str | None, nonce: str | None) -> None:
        if not timestamp:
            raise EmulatorError(400, "MissingTimestamp", "Timestamp is mandatory for this action.")
        when = _parse_time(timestamp)
        if when is None:
            raise EmulatorError(
                400, "InvalidTimeStamp.Format", "Specified time stamp is not valid."
            )
        if abs(self.clock() - when) > MAX_CLOCK_SKEW_SECONDS:
            raise EmulatorError(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
            )
        if not nonce:
            raise EmulatorError(400, "MissingSignatureNonce", "SignatureNonce is mandatory.")
        if not self.state.use_nonce(nonce):
            raise EmulatorError(
                400, "SignatureNonceUsed", "Specified signature nonce was used already."
            )

    def _authenticate(
        self,
        method: str,
        path: str,
        query: str,
        headers: Any,
        body: bytes,
        params: dict[str, str],
        version: str,
    ) -> str:
        """Verify the request; returns the signature version used (``v3``/``v2``)."""
        authorization = headers.get("Authorization")
        if authorization:
            self._authenticate_v3(method, path, query, headers, body, authorization)
            scheme = "v3"
        elif "Signature" in params:
            self._authenticate_v2(method, params)
            scheme = "v2"
        else:
            raise EmulatorError(400, "IncompleteSignature", "The request signature is missing.")
        if version != API_VERSION:
            raise EmulatorError(
                400, "InvalidVersion", f"Specified version {version!r} is not valid."
            )
        return scheme

    def _authenticate_v3(
        self, method: str, path: str, query: str, headers: Any, body: bytes, authorization: str
    ) -> None:
        parsed = parse_v3_authorization(authorization)
        if parsed is None:
            raise EmulatorError(
                400,
                "IncompleteSignature",
                f"Authorization must be {V3_ALGORITHM} Credential=...,SignedHeaders=...,Signature=...",
            )
        key_id, names, signature = parsed
        secret = self._secret(key_id)
        lowered = {k.lower(): v for k, v in headers.items()}
        for required in (
            "host",
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-content-sha256",
            "x-acs-action",
        ):
            if required not in names:
                raise EmulatorError(400, "IncompleteSignature", f"header {required} must be signed")
        if "x-acs-security-token" in lowered and "x-acs-security-token" not in names:
            raise EmulatorError(
                400, "IncompleteSignature", "header x-acs-security-token must be signed"
            )
        signed = {}
        for name in names:
            if name not in lowered:
                raise EmulatorError(400, "IncompleteSignature", f"signed header {name} is missing")
            signed[name] = lowered[name]
        if hash_payload(body) != lowered["x-acs-content-sha256"]:
            raise EmulatorError(
                400, "SignatureDoesNotMatch", "x-acs-content-sha256 does not match the body."
            )
        query_params = dict(parse_qsl(query, keep_blank_values=True))
        expected, _ = v3_signature(
            method=method,
            path=path or "/",
            query=query_params,
            signed_headers=signed,
            hashed_payload=lowered["x-acs-content-sha256"],
            access_key_secret=secret,
        )
        if expected != signature:
            raise _signature_mismatch()
        self._check_token(key_id, lowered.get("x-acs-security-token"))
        self._check_time_and_nonce(lowered.get("x-acs-date"), lowered.get("x-acs-signature-nonce"))

    def _authenticate_v2(self, method: str, params: dict[str, str]) -> None:
        key_id = params.get("AccessKeyId", "")
        secret = self._secret(key_id)
        if params.get("SignatureMethod") != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0":
            raise EmulatorError(
                400, "InvalidSignatureMethod", "only HMAC-SHA1 / 1.0 is supported for V2"
            )
        if v2_signature(method, params, secret) != params["Signature"]:
            raise _signature_mismatch()
        self._check_token(key_id, params.get("SecurityToken"))
        self._check_time_and_nonce(params.get("Timestamp"), params.get("SignatureNonce"))

    # --- actions ------------------------------------------------------------

    def _dispatch(self, action: str, params: Mapping[str, str]) -> dict[str, Any]:
        if action == "PutEvaluations":
            return self._put_evaluations(params)
        if action == "GetDiscoveredResource":
            return self._get_discovered_resource(params)
        return self._list_discovered_resources(params)

    def _put_evaluations(self, params: Mapping[str, str]) -> dict[str, Any]:
        token = params.get("ResultToken", "")
        if not token:
            raise EmulatorError(
                400, "MissingResultToken", "ResultToken is mandatory for this action."
            )
        raw = params.get("Evaluations")
        if raw is None:
            raise EmulatorError(
                400, "MissingEvaluations", "Evaluations is mandatory for this action."
            )
        try:
            evaluations = json.loads(raw)
        except ValueError:
            raise EmulatorError(
                400, "InvalidParameter.Evaluations", "Evaluations is not valid JSON."
            ) from None
        if not isinstance(evaluations, list):
            raise EmulatorError(
                400, "InvalidParameter.Evaluations", "Evaluations must be a JSON array."
            )
        if len(evaluations) > self.max_evaluations_per_call:
            raise EmulatorError(
                400,
                "InvalidParameter.Evaluations",
                f"at most {self.max_evaluations_per_call} evaluations per call.",
            )
        for index, evaluation in enumerate(evaluations):
            _validate_evaluation(index, evaluation)
        delete_text = params.get("DeleteMode", "false").lower()
        if delete_text not in ("true", "false"):
            raise EmulatorError(
                400, "InvalidParameter.DeleteMode", "DeleteMode must be true or false."
            )
        self.state.store(token, evaluations, delete_text == "true")
        return {"RequestId": _request_id(), "Result": True}

    def _get_discovered_resource(self, params: Mapping[str, str]) -> dict[str, Any]:
        for name in ("ResourceId", "ResourceType", "Region"):
            if not params.get(name):
                raise EmulatorError(400, f"Missing{name}", f"{name} is mandatory for this action.")
        resource = self.state.get_resource(
            params["ResourceType"], params["ResourceId"], params["Region"]
        )
        if resource is None:
            raise EmulatorError(404, "ResourceNotExists", "The specified resource does not exist.")
        return {
            "RequestId": _request_id(),
            "DiscoveredResourceDetail": resource_to_api(resource, with_configuration=True),
        }

    def _list_discovered_resources(self, params: Mapping[str, str]) -> dict[str, Any]:
        try:
            size = int(params.get("MaxResults", ""))
        except ValueError:
            raise EmulatorError(
                400, "Invalid.MaxResults.Value", "MaxResults must be 1..100."
            ) from None
        if not 1 <= size <= 100:
            raise EmulatorError(400, "Invalid.MaxResults.Value", "MaxResults must be 1..100.")
        deleted_text = params.get("ResourceDeleted", "1")
        if deleted_text not in ("0", "1"):
            raise EmulatorError(
                400, "Invalid.ResourceDeleted.Value", "ResourceDeleted must be 0 or 1."
            )
        types = [t for t in params.get("ResourceTypes", "").split(",") if t] or None
        regions = {r for r in params.get("Regions", "").split(",") if r} or None
        cursor = (0, 0)
        if params.get("NextToken"):
            try:
                first, second = params["NextToken"].split(".")
                cursor = (int(first), int(second))
            except ValueError:
                raise EmulatorError(
                    400, "Invalid.NextToken.Value", "NextToken is not valid."
                ) from None
        found, following, total = self.state.page(types, regions, deleted_text == "0", cursor, size)
        return {
            "RequestId": _request_id(),
            "DiscoveredResourceProfiles": {
                "DiscoveredResourceProfileList": [
                    resource_to_api(r, with_configuration=False) for r in found
                ],
                "MaxResults": size,
                "NextToken": f"{following[0]}.{following[1]}" if following else "",
                "TotalCount": total,
            },
        }


def _validate_evaluation(index: int, evaluation: Any) -> None:
    where = f"Evaluations[{index}]"
    if not isinstance(evaluation, dict):
        raise EmulatorError(400, "InvalidParameter.Evaluations", f"{where} must be an object.")
    for field in REQUIRED_EVALUATION_FIELDS:
        # Global resources have no region: complianceRegionId may be empty, not absent.
        blank = evaluation.get(field) in (None, "") and field != "complianceRegionId"
        if field not in evaluation or blank:
            raise EmulatorError(
                400, "InvalidParameter.Evaluations", f"{where}.{field} is required."
            )
    if evaluation["complianceType"] not in COMPLIANCE_TYPES:
        raise EmulatorError(
            400,
            "InvalidParameter.ComplianceType",
            f"{where}.complianceType {evaluation['complianceType']!r} is not one of "
            + ", ".join(sorted(COMPLIANCE_TYPES))
            + ".",
        )
    stamp = evaluation["orderingTimestamp"]
    if isinstance(stamp, bool) or not isinstance(stamp, int):
        raise EmulatorError(
            400,
            "InvalidParameter.Evaluations",
            f"{where}.orderingTimestamp must be an integer (epoch ms).",
        )
    annotation = evaluation.get("annotation", "")
    if not isinstance(annotation, str):
        raise EmulatorError(
            400, "InvalidParameter.Evaluations", f"{where}.annotation must be a string."
        )
