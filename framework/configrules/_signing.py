"""Alibaba Cloud request signing: V3 ``ACS3-HMAC-SHA256`` and RPC V2 ``HMAC-SHA1``.

Pure functions: the clock and the nonce are arguments, so every published
test vector can be reproduced exactly, and the emulator verifies requests
with the very same code the client signs them with.

V3 (the default; what the official SDK sends today)::

    CanonicalRequest = METHOD \\n URI \\n CanonicalQuery \\n CanonicalHeaders \\n
                       SignedHeaders \\n hex(SHA256(body))
    StringToSign     = "ACS3-HMAC-SHA256\\n" + hex(SHA256(CanonicalRequest))
    Signature        = hex(HMAC-SHA256(secret, StringToSign))

V2 (``SignatureVersion=1.0``)::

    StringToSign = METHOD + "&%2F&" + encode(sorted "k=v" pairs joined by "&")
    Signature    = base64(HMAC-SHA1(secret + "&", StringToSign))
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timezone
from urllib.parse import quote

__all__ = [
    "V3_ALGORITHM",
    "build_v2_request",
    "build_v3_request",
    "canonical_headers",
    "canonical_query",
    "form_encode",
    "format_timestamp",
    "hash_payload",
    "parse_v3_authorization",
    "percent_encode",
    "sign_rpc_request",
    "v2_signature",
    "v2_string_to_sign",
    "v3_authorization",
    "v3_signature",
]

V3_ALGORITHM = "ACS3-HMAC-SHA256"
SIGNATURE_VERSION_V2 = "1.0"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba specifies it: only ``A-Za-z0-9-_.~`` stay literal."""
    return quote(value, safe="~")


