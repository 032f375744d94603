"""Where the Cloud Config API lives, and which URLs configrules agrees to talk to."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .errors import ConfigurationError

__all__ = ["SITES", "is_loopback", "resolve_endpoint"]

#: site name -> the region that hosts that site's Cloud Config endpoint.
SITES = {"cn": "cn-shanghai", "intl": "ap-southeast-1"}


def is_loopback(host: str) -> bool:
    """True for ``localhost``, ``127.0.0.0/8`` and ``::1``."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_endpoint(
    endpoint: str | None = None, *, site: str = "cn", vpc: bool = False, region: str | None = None
) -> str:
    """The base URL (``scheme://host[:port]``) for the Config API.

    Args:
        endpoint: a host (``config.cn-shanghai.aliyuncs.com``) or a URL; wins
            over everything else.
        site: ``"cn"`` (China, default) or ``"intl"`` (international).
        vpc: use the VPC endpoint ``config-vpc.<region>.aliyuncs.com``.
        region: the region of the VPC endpoint (defaults to the site's region).

    Raises:
        ConfigurationError: unknown site, a URL with a path or credentials,
            or plain ``http://`` to a host that is not loopback.
    """
    if endpoint is None:
        if site not in SITES:
            raise ConfigurationError(f"site must be one of {sorted(SITES)}, got {site!r}")
        region = region or SITES[site]
        prefix = "config-vpc" if vpc else "config"
        return f"https://{prefix}.{region}.aliyuncs.com"
    text = endpoint.strip()
    if not text:
        raise ConfigurationError("endpoint is empty")
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ConfigurationError(f"endpoint scheme must be https (got {parts.scheme!r})")
    if not parts.hostname:
        raise ConfigurationError(f"endpoint {endpoint!r} has no host")
    if parts.username or parts.password:
        raise ConfigurationError("endpoint must not carry credentials in the URL")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigurationError(
            f"endpoint {endpoint!r} must be a host or scheme://host[:port] without a path"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"refusing plain http:// to {parts.hostname}: credentials and results would "
            "travel unencrypted. Use https://, or http:// only to a loopback address "
            "(127.0.0.1, ::1, localhost) such as the local emulator"
        )
    try:
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"endpoint {endpoint!r} has an invalid port") from None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")
