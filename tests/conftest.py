"""Shared fixtures: paths to the official sample events shipped under tests/data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
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


# --- offline installs: a wheelhouse and child environments --------------------


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    """Wheels for installs without the internet.

    ``nox -s tests`` downloads them while it installs (the package registry is
    reachable then) and names the folder in ``CONFIGRULES_TEST_WHEELHOUSE``.
    Outside nox the tests that need it skip, except under CI, where a missing
    wheelhouse is a failure.
    """
    location = os.environ.get("CONFIGRULES_TEST_WHEELHOUSE")
    if location and Path(location).is_dir():
        return Path(location).resolve()  # tests change directory
    message = "CONFIGRULES_TEST_WHEELHOUSE is not set: run through `nox -s tests`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def child_environment(tmp_path: Path, *, with_pip: bool) -> Path:
    """A venv that sees this environment's packages (configrules, pytest) but
    installs into its own site-packages, so what a test installs stays out of
    ours. Returns its python."""
    venv = tmp_path / "venv"
    command = [sys.executable, "-m", "venv", str(venv)]
    if not with_pip:
        command.insert(3, "--without-pip")
    subprocess.run(command, check=True, capture_output=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    child_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # addsitedir (not a bare path line) so our own .pth files, such as editable
    # installs of configrules, are honoured too.
    parent_site = sysconfig.get_path("purelib")
    (Path(child_site) / "parent.pth").write_text(f"import site; site.addsitedir({parent_site!r})\n")
    return python
