"""Shared fixtures: paths to the official sample events shipped under tests/data."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

DATA = Path(__file__).parent / "data"
EVENTS = DATA / "events"

# The default session runs a modest budget; `nox -s fuzz` raises it.
settings.register_profile(
    "fuzz", max_examples=int(os.environ.get("CONFIGRULES_FUZZ_EXAMPLES", "10000")), deadline=None
)
settings.register_profile("default", max_examples=150, deadline=None)
settings.load_profile("fuzz" if os.environ.get("CONFIGRULES_FUZZ_EXAMPLES") else "default")

#: The official FC events (and events derived from official pieces) that parse.
SAMPLE_EVENTS = [
    "faq-ram-user-scheduled.en-US.json",
    "faq-ram-user-scheduled.zh-CN.json",
    "derived-ecs-instance-configuration-change.json",
    "derived-oss-bucket-configuration-change.json",
]
#: Official field templates: every value is a description, not data.
TEMPLATES = [
    "config-samples-data-json-template.zh-CN.json",
    "doc-template-create-custom-rule-fc.en-US-2021.json",
    "doc-template-custom-rule-function.zh-CN-2021.json",
]


def load_event(name: str) -> dict[str, Any]:
    """One sample event as a dict."""
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def event_bytes(name: str) -> bytes:
    """One sample event exactly as bytes, the way Function Compute passes it."""
    return (EVENTS / name).read_bytes()


@pytest.fixture
def ecs_event() -> dict[str, Any]:
    return load_event("derived-ecs-instance-configuration-change.json")


@pytest.fixture
def ram_event() -> dict[str, Any]:
    return load_event("faq-ram-user-scheduled.en-US.json")


# The project's own tests use the pytest plugin's emulator fixtures; these
# settings fixtures add an STS key for the security-token tests.
@pytest.fixture(scope="session")
def configrules_credentials() -> dict[str, str]:
    return {"testid": "testsecret", "STS.sts": "stssecret"}


@pytest.fixture(scope="session")
def configrules_emulator_options() -> dict[str, Any]:
    return {"security_tokens": {"STS.sts": "the-sts-token"}}


@pytest.fixture
def emulator(config_emulator: Any) -> Any:
    """The shared emulator, with state, inventory and faults reset for this test."""
    return config_emulator


@pytest.fixture
def client(emulator: Any) -> Any:
    from configrules import ConfigClient
    from configrules._client import RetryPolicy
    from configrules._credentials import Credentials

    with ConfigClient(
        Credentials("testid", "testsecret"),
        endpoint=emulator.endpoint,
        retry=RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.01, deadline=10),
        read_timeout=2,
    ) as c:
        yield c
