"""Per-request settings that keep the environment from changing a request.

requests reads proxies and ``~/.netrc`` from the environment for every request
of a session whose ``trust_env`` is true (the default). configrules never
modifies a session it is given; each request instead says what the
environment may not change.
"""

from __future__ import annotations

from typing import Any

from requests import PreparedRequest
from requests.auth import AuthBase

__all__ = ["KEEP_HEADERS", "direct_proxies"]


class _KeepHeaders(AuthBase):
    """Explicit "no further auth". Without it, requests adds Basic auth from
    ``~/.netrc`` (whose ``default`` entry matches every host), replacing the V3
    ``Authorization`` header a request was signed with."""

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        return request


KEEP_HEADERS = _KeepHeaders()


def direct_proxies() -> dict[str, Any]:
    """Per-request proxies that send a request direct, ignoring proxy variables.

    A key set to None overrides the environment's proxy for it, and requests
    then drops the key. A new dict each time: requests adds the environment's
    other proxy keys to the dict it is given. For the loopback emulator and the
    instance metadata service, which no proxy can reach.
    """
    return {"http": None, "https": None, "all": None}
