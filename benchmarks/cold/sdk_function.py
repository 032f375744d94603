"""Cold start, baseline: the same rule written the way the official samples do.

Hand-written event parsing, scope check and evaluation dict; the official
SDK (alibabacloud-config20200907) for PutEvaluations. Unlike the samples it
sends Evaluations as JSON and does not swallow errors, so both sides do the
same work correctly.
"""

import time

started = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from alibabacloud_config20200907 import models as config_models  # noqa: E402
from alibabacloud_config20200907.client import Client  # noqa: E402
from alibabacloud_tea_openapi import models as open_api_models  # noqa: E402

imported = time.perf_counter()

SCOPE = ["ACS::ECS::Instance"]


def evaluate(configuration):
    # The same check and texts as configrules_example_rules.ecs_instance_no_public_ip.
    public = [
        ip for ip in (configuration.get("PublicIpAddress") or {}).get("IpAddress") or [] if ip
    ]
    eip = (configuration.get("EipAddress") or {}).get("IpAddress") or ""
    if public or eip:
        addresses = ", ".join(public + ([eip] if eip else []))
        return (
            "NON_COMPLIANT",
            f"Instance has public address(es) {addresses}; release the public IP or "
            "unbind the EIP and publish through an SLB or NAT gateway.",
        )
    return "COMPLIANT", "Instance has no public IP address."


def handler(event, context):
    evt = json.loads(event)
    invoking_event = evt["invokingEvent"]
    if isinstance(invoking_event, str):
        invoking_event = json.loads(invoking_event)
    item = invoking_event["configurationItem"]
    resource_type = item["resourceType"]
    if resource_type not in SCOPE:
        compliance, annotation = (
            "NOT_APPLICABLE",
            f"Resource type is {resource_type}, not in {','.join(SCOPE)}.",
        )
    else:
        configuration = item["configuration"]
        if isinstance(configuration, str):
            configuration = json.loads(configuration)
        compliance, annotation = evaluate(configuration)
    evaluations = [
        {
            "accountId": item["accountId"],
            "complianceResourceId": item["resourceId"],
            "complianceResourceType": resource_type,
            "complianceRegionId": item["regionId"],
            "orderingTimestamp": evt["orderingTimestamp"],
            "complianceType": compliance,
            "annotation": annotation,
        }
    ]
    endpoint = os.environ["CONFIGRULES_ENDPOINT"]
    client = Client(
        open_api_models.Config(
            access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
            access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
            endpoint=endpoint.split("://", 1)[-1],
            protocol=endpoint.split("://", 1)[0],
        )
    )
    client.put_evaluations(
        config_models.PutEvaluationsRequest(
            result_token=evt["resultToken"], evaluations=json.dumps(evaluations)
        )
    )
    return evaluations


result = handler(sys.stdin.buffer.read(), None)
handled = time.perf_counter()


def peak_rss_mb():
    # VmHWM starts afresh at exec; ru_maxrss would include the forking parent.
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


assert len(result) == 1
print(
    json.dumps(
        {
            "import_ms": (imported - started) * 1000,
            "handle_ms": (handled - imported) * 1000,
            "peak_rss_mb": peak_rss_mb(),
        }
    )
)
