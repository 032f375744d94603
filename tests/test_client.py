"""ConfigClient against the emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from configrules import Compliance, ConfigClient, Evaluation, SubmissionError
from configrules._client import RetryPolicy, classify_error
from configrules._credentials import Credentials, EnvironmentProvider
from configrules._endpoints import is_loopback, resolve_endpoint
from configrules.errors import (
    AccountNotExistedError,
    ApiError,
    ConfigurationError,
    InvalidAccessKeyError,
    NoPermissionError,
    ServiceUnavailableError,
    SignatureError,
    ThrottlingError,
    TransportError,
)

ECS = "ACS::ECS::Instance"


def evaluations(n: int, prefix: str = "i") -> list[Evaluation]:
    return [
        Evaluation(
            "r",
            f"{prefix}-{i}",
            ECS,
            "cn-hangzhou",
            Compliance.NON_COMPLIANT,
            f"note {i}",
            1700000000000 + i,
            "1234",
        )
        for i in range(n)
    ]


def stored_ids(emulator: Any, rule: str = "r") -> list[str]:
    return sorted(s.evaluation["complianceResourceId"] for s in emulator.evaluations(rule))


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_put_evaluations_stores_exactly_what_was_sent(emulator: Any, version: str) -> None:
    token = emulator.issue_result_token("r")
    sent = evaluations(3)
    with ConfigClient(
        Credentials("testid", "testsecret"), endpoint=emulator.endpoint, signature_version=version
    ) as client:
        result = client.put_evaluations(token, sent)
    assert (result.sent, result.calls, result.attempts, result.delete_mode) == (3, 1, 1, False)
    assert len(result.request_ids) == 1
    assert [s.evaluation for s in emulator.evaluations("r")] == [e.to_api() for e in sent]
    [request] = emulator.requests
    assert request.signature_version == version
    assert json.loads(request.params["Evaluations"])[0]["accountId"] == 1234
    assert request.params["DeleteMode"] == "false"


def test_batches_and_delete_mode_last(emulator: Any, client: ConfigClient) -> None:
    token = emulator.issue_result_token("r")
    result = client.put_evaluations(token, iter(evaluations(250)), delete_mode=True)
    assert (result.sent, result.calls, result.delete_mode) == (250, 3, True)
    puts = [r for r in emulator.requests if r.action == "PutEvaluations"]
    assert [r.params["DeleteMode"] for r in puts] == ["false", "false", "true"]
    assert [len(json.loads(r.params["Evaluations"])) for r in puts][-1] in (50, 100)
    assert len(stored_ids(emulator)) == 250


def test_delete_mode_replaces_old_results(emulator: Any, client: ConfigClient) -> None:
    client.put_evaluations(emulator.issue_result_token("r"), evaluations(5), delete_mode=True)
    client.put_evaluations(emulator.issue_result_token("r"), evaluations(2), delete_mode=True)
    assert stored_ids(emulator) == ["i-0", "i-1"]


def test_zero_evaluations(emulator: Any, client: ConfigClient) -> None:
    client.put_evaluations(emulator.issue_result_token("r"), evaluations(3))
    assert client.put_evaluations("t", []).calls == 0
    result = client.put_evaluations(emulator.issue_result_token("r"), [], delete_mode=True)
    assert (result.calls, result.delete_mode) == (1, True)
    assert emulator.requests[-1].params["Evaluations"] == "[]"
    assert stored_ids(emulator) == []


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ServiceUnavailable", 503),
        ("Throttling.User", 400),
        ("Throttling", 400),
        ("InternalError", 500),
        ("Whatever", 502),
    ],
)
def test_retryable_codes_then_success_deliver_once(
    emulator: Any, client: ConfigClient, code: str, status: int
) -> None:
    emulator.faults.error(code, status, times=2)
    result = client.put_evaluations(emulator.issue_result_token("r"), evaluations(1))
    assert (result.sent, result.calls, result.attempts) == (1, 1, 3)
    assert stored_ids(emulator) == ["i-0"]
    assert [r.code for r in emulator.requests] == [code, code, ""]


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("NoPermission", 400, NoPermissionError),
        ("AccountNotExisted", 404, AccountNotExistedError),
        ("SignatureDoesNotMatch", 400, SignatureError),
        ("InvalidParameter.Evaluations", 400, ApiError),
        ("InvalidAccessKeyId.NotFound", 404, InvalidAccessKeyError),
    ],
)
def test_non_retryable_codes_fail_at_once(
    emulator: Any, client: ConfigClient, code: str, status: int, error: type[ApiError]
) -> None:
    emulator.faults.error(code, status, times=None)
    sent = evaluations(3)
    with pytest.raises(SubmissionError) as info:
        client.put_evaluations(emulator.issue_result_token("r"), sent)
    assert info.value.undelivered == sent
    [cause] = info.value.causes
    assert type(cause) is error
    assert (cause.code, cause.http_status) == (code, status)
    assert cause.request_id
    assert len(emulator.requests) == 1


def test_retries_are_bounded(emulator: Any, client: ConfigClient) -> None:
    emulator.faults.error("ServiceUnavailable", 503, times=None)
    with pytest.raises(SubmissionError) as info:
        client.put_evaluations(emulator.issue_result_token("r"), evaluations(1))
    assert len(emulator.requests) == 4
    assert isinstance(info.value.causes[0], ServiceUnavailableError)
    assert "1 evaluation(s) were not delivered" in str(info.value)


def test_deadline_bounds_retries(emulator: Any) -> None:
    emulator.faults.error("Throttling", 400, times=None)
    client = ConfigClient(
        Credentials("testid", "testsecret"),
        endpoint=emulator.endpoint,
        retry=RetryPolicy(max_attempts=100, base_delay=0.05, max_delay=0.05, deadline=0.3),
    )
    started = time.monotonic()
    with pytest.raises(SubmissionError):
        client.put_evaluations("t", evaluations(1))
    assert time.monotonic() - started < 2
    assert 2 <= len(emulator.requests) < 100


def test_connection_drop_and_reset_are_retried(emulator: Any, client: ConfigClient) -> None:
    emulator.faults.drop()
    emulator.faults.reset()
    result = client.put_evaluations(emulator.issue_result_token("r"), evaluations(2))
    assert (result.sent, result.attempts) == (2, 3)
    assert stored_ids(emulator) == ["i-0", "i-1"]


def test_read_timeout_is_retried_and_the_slow_request_has_no_effect(emulator: Any) -> None:
    emulator.faults.delay(1.0)
    client = ConfigClient(
        Credentials("testid", "testsecret"),
        endpoint=emulator.endpoint,
        read_timeout=0.2,
        retry=RetryPolicy(max_attempts=3, base_delay=0.001, deadline=10),
    )
    result = client.put_evaluations(emulator.issue_result_token("r"), evaluations(1))
    assert (result.sent, result.attempts) == (1, 2)
    # Wait for the slow handler's own decision instead of sleeping a guess:
    # it records "fault:delay" when it sees the client left, and would record
    # a second accepted call had it applied the request anyway.
    deadline = time.monotonic() + 10
    while not any(r.code == "fault:delay" for r in emulator.requests):
        assert time.monotonic() < deadline, "the slow request was not abandoned"
        time.sleep(0.01)
    assert [r.status for r in emulator.requests].count(200) == 1
    assert stored_ids(emulator) == ["i-0"]


def test_timeouts_exhausted_raise_transport_error(emulator: Any) -> None:
    emulator.faults.delay(0.5, times=None)
    client = ConfigClient(
        Credentials("testid", "testsecret"),
        endpoint=emulator.endpoint,
        read_timeout=0.1,
        retry=RetryPolicy(max_attempts=2, base_delay=0.001, deadline=10),
    )
    with pytest.raises(SubmissionError) as info:
        client.put_evaluations("t", evaluations(1))
    assert isinstance(info.value.causes[0], TransportError)


def test_connection_refused_is_a_transport_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = ConfigClient(
        Credentials("a", "b"),
        endpoint=f"http://127.0.0.1:{port}",
        retry=RetryPolicy(max_attempts=2, base_delay=0.001),
    )
    with pytest.raises(SubmissionError) as info:
        client.put_evaluations("t", evaluations(1))
    assert isinstance(info.value.causes[0], TransportError)
    assert "connection failed" in str(info.value.causes[0])


def test_partial_batch_failure_reports_exactly_the_unsent_batch(
    emulator: Any, client: ConfigClient
) -> None:
    emulator.faults.error(
        "ServiceUnavailable",
        503,
        times=None,
        when=lambda params: '"complianceResourceId":"i-150"' in params.get("Evaluations", ""),
    )
    sent = evaluations(300)
    with pytest.raises(SubmissionError) as info:
        client.put_evaluations(emulator.issue_result_token("r"), sent, delete_mode=True)
    undelivered = info.value.undelivered
    assert sorted(e.resource_id for e in undelivered) == sorted(
        e.resource_id for e in sent[100:200]
    )
    assert info.value.delivered == 200
    assert info.value.delete_mode_skipped
    assert "DeleteMode was not sent" in str(info.value)
    assert all(r.params.get("DeleteMode") == "false" for r in emulator.requests)
    delivered = set(stored_ids(emulator))
    assert delivered.isdisjoint(e.resource_id for e in undelivered)
    assert len(delivered) == 200


def test_fatal_error_stops_further_batches(emulator: Any) -> None:
    emulator.faults.error("NoPermission", 400, times=None)
    client = ConfigClient(
        Credentials("testid", "testsecret"), endpoint=emulator.endpoint, max_workers=1
    )
    with pytest.raises(SubmissionError) as info:
        client.put_evaluations("t", evaluations(500))
    assert len(info.value.undelivered) == 500
    assert len(emulator.requests) <= 2


def test_empty_result_token_is_rejected(client: ConfigClient) -> None:
    with pytest.raises(ConfigurationError):
        client.put_evaluations("", evaluations(1))


def test_sts_credentials(emulator: Any) -> None:
    good = Credentials("STS.sts", "stssecret", "the-sts-token")
    for version in ("v3", "v2"):
        client = ConfigClient(good, endpoint=emulator.endpoint, signature_version=version)
        assert client.put_evaluations(emulator.issue_result_token("r"), evaluations(1)).sent == 1
    bad = Credentials("STS.sts", "stssecret", "forged")
    client = ConfigClient(bad, endpoint=emulator.endpoint)
    with pytest.raises(SubmissionError) as info:
        client.put_evaluations("t", evaluations(1))
    assert "InvalidSecurityToken" in str(info.value)


def test_wrong_secret_and_unknown_key(emulator: Any) -> None:
    for creds, error in [
        (Credentials("testid", "wrong"), SignatureError),
        (Credentials("nobody", "x"), InvalidAccessKeyError),
    ]:
        client = ConfigClient(creds, endpoint=emulator.endpoint)
        with pytest.raises(SubmissionError) as info:
            client.put_evaluations("t", evaluations(1))
        assert type(info.value.causes[0]) is error
        assert "wrong" not in str(info.value)


def test_concurrent_submissions_lose_nothing(emulator: Any, client: ConfigClient) -> None:
    tokens = [emulator.issue_result_token(f"rule-{t}") for t in range(8)]

    def work(t: int) -> None:
        client.put_evaluations(tokens[t], evaluations(130, prefix=f"t{t}"))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for t in range(8):
        assert len(stored_ids(emulator, f"rule-{t}")) == 130


# --- discovery ----------------------------------------------------------------


def inventory(n: int) -> list[dict[str, Any]]:
    return [
        {
            "resourceId": f"i-{i}",
            "resourceType": ECS,
            "regionId": "cn-hangzhou" if i % 2 else "cn-beijing",
            "configuration": json.dumps({"InstanceId": f"i-{i}", "Cpu": i}),
            "tags": '{"env": ["prod"]}',
            "accountId": 99,
            "captureTime": 1700000000000,
        }
        for i in range(n)
    ] + [
        {
            "resourceId": "b-1",
            "resourceType": "ACS::OSS::Bucket",
            "regionId": "cn-hangzhou",
            "configuration": "{}",
        },
        {
            "resourceId": "gone",
            "resourceType": ECS,
            "regionId": "cn-hangzhou",
            "configuration": "{}",
            "resourceDeleted": 0,
        },
    ]


def test_list_discovered_resources_pages(emulator: Any, client: ConfigClient) -> None:
    emulator.add_resources(inventory(25))
    found = list(client.list_discovered_resources([ECS], page_size=10))
    assert [r.id for r in found] == [f"i-{i}" for i in range(25)]
    lists = [r for r in emulator.requests if r.action == "ListDiscoveredResources"]
    assert len(lists) == 3
    assert lists[1].params["NextToken"]
    assert found[0].configuration == {}
    assert found[0].tags == {"env": ["prod"]}
    assert found[0].account_id == "99"
    hz = list(client.list_discovered_resources([ECS], regions=["cn-hangzhou"]))
    assert {r.region_id for r in hz} == {"cn-hangzhou"}
    everything = list(client.list_discovered_resources([ECS], include_deleted=True))
    assert everything[-1].id == "gone" and everything[-1].deleted
    assert {r.type for r in client.list_discovered_resources([])} == {ECS, "ACS::OSS::Bucket"}


def test_list_is_lazy(emulator: Any, client: ConfigClient) -> None:
    emulator.add_resources(inventory(50))
    iterator = client.list_discovered_resources([ECS], page_size=10)
    next(iterator)
    assert len(emulator.requests) == 1


def test_get_discovered_resource(emulator: Any, client: ConfigClient) -> None:
    emulator.add_resources(inventory(3))
    resource = client.get_discovered_resource("i-2", ECS, "cn-beijing")
    assert resource.configuration == {"InstanceId": "i-2", "Cpu": 2}
    assert resource.region_id == "cn-beijing"
    with pytest.raises(ApiError) as info:
        client.get_discovered_resource("i-404", ECS, "cn-beijing")
    assert info.value.code == "ResourceNotExists"
    with pytest.raises(ConfigurationError):
        list(client.list_discovered_resources([ECS], page_size=101))


# --- endpoints and options --------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "https://config.cn-shanghai.aliyuncs.com"),
        ({"site": "intl"}, "https://config.ap-southeast-1.aliyuncs.com"),
        ({"vpc": True}, "https://config-vpc.cn-shanghai.aliyuncs.com"),
        ({"vpc": True, "region": "cn-hangzhou"}, "https://config-vpc.cn-hangzhou.aliyuncs.com"),
        (
            {"endpoint": "config.cn-shanghai.aliyuncs.com"},
            "https://config.cn-shanghai.aliyuncs.com",
        ),
        ({"endpoint": "http://127.0.0.1:8999/"}, "http://127.0.0.1:8999"),
        ({"endpoint": "http://localhost:1"}, "http://localhost:1"),
        ({"endpoint": "http://[::1]:80"}, "http://[::1]:80"),
    ],
)
def test_resolve_endpoint(kwargs: dict[str, Any], expected: str) -> None:
    assert resolve_endpoint(kwargs.pop("endpoint", None), **kwargs) == expected


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("http://config.cn-shanghai.aliyuncs.com", "refusing plain http://"),
        ("http://10.0.0.1:80", "refusing plain http://"),
        ("ftp://x", "scheme"),
        ("https://x/path", "without a path"),
        ("https://user:pw@x", "credentials"),
        ("", "empty"),
        ("https://x:99999", "invalid port"),
    ],
)
def test_bad_endpoints(endpoint: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ConfigClient(Credentials("a", "b"), endpoint=endpoint)


def test_endpoint_and_signature_from_environment() -> None:
    client = ConfigClient(
        Credentials("a", "b"),
        environ={"CONFIGRULES_ENDPOINT": "http://127.0.0.1:9", "CONFIGRULES_SIGNATURE": "V2"},
    )
    assert (client.endpoint, client.signature_version) == ("http://127.0.0.1:9", "v2")
    assert "configrules/" in client.user_agent
    with pytest.raises(ConfigurationError, match="signature_version"):
        ConfigClient(Credentials("a", "b"), signature_version="v4")
    with pytest.raises(ConfigurationError, match="site"):
        ConfigClient(Credentials("a", "b"), site="mars")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_size": 0},
        {"batch_size": 101},
        {"max_workers": 0},
        {"read_timeout": 0},
        {"retry": RetryPolicy(max_attempts=0)},
    ],
)
def test_bad_options(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        ConfigClient(Credentials("a", "b"), **kwargs)


def test_default_is_https_with_verification() -> None:
    client = ConfigClient(Credentials("a", "b"))
    assert client.endpoint.startswith("https://")
    assert client._verify is True
    assert client.timeout == (5.0, 30.0)
    assert "b" not in repr(client).replace("configrules", "")


def test_loopback_detection() -> None:
    assert is_loopback("127.0.0.5") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("10.0.0.1") and not is_loopback("example.com")


def test_classify_non_json_error_bodies() -> None:
    error = classify_error(502, b"<html><body>Bad Gateway</body></html>", {})
    assert isinstance(error, ServiceUnavailableError)
    assert error.code == "HTTP502"
    assert "Bad Gateway" in error.message
    error = classify_error(403, b"", {"x-acs-request-id": "rid"})
    assert (error.code, error.message, error.request_id) == ("HTTP403", "(empty body)", "rid")
    assert isinstance(classify_error(400, b'{"Code":"Throttling.Api"}', {}), ThrottlingError)


def test_redirects_are_not_followed() -> None:
    import http.server

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(302)
            self.send_header("Location", "https://evil.example/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    client = ConfigClient(Credentials("a", "b"), endpoint=f"http://127.0.0.1:{server.server_port}")
    with pytest.raises(SubmissionError) as info:
        client.put_evaluations("t", evaluations(1))
    thread.join()
    server.server_close()
    assert "not followed" in str(info.value)


def test_client_uses_environment_credentials(emulator: Any) -> None:
    provider = EnvironmentProvider(
        {"ALIBABA_CLOUD_ACCESS_KEY_ID": "testid", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "testsecret"}
    )
    client = ConfigClient(provider, endpoint=emulator.endpoint)
    assert client.put_evaluations("t", evaluations(1)).sent == 1


def test_an_answer_slower_than_the_read_timeout_is_retried(emulator: Any) -> None:
    emulator.faults.drop(after=0.3)
    client = ConfigClient(
        Credentials("testid", "testsecret"),
        endpoint=emulator.endpoint,
        read_timeout=0.1,
        retry=RetryPolicy(max_attempts=3, base_delay=0.001, deadline=10),
    )
    result = client.put_evaluations(emulator.issue_result_token("r"), evaluations(2))
    assert (result.sent, result.attempts) == (2, 2)
    assert stored_ids(emulator) == ["i-0", "i-1"]
    assert [r.code for r in emulator.requests] == ["fault:drop", ""]


# --- what the environment may and may not change in a request ---------------

_DEAD_PROXY = "http://127.0.0.1:9"  # nothing listens on the discard port


def _proxied_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, _DEAD_PROXY)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("own_session", [True, False], ids=["client session", "caller session"])
def test_loopback_emulator_is_reached_directly_despite_proxy_variables(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, own_session: bool
) -> None:
    import requests

    _proxied_environment(monkeypatch)
    session = None if own_session else requests.Session()
    token = emulator.issue_result_token("r")
    with ConfigClient(
        Credentials("testid", "testsecret"),
        endpoint=emulator.endpoint,
        session=session,
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        client.put_evaluations(token, evaluations(2))
    assert stored_ids(emulator) == ["i-0", "i-1"]
    if session is not None:
        assert session.trust_env is True  # the caller's session is not modified


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_a_netrc_default_entry_never_replaces_the_signature(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, version: str
) -> None:
    # requests adds Basic auth from ~/.netrc to any request without auth; a
    # "default" entry matches every host and would overwrite V3's Authorization.
    import requests

    netrc = tmp_path / "netrc"
    netrc.write_text("default login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    token = emulator.issue_result_token("r")
    with ConfigClient(
        Credentials("testid", "testsecret"),
        endpoint=emulator.endpoint,
        signature_version=version,
        session=requests.Session(),
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        client.put_evaluations(token, evaluations(1))
    assert stored_ids(emulator) == ["i-0"]
    assert [r.status for r in emulator.requests] == [200]  # accepted at the first attempt


def test_proxy_variables_are_honoured_for_a_real_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    # A one-shot "proxy" on loopback records what it is asked, then hangs up:
    # the request must go through it, and nothing leaves the machine.
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            seen.append(connection.recv(4096))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    proxy = f"http://127.0.0.1:{listener.getsockname()[1]}"
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    monkeypatch.setenv("https_proxy", proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with (
        ConfigClient(
            Credentials("testid", "testsecret"),
            endpoint="config.cn-shanghai.aliyuncs.com",
            retry=RetryPolicy(max_attempts=1),
            connect_timeout=2,
            read_timeout=2,
        ) as client,
        pytest.raises(SubmissionError),
    ):
        client.put_evaluations("token", evaluations(1))
    thread.join(5)
    listener.close()
    assert seen and seen[0].startswith(b"CONNECT config.cn-shanghai.aliyuncs.com:443 ")
