"""``ConfigClient``: the only part of configrules that talks to the network.

It submits evaluations with ``PutEvaluations`` (batched, concurrent, retried,
with ``DeleteMode`` sent last and only after everything else was accepted) and
reads the inventory with ``GetDiscoveredResource`` / ``ListDiscoveredResources``.
Every request is signed afresh (new nonce, new timestamp), goes over HTTPS
with certificate verification unless the endpoint is loopback, follows no
redirect, and has connect and read timeouts.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import urlsplit

import attrs
import requests
from requests.adapters import HTTPAdapter

from ._credentials import (
    Credentials,
    CredentialsProvider,
    StaticProvider,
    default_chain,
)
from ._endpoints import is_loopback, resolve_endpoint
from ._events import resource_from_item
from ._models import Evaluation, Resource
from ._redact import install_urllib3_filter
from ._signing import format_timestamp, sign_rpc_request
from ._transport import KEEP_HEADERS, direct_proxies
from ._version import __version__
from .errors import (
    AccountNotExistedError,
    ApiError,
    ConfigRulesError,
    ConfigurationError,
    InvalidAccessKeyError,
    NoPermissionError,
    ServiceUnavailableError,
    SignatureError,
    SubmissionError,
    ThrottlingError,
    TransportError,
)

__all__ = ["API_VERSION", "ConfigClient", "RetryPolicy", "SubmitResult", "classify_error"]

API_VERSION = "2020-09-07"
ENV_ENDPOINT = "CONFIGRULES_ENDPOINT"
ENV_SIGNATURE = "CONFIGRULES_SIGNATURE"
MAX_PAGE_SIZE = 100

log = logging.getLogger("configrules.client")

_RETRYABLE_CODES = frozenset(
    {"ServiceUnavailable", "InternalError", "InternalFailure", "Unavailable"}
)
# After one of these, every other call would fail the same way: stop sending.
_FATAL = (NoPermissionError, AccountNotExistedError, InvalidAccessKeyError, SignatureError)


def classify_error(status: int, body: bytes, headers: Mapping[str, str]) -> ApiError:
    """The :class:`ApiError` subclass for an error answer (JSON or not)."""
    code, message, request_id = f"HTTP{status}", "", None
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if isinstance(document, dict) and (document.get("Code") or document.get("code")):
        code = str(document.get("Code") or document.get("code"))
        message = str(document.get("Message") or document.get("message") or "")
        request_id = document.get("RequestId") or document.get("requestId")
    else:
        # A proxy's HTML page or similar: keep a short, printable excerpt.
        excerpt = body[:200].decode("utf-8", "replace").replace("\n", " ").strip()
        message = excerpt or "(empty body)"
    cls: type[ApiError] = ApiError
    if code.startswith("Throttling"):
        cls = ThrottlingError
    elif code in _RETRYABLE_CODES or status >= 500:
        cls = ServiceUnavailableError
    elif code == "NoPermission" or code.startswith("Forbidden"):
        cls = NoPermissionError
    elif code == "AccountNotExisted":
        cls = AccountNotExistedError
    elif code.startswith(("SignatureDoesNotMatch", "SignatureNonceUsed", "InvalidTimeStamp")):
        cls = SignatureError
    elif code.startswith("InvalidAccessKeyId"):
        cls = InvalidAccessKeyError
    request_id = request_id or headers.get("x-acs-request-id")
    return cls(code, message, request_id=request_id, http_status=status)


@attrs.frozen
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter.

    Attributes:
        max_attempts: attempts per call, first one included.
        base_delay: seconds; attempt *n* waits ``uniform(0, min(cap, base * 2**n))``.
        max_delay: the cap of one wait.
        deadline: seconds a whole ``put_evaluations`` (or one discovery call)
            may take, retries included; no attempt starts after it.
    """

    max_attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0
    deadline: float = 120.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))


@attrs.define
class SubmitResult:
    """What ``put_evaluations`` did.

    Attributes:
        sent: evaluations accepted by Cloud Config.
        calls: ``PutEvaluations`` calls that were accepted.
        attempts: HTTP requests made, retries included.
        request_ids: the ``RequestId`` of every accepted call.
        delete_mode: whether ``DeleteMode=true`` was sent (and accepted).
    """

    sent: int = 0
    calls: int = 0
    attempts: int = 0
    request_ids: list[str] = attrs.field(factory=list)
    delete_mode: bool = False


class _Deadline:
    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.expires = clock() + seconds

    def remaining(self) -> float:
        return self.expires - self._clock()


