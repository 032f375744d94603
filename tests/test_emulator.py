"""The emulator: what the official SDK sends is accepted; everything else is rejected well."""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

import pytest
import requests

from configrules import Compliance, ConfigClient, Evaluation
from configrules._credentials import Credentials
from configrules._signing import build_v2_request, build_v3_request, format_timestamp
from configrules.emulator import ConfigEmulator

ECS = "ACS::ECS::Instance"
EVALUATION = {
    "complianceResourceId": "i-1",
    "complianceResourceType": ECS,
    "complianceRegionId": "cn-hangzhou",
    "complianceType": "NON_COMPLIANT",
    "annotation": "a b*~+/é",
    "orderingTimestamp": 1700000000000,
    "accountId": 1,
}


def sdk_client(emulator: Any, secret: str = "testsecret", algorithm: str | None = None) -> Any:
    from alibabacloud_config20200907.client import Client
    from alibabacloud_tea_openapi import models

    config = models.Config(
        access_key_id="testid",
        access_key_secret=secret,
        endpoint=f"127.0.0.1:{emulator.port}",
        protocol="http",
    )
    if algorithm:
        config.signature_algorithm = algorithm
    return Client(config)


@pytest.mark.parametrize("algorithm", [None, "v2"])
def test_official_sdk_is_accepted_and_stored_verbatim(emulator: Any, algorithm: str | None) -> None:
    from alibabacloud_config20200907 import models

    token = emulator.issue_result_token("sdk-rule")
    response = sdk_client(emulator, algorithm=algorithm).put_evaluations(
        models.PutEvaluationsRequest(
            result_token=token, evaluations=json.dumps([EVALUATION]), delete_mode=False
        )
    )
    assert response.body.result is True
    assert [s.evaluation for s in emulator.evaluations("sdk-rule")] == [EVALUATION]
    assert emulator.requests[-1].signature_version == ("v2" if algorithm else "v3")


@pytest.mark.parametrize("algorithm", [None, "v2"])
def test_official_sdk_with_wrong_secret_gets_signature_mismatch(
    emulator: Any, algorithm: str | None
) -> None:
    from alibabacloud_config20200907 import models
    from Tea.exceptions import TeaException

    with pytest.raises(TeaException) as info:
        sdk_client(emulator, secret="wrong", algorithm=algorithm).put_evaluations(
            models.PutEvaluationsRequest(result_token="t", evaluations="[]")
        )
    assert info.value.code == "SignatureDoesNotMatch"
    assert emulator.evaluations() == []


def test_official_sdk_discovery_calls(emulator: Any) -> None:
    from alibabacloud_config20200907 import models

    emulator.add_resources(
        [
            {
                "resourceId": "i-1",
                "resourceType": ECS,
                "regionId": "cn-hangzhou",
                "configuration": '{"Cpu": 2}',
                "tags": '{"k": ["v"]}',
            }
        ]
    )
    client = sdk_client(emulator)
    detail = client.get_discovered_resource(
        models.GetDiscoveredResourceRequest(
            resource_id="i-1", resource_type=ECS, region="cn-hangzhou"
        )
    ).body.discovered_resource_detail
    assert json.loads(detail.configuration) == {"Cpu": 2}
    assert json.loads(detail.tags) == {"k": ["v"]}
    listed = client.list_discovered_resources(
        models.ListDiscoveredResourcesRequest(max_results=10, resource_types=ECS)
    ).body.discovered_resource_profiles
    assert [p.resource_id for p in listed.discovered_resource_profile_list] == ["i-1"]
    assert listed.total_count == 1 and not listed.next_token


def signed_post(
    emulator: Any,
    params: dict[str, str],
    *,
    version: str = "v3",
    secret: str = "testsecret",
    key: str = "testid",
    nonce: str | None = None,
    timestamp: str | None = None,
    action: str = "PutEvaluations",
    api_version: str = "2020-09-07",
    tamper: Any = None,
) -> requests.Response:
    builder = build_v3_request if version == "v3" else build_v2_request
    extra = {"host": f"127.0.0.1:{emulator.port}"} if version == "v3" else {}
    query, headers, body = builder(
        method="POST",
        action=action,
        version=api_version,
        params=params,
        access_key_id=key,
        access_key_secret=secret,
        security_token=None,
        timestamp=timestamp or format_timestamp(time.time()),
        nonce=nonce or str(time.monotonic_ns()),
        **extra,
    )
    if tamper:
        query, headers, body = tamper(query, headers, body)
    return requests.post(
        emulator.endpoint + "/", params=query, headers=headers, data=body, timeout=5
    )


