"""OSS rules: bucket ACL and server-side encryption."""

from __future__ import annotations

from typing import Any

from configrules import Compliance, Resource, rule

from ._config import dig


@rule(resource_types=["ACS::OSS::Bucket"])
def oss_bucket_not_public(resource: Resource) -> Any:
    """OSS buckets are private: the ACL is neither public-read nor public-read-write.

    Public buckets are the most common source of data leaks on object storage.
    """
    grant = dig(resource.configuration, "AccessControlList.Grant") or ""
    if grant == "private":
        return Compliance.COMPLIANT, "Bucket ACL is private."
    if not grant:
        return Compliance.INSUFFICIENT_DATA, "Bucket ACL (AccessControlList.Grant) is missing."
    return (
        Compliance.NON_COMPLIANT,
        f"Bucket ACL is {grant}; set it to private and grant access with bucket policies or RAM.",
    )


@rule(
    resource_types=["ACS::OSS::Bucket"],
    parameters={"algorithms": (list[str], ["AES256", "KMS", "SM4"])},
)
def oss_bucket_encrypted(resource: Resource, parameters: dict[str, Any]) -> Any:
    """OSS buckets encrypt objects at rest with one of the allowed ``algorithms``."""
    algorithm = dig(resource.configuration, "ServerSideEncryptionRule.SSEAlgorithm") or "None"
    allowed = parameters["algorithms"]
    if algorithm in allowed:
        return Compliance.COMPLIANT, f"Server-side encryption uses {algorithm}."
    return (
        Compliance.NON_COMPLIANT,
        f"Server-side encryption is {algorithm}; enable it with one of {', '.join(allowed)}.",
    )