def format_timestamp(epoch_seconds: float) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC, the format both signature versions use."""
    return datetime.fromtimestamp(epoch_seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_query(params: Mapping[str, str]) -> str:
    """Percent-encoded ``k=v`` pairs joined by ``&``, sorted by the *unencoded* name.

    Sorting before encoding is what Alibaba's SDKs (and so the gateway) do; it
    differs from sorting the encoded text for names with characters like ``{``.
    """
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def form_encode(params: Mapping[str, str]) -> bytes:
    """The ``application/x-www-form-urlencoded`` body for ``params`` (UTF-8, sorted)."""
    return canonical_query(params).encode("utf-8")


def hash_payload(body: bytes) -> str:
    """Hex SHA-256 of the request body."""
    return hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256


# --- V2 -------------------------------------------------------------------


def v2_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """The V2 string to sign over every parameter except ``Signature``."""
    signed = {k: v for k, v in params.items() if k != "Signature"}
    return f"{method.upper()}&%2F&{percent_encode(canonical_query(signed))}"


def v2_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """The V2 ``Signature`` value (base64 HMAC-SHA1 keyed with ``secret + "&"``)."""
    digest = hmac.new(
        f"{secret}&".encode(), v2_string_to_sign(method, params).encode("utf-8"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def build_v2_request(
    *,
    method: str,
    action: str,
    version: str,
    params: Mapping[str, str],
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None,
    timestamp: str,
    nonce: str,
) -> tuple[dict[str, str], dict[str, str], bytes]:
    """Sign an RPC call with V2, laid out as the official SDK does.

    Common parameters (and the signature) go in the query string, the
    action's own parameters in a form body; the signature covers both.

    Returns:
        ``(query, headers, body)``.
    """
    query = {
        "Action": action,
        "Format": "JSON",
        "Version": version,
        "Timestamp": timestamp,
        "SignatureNonce": nonce,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": SIGNATURE_VERSION_V2,
        "AccessKeyId": access_key_id,
    }
    if security_token:
        query["SecurityToken"] = security_token
    query["Signature"] = v2_signature(method, {**params, **query}, access_key_secret)
    headers = {"x-acs-action": action, "x-acs-version": version}
    body = b""
    if params:
        body = form_encode(params)
        headers["content-type"] = "application/x-www-form-urlencoded"
    return query, headers, body


# --- V3 -------------------------------------------------------------------


def canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """``(canonical headers, signed header names)`` for the given headers.

    Names are lower-cased and sorted; values are stripped.
    """
    lowered = sorted((k.lower(), str(v).strip()) for k, v in headers.items())
    canonical = "".join(f"{k}:{v}\n" for k, v in lowered)
    return canonical, ";".join(k for k, _ in lowered)


def v3_signature(
    *,
    method: str,
    path: str,
    query: Mapping[str, str],
    signed_headers: Mapping[str, str],
    hashed_payload: str,
    access_key_secret: str,
) -> tuple[str, str]:
    """``(signature, signed header names)`` over exactly ``signed_headers``."""
    headers_text, names = canonical_headers(signed_headers)
    canonical_request = "\n".join(
        [method.upper(), path or "/", canonical_query(query), headers_text, names, hashed_payload]
    )
    string_to_sign = (
        f"{V3_ALGORITHM}\n{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"
    )
    signature = hmac.new(
        access_key_secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    return signature, names


def v3_authorization(
    *,
    method: str,
    path: str,
    query: Mapping[str, str],
    signed_headers: Mapping[str, str],
    hashed_payload: str,
    access_key_id: str,
    access_key_secret: str,
) -> str:
    """The V3 ``Authorization`` header value."""
    signature, names = v3_signature(
        method=method,
        path=path,
        query=query,
        signed_headers=signed_headers,
        hashed_payload=hashed_payload,
        access_key_secret=access_key_secret,
    )
    return f"{V3_ALGORITHM} Credential={access_key_id},SignedHeaders={names},Signature={signature}"


def parse_v3_authorization(value: str) -> tuple[str, list[str], str] | None:
    """``(access key id, signed header names, signature)`` or ``None`` if malformed."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != V3_ALGORITHM:
        return None
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if not sep:
            return None
        fields[key] = val
    try:
        return fields["Credential"], fields["SignedHeaders"].split(";"), fields["Signature"]
    except KeyError:
        return None


def build_v3_request(
    *,
    method: str,
    host: str,
    action: str,
    version: str,
    params: Mapping[str, str],
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None,
    timestamp: str,
    nonce: str,
) -> tuple[dict[str, str], dict[str, str], bytes]:
    """Sign an RPC call with V3: parameters in a form body, nothing in the query.

    Returns:
        ``(query, headers, body)``; ``headers`` includes ``Authorization``.
    """
    body = form_encode(params) if params else b""
    signed = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": timestamp,
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": hash_payload(body),
    }
    if body:
        signed["content-type"] = "application/x-www-form-urlencoded"
    if security_token:
        signed["x-acs-security-token"] = security_token
    query: dict[str, str] = {}
    authorization = v3_authorization(
        method=method,
        path="/",
        query=query,
        signed_headers=signed,
        hashed_payload=signed["x-acs-content-sha256"],
        access_key_id=access_key_id,
        access_key_secret=access_key_secret,
    )
    headers = {k: v for k, v in signed.items() if k != "host"}
    headers["Authorization"] = authorization
    return query, headers, body


def sign_rpc_request(
    signature_version: str,
    *,
    method: str,
    host: str,
    action: str,
    version: str,
    params: Mapping[str, str],
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None,
    timestamp: str,
    nonce: str,
) -> tuple[dict[str, str], dict[str, str], bytes]:
    """Sign an RPC call with ``signature_version`` (``"v3"`` or ``"v2"``).

    Returns:
        ``(query, headers, body)`` as :func:`build_v3_request` / :func:`build_v2_request`.
    """
    if signature_version == "v3":
        return build_v3_request(
            method=method,
            host=host,
            action=action,
            version=version,
            params=params,
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            security_token=security_token,
            timestamp=timestamp,
            nonce=nonce,
        )
    if signature_version == "v2":
        return build_v2_request(
            method=method,
            action=action,
            version=version,
            params=params,
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            security_token=security_token,
            timestamp=timestamp,
            nonce=nonce,
        )
    raise ValueError(f"signature_version must be 'v3' or 'v2', got {signature_version!r}")