def put_params(**overrides: Any) -> dict[str, str]:
    params = {"ResultToken": "tok", "Evaluations": json.dumps([EVALUATION]), "DeleteMode": "false"}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


@pytest.mark.parametrize("version", ["v3", "v2"])
@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"secret": "nope"}, 400, "SignatureDoesNotMatch"),
        ({"key": "ghost"}, 404, "InvalidAccessKeyId.NotFound"),
        ({"timestamp": format_timestamp(time.time() - 16 * 60)}, 400, "InvalidTimeStamp.Expired"),
        ({"timestamp": format_timestamp(time.time() + 16 * 60)}, 400, "InvalidTimeStamp.Expired"),
        ({"action": "DeleteEverything"}, 404, "InvalidAction.NotFound"),
        ({"api_version": "2019-01-08"}, 400, "InvalidVersion"),
    ],
)
def test_authentication_rejections(
    emulator: Any, version: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    response = signed_post(emulator, put_params(), version=version, **kwargs)
    assert response.status_code == status
    body = response.json()
    assert body["Code"] == code
    assert body["RequestId"] and body["Message"]
    assert emulator.evaluations() == []


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_reused_nonce(emulator: Any, version: str) -> None:
    assert signed_post(emulator, put_params(), version=version, nonce="same").status_code == 200
    again = signed_post(emulator, put_params(), version=version, nonce="same")
    assert (again.status_code, again.json()["Code"]) == (400, "SignatureNonceUsed")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (put_params(ResultToken=None), "MissingResultToken"),
        (put_params(Evaluations=None), "MissingEvaluations"),
        (put_params(Evaluations="{not json"), "InvalidParameter.Evaluations"),
        (put_params(Evaluations='{"a": 1}'), "InvalidParameter.Evaluations"),
        (put_params(Evaluations="[1]"), "InvalidParameter.Evaluations"),
        (
            put_params(Evaluations=json.dumps([{**EVALUATION, "complianceType": "MAYBE"}])),
            "InvalidParameter.ComplianceType",
        ),
        (
            put_params(
                Evaluations=json.dumps(
                    [{k: v for k, v in EVALUATION.items() if k != "complianceResourceId"}]
                )
            ),
            "InvalidParameter.Evaluations",
        ),
        (
            put_params(Evaluations=json.dumps([{**EVALUATION, "orderingTimestamp": "soon"}])),
            "InvalidParameter.Evaluations",
        ),
        (put_params(Evaluations=json.dumps([EVALUATION] * 101)), "InvalidParameter.Evaluations"),
        (put_params(DeleteMode="maybe"), "InvalidParameter.DeleteMode"),
    ],
)
def test_put_evaluations_validation(emulator: Any, params: dict[str, str], code: str) -> None:
    response = signed_post(emulator, params)
    assert (response.status_code, response.json()["Code"]) == (400, code)
    assert emulator.evaluations() == []


@pytest.mark.parametrize(
    ("action", "params", "code"),
    [
        ("GetDiscoveredResource", {"ResourceType": ECS, "Region": "r"}, "MissingResourceId"),
        ("ListDiscoveredResources", {}, "Invalid.MaxResults.Value"),
        ("ListDiscoveredResources", {"MaxResults": "0"}, "Invalid.MaxResults.Value"),
        ("ListDiscoveredResources", {"MaxResults": "101"}, "Invalid.MaxResults.Value"),
        (
            "ListDiscoveredResources",
            {"MaxResults": "5", "NextToken": "junk"},
            "Invalid.NextToken.Value",
        ),
        (
            "ListDiscoveredResources",
            {"MaxResults": "5", "ResourceDeleted": "2"},
            "Invalid.ResourceDeleted.Value",
        ),
    ],
)
def test_discovery_validation(
    emulator: Any, action: str, params: dict[str, str], code: str
) -> None:
    response = signed_post(emulator, params, action=action)
    assert response.status_code == 400
    assert response.json()["Code"] == code


