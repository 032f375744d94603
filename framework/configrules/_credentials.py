"""Alibaba Cloud credentials: providers and the default chain.

The default chain, in order (the first provider that has credentials wins):

1. Function Compute context: ``context.credentials`` (FC 2.0 runtimes).
2. Environment: ``ALIBABA_CLOUD_ACCESS_KEY_ID``, ``ALIBABA_CLOUD_ACCESS_KEY_SECRET``,
   ``ALIBABA_CLOUD_SECURITY_TOKEN`` (FC 3.0 runtimes, CI, laptops).
3. The Alibaba Cloud CLI profile file ``~/.aliyun/config.json`` (profile from
   ``ALIBABA_CLOUD_PROFILE``, else the file's ``current``); ``AK`` and
   ``StsToken`` modes.
4. ECS RAM role from the instance metadata service, only when
   ``ALIBABA_CLOUD_ECS_METADATA`` names the role (so nothing probes the network
   off ECS).

Secrets never appear in ``repr``, ``str``, logs or exception messages.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from ._redact import mask
from .errors import CredentialsError

if TYPE_CHECKING:
    import requests

__all__ = [
    "ChainProvider",
    "CliProfileProvider",
    "Credentials",
    "CredentialsProvider",
    "EcsRamRoleProvider",
    "EnvironmentProvider",
    "FunctionComputeContextProvider",
    "StaticProvider",
    "default_chain",
]

ENV_ACCESS_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
ENV_SECURITY_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"
ENV_PROFILE = "ALIBABA_CLOUD_PROFILE"
ENV_CONFIG_FILE = "ALIBABA_CLOUD_CONFIG_FILE"
ENV_ECS_ROLE = "ALIBABA_CLOUD_ECS_METADATA"
ECS_METADATA_URL = "http://100.100.100.200"
# Refresh temporary credentials this long before they expire.
REFRESH_MARGIN_SECONDS = 180.0


@attrs.frozen(repr=False)
class Credentials:
    """An access key pair, with a security token for STS credentials.

    Attributes:
        access_key_id: the AccessKey id (shown masked in ``repr``).
        access_key_secret: the secret (never shown).
        security_token: the STS token, ``None`` for long-term keys (never shown).
        expiration: epoch seconds when temporary credentials expire.
        provider: the name of the provider that found them.
    """

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None
    expiration: float | None = None
    provider: str = "explicit"

    def __attrs_post_init__(self) -> None:
        for field in ("access_key_id", "access_key_secret"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value:
                raise CredentialsError(f"{field} must be a non-empty string")

    def __repr__(self) -> str:
        token = ", security_token=<set>" if self.security_token else ""
        return f"Credentials(access_key_id={mask(self.access_key_id)}{token}, provider={self.provider!r})"

    __str__ = __repr__

    def expires_soon(self, now: float | None = None) -> bool:
        """True when these are temporary credentials within the refresh margin."""
        if self.expiration is None:
            return False
        return (now if now is not None else time.time()) >= self.expiration - REFRESH_MARGIN_SECONDS


class CredentialsProvider(Protocol):
    """Something that can find credentials (or say it has none)."""

    name: str

    def get(self) -> Credentials | None:
        """The credentials, ``None`` when this source has none.

        Raises:
            CredentialsError: the source exists but is broken (named in the message).
        """


class StaticProvider:
    """Fixed credentials given in code."""

    name = "explicit"

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    def get(self) -> Credentials:
        return self._credentials

    def __repr__(self) -> str:
        return f"StaticProvider({self._credentials!r})"


class FunctionComputeContextProvider:
    """``context.credentials`` as Function Compute 2.0 runtimes pass it."""

    name = "function-compute-context"

    def __init__(self, context: Any) -> None:
        self._context = context

    def get(self) -> Credentials | None:
        creds = getattr(self._context, "credentials", None)
        if creds is None:
            return None
        key_id = getattr(creds, "access_key_id", None) or getattr(creds, "accessKeyId", None)
        secret = getattr(creds, "access_key_secret", None) or getattr(
            creds, "accessKeySecret", None
        )
        token = getattr(creds, "security_token", None) or getattr(creds, "securityToken", None)
        if not key_id or not secret:
            return None
        return Credentials(key_id, secret, token or None, provider=self.name)


class EnvironmentProvider:
    """``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN``."""

    name = "environment"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ if environ is not None else os.environ

    def get(self) -> Credentials | None:
        key_id = self._environ.get(ENV_ACCESS_KEY_ID, "").strip()
        secret = self._environ.get(ENV_ACCESS_KEY_SECRET, "").strip()
        if not key_id and not secret:
            return None
        if not key_id or not secret:
            missing = ENV_ACCESS_KEY_ID if not key_id else ENV_ACCESS_KEY_SECRET
            raise CredentialsError(f"environment: {missing} is not set but its pair is")
        token = self._environ.get(ENV_SECURITY_TOKEN, "").strip() or None
        return Credentials(key_id, secret, token, provider=self.name)


class CliProfileProvider:
    """A profile of the Alibaba Cloud CLI's ``~/.aliyun/config.json``.

    Args:
        path: the file; default ``ALIBABA_CLOUD_CONFIG_FILE`` or ``~/.aliyun/config.json``.
        profile: the profile name; default ``ALIBABA_CLOUD_PROFILE`` or the file's ``current``.
    """

    name = "cli-profile"

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        profile: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        environ = environ if environ is not None else os.environ
        default = environ.get(ENV_CONFIG_FILE) or Path.home() / ".aliyun" / "config.json"
        self.path = Path(path if path is not None else default)
        self.profile = profile or environ.get(ENV_PROFILE) or None

    def get(self) -> Credentials | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CredentialsError(
                f"cli-profile: cannot read {self.path}: {exc.strerror}"
            ) from None
        try:
            document = json.loads(text)
        except ValueError:
            raise CredentialsError(f"cli-profile: {self.path} is not valid JSON") from None
        if not isinstance(document, dict):
            raise CredentialsError(f"cli-profile: {self.path} is not a JSON object")
        wanted = self.profile or document.get("current") or "default"
        profiles = document.get("profiles") or []
        found = next((p for p in profiles if isinstance(p, dict) and p.get("name") == wanted), None)
        if found is None:
            if self.profile:
                raise CredentialsError(f"cli-profile: no profile {wanted!r} in {self.path}")
            return None
        mode = found.get("mode", "AK")
        key_id = found.get("access_key_id") or ""
        secret = found.get("access_key_secret") or ""
        if mode == "AK":
            token = None
        elif mode == "StsToken":
            token = found.get("sts_token") or None
            if not token:
                raise CredentialsError(f"cli-profile: profile {wanted!r} has no sts_token")
        else:
            raise CredentialsError(
                f"cli-profile: profile {wanted!r} uses mode {mode!r}; supported: AK, StsToken"
            )
        if not key_id or not secret:
            raise CredentialsError(f"cli-profile: profile {wanted!r} lacks an access key pair")
        return Credentials(key_id, secret, token, provider=f"{self.name}:{wanted}")


class EcsRamRoleProvider:
    """Temporary credentials of an ECS instance's RAM role, from the metadata service.

    Cached and refreshed :data:`REFRESH_MARGIN_SECONDS` before ``Expiration``.

    Args:
        role_name: the role; discovered from the metadata service when ``None``.
        base_url: the metadata service (plain HTTP by nature: it is link-local).
        timeout: seconds for each metadata request.
    """

    name = "ecs-ram-role"

    def __init__(
        self,
        role_name: str | None = None,
        *,
        base_url: str = ECS_METADATA_URL,
        timeout: float = 2.0,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.role_name = role_name
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = session
        self._clock = clock
        self._cached: Credentials | None = None
        self._lock = threading.Lock()

    def get(self) -> Credentials:
        with self._lock:
            if self._cached is None or self._cached.expires_soon(self._clock()):
                self._cached = self._fetch()
            return self._cached

    def _request(self, method: str, path: str, headers: dict[str, str] | None = None) -> str:
        import requests

        from ._transport import KEEP_HEADERS, direct_proxies

        session = self._session or requests.Session()
        url = f"{self.base_url}{path}"
        try:
            # The metadata service answers only on the instance itself: never
            # through a proxy from the environment.
            response = session.request(
                method,
                url,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                auth=KEEP_HEADERS,
                proxies=direct_proxies(),
            )
        except requests.RequestException as exc:
            raise CredentialsError(
                f"ecs-ram-role: metadata service {self.base_url} unreachable ({type(exc).__name__})"
            ) from None
        finally:
            if session is not self._session:
                session.close()
        if response.status_code != 200:
            raise CredentialsError(
                f"ecs-ram-role: {method} {path} answered HTTP {response.status_code}"
            )
        return response.text

    def _fetch(self) -> Credentials:
        headers: dict[str, str] = {}
        try:
            token = self._request(
                "PUT", "/latest/api/token", {"X-aliyun-ecs-metadata-token-ttl-seconds": "21600"}
            )
            headers["X-aliyun-ecs-metadata-token"] = token
        except CredentialsError:
            pass  # IMDSv1 instances have no token endpoint; plain GETs still work.
        base = "/latest/meta-data/ram/security-credentials/"
        role = self.role_name or self._request("GET", base, headers).strip().splitlines()[0]
        try:
            document = json.loads(self._request("GET", base + role, headers))
        except ValueError:
            raise CredentialsError("ecs-ram-role: metadata answer is not JSON") from None
        if not isinstance(document, dict) or document.get("Code", "Success") != "Success":
            raise CredentialsError(f"ecs-ram-role: role {role!r} credentials not available")
        try:
            expiration = _parse_expiration(document["Expiration"])
            return Credentials(
                document["AccessKeyId"],
                document["AccessKeySecret"],
                document["SecurityToken"],
                expiration=expiration,
                provider=f"{self.name}:{role}",
            )
        except (KeyError, TypeError, ValueError):
            raise CredentialsError(
                f"ecs-ram-role: role {role!r} answer lacks AccessKeyId/AccessKeySecret/"
                "SecurityToken/Expiration"
            ) from None


def _parse_expiration(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class ChainProvider:
    """Tries providers in order; the first with credentials wins."""

    name = "chain"

    def __init__(self, providers: Sequence[CredentialsProvider]) -> None:
        self.providers = list(providers)
        self._winner: CredentialsProvider | None = None

    def get(self) -> Credentials:
        if self._winner is not None:
            found = self._winner.get()
            if found is not None:
                return found
        tried = []
        for provider in self.providers:
            try:
                found = provider.get()
            except CredentialsError as exc:
                tried.append(f"{provider.name} ({exc})")
                continue
            if found is not None:
                self._winner = provider
                return found
            tried.append(f"{provider.name} (nothing found)")
        raise CredentialsError(
            "no Alibaba Cloud credentials found; tried: "
            + "; ".join(tried)
            + f". Set {ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET}, or pass credentials."
        )

    def __repr__(self) -> str:
        return f"ChainProvider([{', '.join(p.name for p in self.providers)}])"


def default_chain(
    context: Any = None, *, environ: Mapping[str, str] | None = None
) -> ChainProvider:
    """The default provider chain (see the module docstring for the order)."""
    environ = environ if environ is not None else os.environ
    providers: list[CredentialsProvider] = []
    if context is not None:
        providers.append(FunctionComputeContextProvider(context))
    providers.append(EnvironmentProvider(environ))
    providers.append(CliProfileProvider(environ=environ))
    role = environ.get(ENV_ECS_ROLE)
    if role:
        providers.append(EcsRamRoleProvider(None if role.lower() == "true" else role))
    return ChainProvider(providers)
