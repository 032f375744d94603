"""The configrules command, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from configrules.cli import main

EVENTS = Path(__file__).parent.parent / "example_rules" / "events"


def invoke(*args: str, **kwargs: Any) -> Any:
    return CliRunner().invoke(main, list(args), **kwargs)


def test_help_and_version() -> None:
    assert invoke("--help").exit_code == 0
    assert "configrules" in invoke("--version").output


def test_list_shows_plugin_rules() -> None:
    result = invoke("list")
    assert result.exit_code == 0
    assert "ecs_instance_no_public_ip  [example]" in result.output
    assert "param dangerousActions: list[str] (required)" in result.output
    rows = json.loads(invoke("list", "--json").output)
    assert {r["name"] for r in rows} >= {"required_tags", "oss_bucket_not_public"}


def test_list_from_module() -> None:
    result = invoke("list", "--rules", "configrules_example_rules.oss", "--json")
    assert [r["name"] for r in json.loads(result.output)] == [
        "oss_bucket_encrypted",
        "oss_bucket_not_public",
    ]


def test_list_one_rule_by_import_path() -> None:
    result = invoke(
        "list", "--rules", "configrules_example_rules.oss:oss_bucket_encrypted", "--json"
    )
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert row["name"] == "oss_bucket_encrypted"
    assert row["importPath"] == "configrules_example_rules.oss:oss_bucket_encrypted"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("no.such.module", "--rules 'no.such.module': cannot import the module"),
        ("configrules_example_rules.oss:nothing", "has no 'nothing'"),
    ],
)
def test_list_from_a_module_that_is_not_there(rules: str, message: str) -> None:
    result = invoke("list", "--rules", rules)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_rules_in_the_current_directory_are_importable(tmp_path: Path) -> None:
    """`configrules run my_rules:check` finds ./my_rules.py, as `python -m` would."""
    import os
    import subprocess
    import sys

    (tmp_path / "cwd_rules_for_cli.py").write_text(
        "from configrules import rule\n\n\n"
        '@rule(resource_types=["ACS::ECS::Disk"])\n'
        "def disk_encrypted(resource):\n"
        '    return bool(resource.configuration.get("Encrypted"))\n'
    )
    item = {
        "resourceId": "d-1",
        "resourceType": "ACS::ECS::Disk",
        "configuration": {"Encrypted": False},
    }
    (tmp_path / "disk.json").write_text(json.dumps(item))
    # A console script, as pip installs it: sys.path starts with its own
    # directory, not the current one (`python -c` would add "").
    script = (
        "import sys; sys.path = [p for p in sys.path if p not in ('', '.')]; "
        "from configrules.cli import main; main()"
    )
    runs = {
        "run": ["run", "cwd_rules_for_cli:disk_encrypted", "disk.json"],
        "run --rules": ["run", "disk_encrypted", "disk.json", "--rules", "cwd_rules_for_cli"],
        "list --rules": ["list", "--rules", "cwd_rules_for_cli"],
    }
    for what, args in runs.items():
        completed = subprocess.run(
            [sys.executable, "-c", script, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        )
        assert completed.returncode == 0, (what, completed.stderr)
        assert ("NON_COMPLIANT" if what.startswith("run") else "disk_encrypted") in (
            completed.stdout
        ), what


def test_plugins() -> None:
    result = invoke("plugins")
    assert "loaded   exemptions" in result.output and "loaded   example" in result.output


def test_run_table_and_fail_on() -> None:
    result = invoke("run", "oss_bucket_not_public", str(EVENTS), "--fail-on", "non-compliant")
    assert result.exit_code == 1
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["RESOURCE", "TYPE", "COMPLIANCE", "ANNOTATION"]
    assert len(rows) == 11
    public = next(row for row in rows if "NON_COMPLIANT" in row)
    assert public.split()[:3] == ["new-bucket", "ACS::OSS::Bucket", "NON_COMPLIANT"]
    assert "11 evaluation(s)" in result.stderr and "NON_COMPLIANT 1" in result.stderr
    ok = invoke(
        "run",
        "oss_bucket_not_public",
        str(EVENTS / "oss-bucket-private-unencrypted.json"),
        "--fail-on",
        "non-compliant",
    )
    assert ok.exit_code == 0


def test_run_json_jsonl_and_parameters(tmp_path: Path) -> None:
    lines = tmp_path / "items.jsonl"
    lines.write_text(
        "\n".join(
            json.dumps(
                {
                    "resourceId": f"d-{i}",
                    "resourceType": "ACS::ECS::Disk",
                    "regionId": "r",
                    "configuration": json.dumps({"Encrypted": True, "KMSKeyId": "k" if i else ""}),
                }
            )
            for i in range(3)
        )
        + "\n"
    )
    for option in ("-p", "--parameter", "--parameters"):
        out = invoke(
            "run",
            "ecs_disk_encrypted",
            str(lines),
            "--format",
            "jsonl",
            option,
            "requireKmsKey=true",
        )
        rows = [json.loads(line) for line in out.stdout.splitlines()]
        assert [r["complianceType"] for r in rows] == ["NON_COMPLIANT", "COMPLIANT", "COMPLIANT"]
    params = tmp_path / "p.json"
    params.write_text('{"requireKmsKey": "false"}')
    out = invoke(
        "run",
        "ecs_disk_encrypted",
        str(lines),
        "--format",
        "json",
        "--parameters-file",
        str(params),
    )
    assert all(r["complianceType"] == "COMPLIANT" for r in json.loads(out.stdout))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "no_such_rule", str(EVENTS)], "no rule named 'no_such_rule'"),
        (["run", "ecs_disk_encrypted", "/no/such/file"], "does not exist"),
        (
            ["run", "ecs_disk_encrypted", str(EVENTS), "-p", "requireKmsKey=perhaps"],
            "requireKmsKey",
        ),
        (["run", "ecs_disk_encrypted", str(EVENTS), "-p", "novalue"], "KEY=VALUE"),
        (["invoke", "ecs_disk_encrypted", str(EVENTS / "ecs-disk-unencrypted.json")], "--local"),
    ],
)
def test_errors_are_one_clear_line(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_invalid_json_line_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"resourceId": "a", "resourceType": "ACS::ECS::Disk"}\n{oops\n')
    result = invoke("run", "ecs_disk_encrypted", str(bad))
    assert result.exit_code == 2
    assert "line 2 is not valid JSON" in result.output


def test_invoke_local_prints_what_was_submitted() -> None:
    result = invoke(
        "invoke",
        "ecs_instance_no_public_ip",
        str(EVENTS / "ecs-instance-public-ip.json"),
        "--local",
    )
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["summary"]["counts"] == {"NON_COMPLIANT": 1}
    assert output["emulatorReceived"][0]["complianceResourceId"] == "i-bp12g4xbl4i0brkn****"


def test_invoke_against_an_endpoint(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
    result = invoke(
        "invoke",
        "ecs_instance_no_public_ip",
        str(EVENTS / "ecs-instance-public-ip.json"),
        "--endpoint",
        emulator.endpoint,
    )
    assert result.exit_code == 0, result.output
    assert len(emulator.evaluations()) == 1
    assert "testsecret" not in result.output


def test_invoke_with_a_cli_profile(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "current": "other",
                "profiles": [
                    {"name": "other", "mode": "AK", "access_key_id": "x", "access_key_secret": "y"},
                    {
                        "name": "emulated",
                        "mode": "AK",
                        "access_key_id": "testid",
                        "access_key_secret": "testsecret",
                    },
                ],
            }
        )
    )
    monkeypatch.setenv("ALIBABA_CLOUD_CONFIG_FILE", str(config))
    # Keys in the environment would come first in the default chain; --profile
    # takes the profile's keys only.
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "wrongid")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrongsecret")
    args = ["invoke", "ecs_instance_no_public_ip", str(EVENTS / "ecs-instance-public-ip.json")]
    result = invoke(*args, "--endpoint", emulator.endpoint, "--profile", "emulated")
    assert result.exit_code == 0, result.output
    assert len(emulator.evaluations()) == 1
    missing = invoke(*args, "--endpoint", emulator.endpoint, "--profile", "nobody")
    assert missing.exit_code == 2
    assert "no profile 'nobody'" in missing.output and "Traceback" not in missing.output


def test_plugin_cli_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    import click

    from configrules import _plugins
    from configrules.hookspecs import hookimpl

    @click.command("hello")
    def hello() -> None:
        click.echo("hello from a plugin")

    module = types.ModuleType("cli_plugin")
    module.configrules_cli_commands = hookimpl(lambda: [hello])  # type: ignore[attr-defined]
    original = _plugins.make_plugin_manager
    monkeypatch.setattr(
        _plugins, "make_plugin_manager", lambda **kw: original(plugins=[module], **kw)
    )
    assert invoke("hello").output == "hello from a plugin\n"
    assert "hello" in invoke("--help").output


def test_testing_exports_fixture_types() -> None:
    from configrules import testing
    from configrules.emulator import ConfigEmulator

    assert testing.ConfigEmulator is ConfigEmulator
    assert testing.RunRule is not None and testing.MakeResource is not None
    with pytest.raises(AttributeError):
        _ = testing.nothing  # type: ignore[attr-defined]


def test_emulator_command_serves_until_interrupted(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    import requests

    (tmp_path / "inv.json").write_text(
        json.dumps({"resourceId": "i-1", "resourceType": "ACS::ECS::Instance"})
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "configrules.cli",
            "emulator",
            "--port",
            "0",
            "--credential",
            "me:mysecret",
            "--inventory",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint = process.stdout.readline().strip()  # type: ignore[union-attr]
        assert endpoint.startswith("http://127.0.0.1:")
        answer = requests.get(endpoint + "/_emulator/evaluations", timeout=5)
        assert answer.json() == {"Evaluations": []}
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=10)
    assert "1 resources" in errors


def test_run_json_is_valid_when_empty_and_when_full(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert (
        json.loads(invoke("run", "ecs_disk_encrypted", str(empty), "--format", "json").stdout) == []
    )
    full = invoke("run", "ecs_disk_encrypted", str(EVENTS), "--format", "json")
    rows = json.loads(full.stdout)
    assert len(rows) == 11 and {r["complianceType"] for r in rows} >= {"NOT_APPLICABLE"}


def _run_in_a_terminal(args: list[str]) -> str:
    """Run the CLI with stderr on a pseudo-terminal; return what the terminal showed."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "configrules.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=follower,
    ) as process:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the pty closes (EIO) when the child exits
                break
            if not chunk:
                break
            shown += chunk
    os.close(leader)
    assert process.returncode == 0
    return shown.decode(errors="replace")