def test_malformed_requests_get_4xx_and_the_server_keeps_serving(emulator: Any) -> None:
    url = emulator.endpoint + "/"
    cases = [
        requests.post(
            url,
            data=b"\xff\xfe",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=5,
        ),
        requests.post(url, data=b"a=1", headers={"Content-Type": "application/json"}, timeout=5),
        requests.post(url, data=b"a=1", timeout=5),
        requests.post(url, data=b"x" * (9 * 1024 * 1024), timeout=5),
        requests.get(url, timeout=5),
        requests.post(url, headers={"Authorization": "ACS3-HMAC-SHA256 garbage"}, timeout=5),
        requests.post(
            url,
            headers={
                "Authorization": "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host,Signature=x"
            },
            timeout=5,
        ),
        signed_post(emulator, put_params(), tamper=lambda q, h, b: (q, h, b + b"&x=1")),
        signed_post(
            emulator,
            put_params(),
            tamper=lambda q, h, b: (q, {**h, "x-acs-action": "ListDiscoveredResources"}, b),
        ),
        signed_post(
            emulator,
            put_params(),
            version="v2",
            tamper=lambda q, h, b: ({**q, "SignatureMethod": "MD5"}, h, b),
        ),
    ]
    assert all(400 <= r.status_code < 500 for r in cases), [(r.status_code, r.text) for r in cases]
    assert all("Code" in r.json() for r in cases)
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as raw:
        raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
        assert b" 400 " in raw.recv(1000)
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as raw:
        raw.sendall(b"NONSENSE\r\n\r\n")
        raw.recv(1000)
    assert signed_post(emulator, put_params()).status_code == 200


def test_inspection_over_http(emulator: Any) -> None:
    signed_post(emulator, put_params())
    stored = requests.get(emulator.endpoint + "/_emulator/evaluations", timeout=5).json()
    assert stored["Evaluations"] == [{"rule": "tok", **EVALUATION}]
    listed = requests.get(emulator.endpoint + "/_emulator/requests", timeout=5).json()
    assert listed["Requests"][0]["action"] == "PutEvaluations"
    assert requests.post(emulator.endpoint + "/_emulator/reset", timeout=5).json() == {
        "Result": True
    }
    assert emulator.evaluations() == []
    assert requests.get(emulator.endpoint + "/_emulator/nothing", timeout=5).status_code == 404


def test_inventory_from_files(tmp_path: Any) -> None:
    (tmp_path / "one.json").write_text(json.dumps({"resourceId": "a", "resourceType": ECS}))
    (tmp_path / "many.jsonl").write_text(
        "\n".join(
            json.dumps({"ResourceId": f"b{i}", "ResourceType": ECS, "Region": "r"})
            for i in range(3)
        )
    )
    (tmp_path / "event.json").write_text(
        json.dumps(
            {
                "resultToken": "t",
                "invokingEvent": {
                    "messageType": "x",
                    "configurationItem": {"resourceId": "c", "resourceType": ECS},
                },
            }
        )
    )
    (tmp_path / "list.json").write_text(json.dumps([{"resourceId": "d", "resourceType": ECS}]))
    emulator = ConfigEmulator(inventory=tmp_path)
    assert emulator.state.resource_count() == 6
    assert (
        ConfigEmulator(inventory=[{"resourceId": "z", "resourceType": ECS}]).state.resource_count()
        == 1
    )
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.endpoint


def test_delete_mode_is_per_rule(emulator: Any) -> None:
    client = ConfigClient(Credentials("testid", "testsecret"), endpoint=emulator.endpoint)

    def ev(rid: str) -> Evaluation:
        return Evaluation("x", rid, ECS, "r", Compliance.COMPLIANT, "", 1)

    client.put_evaluations(emulator.issue_result_token("a"), [ev("1"), ev("2")])
    client.put_evaluations(emulator.issue_result_token("b"), [ev("1"), ev("2")])
    client.put_evaluations(emulator.issue_result_token("a"), [ev("3")], delete_mode=True)
    assert [s.evaluation["complianceResourceId"] for s in emulator.evaluations("a")] == ["3"]
    assert len(emulator.evaluations("b")) == 2


def test_latency_fault(emulator: Any) -> None:
    emulator.faults.latency(0.05, action="PutEvaluations")
    started = time.perf_counter()
    assert signed_post(emulator, put_params()).status_code == 200
    assert time.perf_counter() - started >= 0.05


def test_many_threads_many_calls_nothing_lost(emulator: Any) -> None:
    client = ConfigClient(
        Credentials("testid", "testsecret"), endpoint=emulator.endpoint, max_workers=4
    )
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for call in range(10):
                client.put_evaluations(
                    f"tok-{t}",
                    [
                        Evaluation("x", f"{t}-{call}-{i}", ECS, "r", Compliance.COMPLIANT, "", 1)
                        for i in range(5)
                    ],
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ids = [s.evaluation["complianceResourceId"] for s in emulator.evaluations()]
    assert len(ids) == len(set(ids)) == 500