class ConfigClient:
    """A client of the Cloud Config API (version ``2020-09-07``).

    Args:
        credentials: :class:`Credentials`, a provider, or ``None`` for the
            default chain (see :mod:`configrules._credentials`).
        endpoint: a host or URL; default ``CONFIGRULES_ENDPOINT``, else the site's.
        site: ``"cn"`` (``config.cn-shanghai.aliyuncs.com``) or ``"intl"``
            (``config.ap-southeast-1.aliyuncs.com``).
        vpc: use the VPC endpoint ``config-vpc.<region>.aliyuncs.com``.
        region: region of the VPC endpoint.
        signature_version: ``"v3"`` (default; ``CONFIGRULES_SIGNATURE``) or ``"v2"``.
        batch_size: evaluations per ``PutEvaluations`` call (1..100).
        max_workers: concurrent calls (one pooled session).
        retry: a :class:`RetryPolicy`.
        connect_timeout: seconds to connect.
        read_timeout: seconds to wait for an answer.
        verify: TLS verification (``True``, or a CA bundle path).
        session: a ``requests.Session`` to use; it is never modified. Its
            proxies and the proxy variables apply to real endpoints; a
            loopback endpoint is always reached directly. ``~/.netrc`` never
            adds credentials to a signed request.

    Raises:
        ConfigurationError: for invalid options, naming the option.
    """

    def __init__(
        self,
        credentials: Credentials | CredentialsProvider | None = None,
        *,
        endpoint: str | None = None,
        site: str = "cn",
        vpc: bool = False,
        region: str | None = None,
        signature_version: str | None = None,
        batch_size: int = 100,
        max_workers: int = 4,
        retry: RetryPolicy | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        verify: bool | str = True,
        session: requests.Session | None = None,
        environ: Mapping[str, str] | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        environ = environ if environ is not None else os.environ
        if endpoint is None:
            endpoint = environ.get(ENV_ENDPOINT) or None
        self.endpoint = resolve_endpoint(endpoint, site=site, vpc=vpc, region=region)
        self.host = urlsplit(self.endpoint).netloc
        version = (signature_version or environ.get(ENV_SIGNATURE) or "v3").strip().lower()
        if version not in ("v3", "v2"):
            raise ConfigurationError(f"signature_version must be 'v3' or 'v2', got {version!r}")
        self.signature_version = version
        if not 1 <= batch_size <= 100:
            raise ConfigurationError(f"batch_size must be 1..100, got {batch_size}")
        if max_workers < 1:
            raise ConfigurationError(f"max_workers must be >= 1, got {max_workers}")
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ConfigurationError("connect_timeout and read_timeout must be positive")
        self.batch_size = batch_size
        self.max_workers = max_workers
        self.retry = retry or RetryPolicy()
        if self.retry.max_attempts < 1:
            raise ConfigurationError("retry.max_attempts must be >= 1")
        self.timeout = (connect_timeout, read_timeout)
        if isinstance(credentials, Credentials):
            self._credentials: CredentialsProvider = StaticProvider(credentials)
        elif credentials is None:
            self._credentials = default_chain(environ=environ)
        else:
            self._credentials = credentials
        install_urllib3_filter()  # V2 puts SecurityToken in the URL urllib3 logs
        self._session = session or requests.Session()
        self._owns_session = session is None
        if self._owns_session:
            adapter = HTTPAdapter(
                pool_connections=1, pool_maxsize=max(max_workers, 4), max_retries=0
            )
            self._session.mount("https://", adapter)
            self._session.mount("http://", adapter)
        # The session is never modified (it may be the caller's): each request
        # says itself what the environment may not change. A loopback emulator
        # is reached directly whatever the proxy variables say; a real endpoint
        # honours them.
        self._direct = is_loopback(urlsplit(self.endpoint).hostname or "")
        self._verify = verify
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self._sleep = sleep
        self._clock = clock
        self.user_agent = (
            f"configrules/{__version__} python/{platform.python_version()} "
            f"requests/{requests.__version__}"
        )

    def __repr__(self) -> str:
        return (
            f"ConfigClient(endpoint={self.endpoint!r}, signature={self.signature_version!r}, "
            f"credentials={self._credentials!r})"
        )

    def __enter__(self) -> ConfigClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections (when the client created the session)."""
        if self._owns_session:
            self._session.close()

    @property
    def credentials_provider(self) -> CredentialsProvider:
        """Where this client's credentials come from."""
        return self._credentials

    # --- one call -----------------------------------------------------------

    def _send_once(self, action: str, params: Mapping[str, str]) -> dict[str, Any]:
        creds = self._credentials.get()
        if creds is None:  # a custom provider may say "none"
            raise ConfigRulesError(f"credentials provider {self._credentials!r} found nothing")
        query, headers, body = sign_rpc_request(
            self.signature_version,
            method="POST",
            host=self.host,
            action=action,
            version=API_VERSION,
            params=params,
            access_key_id=creds.access_key_id,
            access_key_secret=creds.access_key_secret,
            security_token=creds.security_token,
            timestamp=format_timestamp(time.time()),
            nonce=uuid.uuid4().hex,
        )
        headers["User-Agent"] = self.user_agent
        headers["Accept"] = "application/json"
        try:
            response = self._session.post(
                self.endpoint + "/",
                params=query or None,
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                verify=self._verify,
                auth=KEEP_HEADERS,
                proxies=direct_proxies() if self._direct else None,
            )
        except requests.Timeout as exc:
            raise TransportError(f"{action}: timed out ({type(exc).__name__})") from None
        except requests.RequestException as exc:
            raise TransportError(f"{action}: connection failed ({type(exc).__name__})") from None
        content = response.content
        if 300 <= response.status_code < 400:
            raise ApiError(
                f"HTTP{response.status_code}",
                f"redirect to {response.headers.get('Location', '?')!r} not followed",
                http_status=response.status_code,
            )
        if response.status_code >= 400:
            raise classify_error(response.status_code, content, response.headers)
        try:
            document = json.loads(content)
        except ValueError:
            raise ServiceUnavailableError(
                "InvalidResponse",
                "answer is not JSON: " + content[:120].decode("utf-8", "replace"),
                http_status=response.status_code,
            ) from None
        if not isinstance(document, dict):
            raise ServiceUnavailableError("InvalidResponse", "answer is not a JSON object")
        return document

    def _call(
        self, action: str, params: Mapping[str, str], deadline: _Deadline | None = None
    ) -> tuple[dict[str, Any], int]:
        """One API call with retries: ``(answer, attempts made)``."""
        deadline = deadline or _Deadline(self.retry.deadline, self._clock)
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = self._send_once(action, params)
                log.debug(
                    "%s ok attempt=%d request_id=%s", action, attempt, answer.get("RequestId")
                )
                return answer, attempt
            except (ApiError, TransportError) as exc:
                retryable = getattr(exc, "retryable", False)
                log.debug("%s failed attempt=%d retryable=%s: %s", action, attempt, retryable, exc)
                if not retryable or attempt >= self.retry.max_attempts:
                    exc.attempts = attempt  # type: ignore[union-attr]
                    raise
                with self._rng_lock:
                    pause = self.retry.delay(attempt - 1, self._rng)
                if deadline.remaining() <= pause:
                    exc.attempts = attempt  # type: ignore[union-attr]
                    raise
                self._sleep(pause)

    # --- PutEvaluations -----------------------------------------------------

    def _put_batch(
        self, token: str, batch: Sequence[Evaluation], delete_mode: bool, deadline: _Deadline
    ) -> tuple[dict[str, Any], int]:
        params = {
            "ResultToken": token,
            "Evaluations": json.dumps(
                [e.to_api() for e in batch], separators=(",", ":"), ensure_ascii=False
            ),
            "DeleteMode": "true" if delete_mode else "false",
        }
        answer, attempts = self._call("PutEvaluations", params, deadline)
        if answer.get("Result") is False:
            raise ApiError(
                "PutEvaluationsRejected",
                "the service answered Result=false",
                request_id=answer.get("RequestId"),
                http_status=200,
            )
        return answer, attempts

    def put_evaluations(
        self,
        result_token: str,
        evaluations: Iterable[Evaluation],
        *,
        delete_mode: bool = False,
    ) -> SubmitResult:
        """Submit evaluations; nothing is dropped silently.

        ``evaluations`` may be a generator: it is consumed batch by batch, with
        at most ``2 * max_workers`` batches in memory.

        With ``delete_mode``, ``DeleteMode=true`` goes only on the final call,
        sent after every other batch was accepted; if any batch failed it is
        never sent. With no evaluations and ``delete_mode``, one call with
        ``[]`` clears the rule's old results.

        If iterating ``evaluations`` raises, what it produced so far is still
        delivered (without ``DeleteMode``) and its exception is re-raised.

        Raises:
            SubmissionError: listing exactly the evaluations not accepted.
        """
        if not isinstance(result_token, str) or not result_token:
            raise ConfigurationError("result_token must be a non-empty string")
        deadline = _Deadline(self.retry.deadline, self._clock)
        result = SubmitResult()
        undelivered: list[Evaluation] = []
        causes: list[BaseException] = []
        lock = threading.Lock()
        fatal = threading.Event()

        def run(batch: list[Evaluation], final_delete: bool) -> None:
            if fatal.is_set():
                with lock:
                    undelivered.extend(batch)
                return
            try:
                answer, attempts = self._put_batch(result_token, batch, final_delete, deadline)
            except (ApiError, TransportError) as exc:
                with lock:
                    undelivered.extend(batch)
                    causes.append(exc)
                    result.attempts += getattr(exc, "attempts", 1)
                if isinstance(exc, _FATAL):
                    fatal.set()
                return
            with lock:
                result.sent += len(batch)
                result.calls += 1
                result.attempts += attempts
                if answer.get("RequestId"):
                    result.request_ids.append(str(answer["RequestId"]))
                if final_delete:
                    result.delete_mode = True

        held: list[Evaluation] | None = None
        in_flight: deque[Future[None]] = deque()
        with ThreadPoolExecutor(self.max_workers, thread_name_prefix="configrules-put") as pool:

            def submit(batch: list[Evaluation]) -> None:
                while len(in_flight) >= 2 * self.max_workers:
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in done:
                        in_flight.remove(future)
                        future.result()
                in_flight.append(pool.submit(run, batch, False))

            source_error: BaseException | None = None
            try:
                for batch in _batches(evaluations, self.batch_size):
                    if delete_mode:
                        # Hold one batch back: it carries DeleteMode once the rest landed.
                        if held is not None:
                            submit(held)
                        held = batch
                    else:
                        submit(batch)
            except Exception as exc:  # noqa: BLE001 - re-raised below, after delivery
                # The source failed part-way: deliver what it produced, but never
                # DeleteMode, which would erase results of resources never evaluated.
                source_error = exc
                if held is not None:
                    submit(held)
                    held = None
            for future in list(in_flight):
                future.result()
            in_flight.clear()

        if source_error is not None:
            if undelivered:
                raise SubmissionError(
                    undelivered, causes, delivered=result.sent, delete_mode_skipped=delete_mode
                ) from source_error
            raise source_error
        if delete_mode:
            final = held if held is not None else []
            clean = not undelivered
            if final or clean:
                run(final, clean)
            skipped = not result.delete_mode
        else:
            skipped = False
        if undelivered:
            raise SubmissionError(
                undelivered,
                causes,
                delivered=result.sent,
                delete_mode_skipped=skipped and delete_mode,
            )
        return result

    # --- discovery ----------------------------------------------------------

    def get_discovered_resource(
        self, resource_id: str, resource_type: str, region: str
    ) -> Resource:
        """The resource with its full configuration (``GetDiscoveredResource``).

        Raises:
            ApiError: when the call fails after retries.
            EventError: when the answer's resource is malformed.
        """
        answer, _ = self._call(
            "GetDiscoveredResource",
            {"ResourceId": resource_id, "ResourceType": resource_type, "Region": region},
        )
        detail = answer.get("DiscoveredResourceDetail")
        if not isinstance(detail, dict):
            raise ApiError(
                "InvalidResponse",
                "GetDiscoveredResource answer lacks DiscoveredResourceDetail",
                request_id=answer.get("RequestId"),
            )
        return resource_from_item(detail, "DiscoveredResourceDetail")

    def list_discovered_resources(
        self,
        resource_types: Sequence[str],
        *,
        regions: Sequence[str] | None = None,
        include_deleted: bool = False,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[Resource]:
        """Lazily yield every resource profile of the given types, page by page.

        Profiles have no configuration: fetch it with
        :meth:`get_discovered_resource`.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ConfigurationError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
        for deleted_flag in ("1", "0") if include_deleted else ("1",):
            params = {"MaxResults": str(page_size), "ResourceDeleted": deleted_flag}
            if resource_types:
                params["ResourceTypes"] = ",".join(resource_types)
            if regions:
                params["Regions"] = ",".join(regions)
            while True:
                answer, _ = self._call("ListDiscoveredResources", params)
                profiles = answer.get("DiscoveredResourceProfiles") or {}
                for item in profiles.get("DiscoveredResourceProfileList") or []:
                    yield resource_from_item(item, "DiscoveredResourceProfile")
                token = profiles.get("NextToken")
                if not token:
                    break
                params = {**params, "NextToken": str(token)}


def _batches(evaluations: Iterable[Evaluation], size: int) -> Iterator[list[Evaluation]]:
    batch: list[Evaluation] = []
    for evaluation in evaluations:
        batch.append(evaluation)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