@pytest.mark.skipif(not hasattr(__import__("os"), "openpty"), reason="needs a pty")
def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    item = json.dumps(
        {
            "resourceId": "d-1",
            "resourceType": "ACS::ECS::Disk",
            "configuration": {"Encrypted": True},
        }
    )
    export = tmp_path / "export.jsonl"
    export.write_text((item + "\n") * 20_000)
    on_terminal = _run_in_a_terminal(["run", "ecs_disk_encrypted", str(export), "--progress"])
    assert "evaluating" in on_terminal and "100%" in on_terminal
    # Small input: no bar by default, only the summary.
    small = tmp_path / "small.jsonl"
    small.write_text(item + "\n")
    quiet = _run_in_a_terminal(["run", "ecs_disk_encrypted", str(small)])
    assert "evaluating" not in quiet and "1 evaluation(s)" in quiet
    # Not a terminal (CliRunner): never a bar, even when asked.
    piped = invoke("run", "ecs_disk_encrypted", str(export), "--progress", "--format", "jsonl")
    assert "evaluating" not in piped.stderr and piped.stdout.count("\n") == 20_000


def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path: Path) -> None:
    """`configrules run ... | head`: exit 141 like a Unix tool, no error, no traceback."""
    import subprocess
    import sys

    item = json.dumps({"resourceId": "d-1", "resourceType": "ACS::ECS::Disk", "configuration": {}})
    export = tmp_path / "export.jsonl"
    export.write_text((item + "\n") * 20_000)  # far more output than a pipe buffers
    with subprocess.Popen(
        [sys.executable, "-m", "configrules.cli", "run", "ecs_disk_encrypted", str(export)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(b"RESOURCE")
        process.stdout.close()
        errors = process.stderr.read().decode()
    assert process.returncode == 141
    assert errors == ""
