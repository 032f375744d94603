"""The pytest plugin, tested with pytester in isolated pytest runs."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

RULES = """
from configrules import Compliance, rule

@rule(resource_types=["ACS::OSS::Bucket"], parameters={"allowed": (list[str], ["private"])})
def bucket_acl(resource, parameters):
    grant = resource.configuration.get("AccessControlList", {}).get("Grant", "")
    if grant in parameters["allowed"]:
        return Compliance.COMPLIANT, f"ACL {grant} is allowed."
    return Compliance.NON_COMPLIANT, f"ACL {grant} is not allowed."
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(myrules=RULES)
    pytester.syspathinsert()
    return pytester


def test_fixtures_run_the_pipeline(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_it="""
        from configrules import Compliance
        from configrules.testing import assert_compliance
        from myrules import bucket_acl

        def test_public(run_rule, make_resource, config_emulator):
            bucket = make_resource("ACS::OSS::Bucket", {"AccessControlList": {"Grant": "public-read"}})
            result = run_rule(bucket_acl, bucket)
            assert_compliance(result, Compliance.NON_COMPLIANT, annotation_contains="public-read")
            assert len(config_emulator.evaluations()) == 1
            assert result.payloads[0]["DeleteMode"] == "false"

        def test_parameters(run_rule, make_resource):
            bucket = make_resource("ACS::OSS::Bucket", {"AccessControlList": {"Grant": "public-read"}})
            assert_compliance(run_rule(bucket_acl, bucket, parameters={"allowed": ["public-read"]}),
                              "COMPLIANT")

        def test_state_is_reset(config_emulator):
            assert config_emulator.evaluations() == []

        def test_event_bytes(make_event, make_resource, run_rule):
            raw = make_event(make_resource("ACS::ECS::Instance", {"a": 1}))
            assert isinstance(raw, bytes)
            assert_compliance(run_rule(bucket_acl, raw), "NOT_APPLICABLE")

        def test_registry_is_empty_by_default(rule_registry):
            assert len(rule_registry) == 0
    """
    )
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=5)


def test_assertion_failures_are_readable(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_fail="""
        from configrules.testing import assert_compliance
        from myrules import bucket_acl

        def test_wrong(run_rule, make_resource):
            bucket = make_resource("ACS::OSS::Bucket", {"AccessControlList": {"Grant": "public-read"}}, id="b-1")
            assert_compliance(run_rule(bucket_acl, bucket), "COMPLIANT")
    """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*b-1: expected COMPLIANT, got NON_COMPLIANT*ACL public-read is not allowed*"]
    )


def test_case_files_are_collected_with_readable_ids_and_diffs(project: pytest.Pytester) -> None:
    project.makefile(
        ".cases.toml",
        acl="""
        rule = "myrules:bucket_acl"

        [[case]]
        name = "private bucket"
        resource_type = "ACS::OSS::Bucket"
        configuration = { AccessControlList = { Grant = "private" } }
        expect = "COMPLIANT"

        [[case]]
        name = "wrong expectation"
        resource_type = "ACS::OSS::Bucket"
        configuration = { AccessControlList = { Grant = "public-read" } }
        expect = "COMPLIANT"
        annotation = "nope"

        [[case]]
        name = "parameters"
        resource_type = "ACS::OSS::Bucket"
        configuration = { AccessControlList = { Grant = "public-read" } }
        parameters = { allowed = "private,public-read" }
        expect = "COMPLIANT"
    """,
    )
    result = project.runpytest("-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*acl.cases.toml::private bucket PASSED*",
            "*acl.cases.toml::wrong expectation FAILED*",
            "*compliance: expected COMPLIANT, got NON_COMPLIANT*",
            "*annotation: expected to contain 'nope', got 'ACL public-read is not allowed.'*",
        ]
    )


def test_bad_case_is_reported_without_traceback(project: pytest.Pytester) -> None:
    project.makefile(
        ".cases.toml",
        bad="""
        rule = "myrules:bucket_acl"
        [[case]]
        name = "no expectation"
        resource_type = "ACS::OSS::Bucket"
    """,
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*a case needs expect*"])


def test_installed_plugins_load_only_when_asked(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_iso="""
        import pytest

        def test_isolated(rule_registry):
            assert "oss_bucket_not_public" not in rule_registry

        @pytest.mark.configrules_plugins
        def test_with_plugins(rule_registry):
            assert "oss_bucket_not_public" in rule_registry
    """
    )
    project.runpytest().assert_outcomes(passed=2)
    project.runpytest("--configrules-plugins", "-k", "with_plugins").assert_outcomes(passed=1)
