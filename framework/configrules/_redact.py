"""Masking of secrets and tokens before they reach a repr, a log line or an error."""

from __future__ import annotations

import logging
import re

__all__ = ["QuerySecretFilter", "install_urllib3_filter", "mask"]


def mask(value: str | None) -> str:
    """Show just enough of ``value`` to tell two apart, never enough to use it.

    >>> mask("HLQr3BZx/C+DLjwudFcYdUsiYzW485CJ")
    'HLQr…(32 chars)'
    """
    if not value:
        return "''"
    if len(value) <= 8:
        return f"…({len(value)} chars)"
    return f"{value[:4]}…({len(value)} chars)"


# V2 signing puts SecurityToken and Signature in the query string, as the
# official SDK does, and urllib3 logs every request line at DEBUG. The filter
# rewrites those records so a DEBUG log never carries a usable token.
_QUERY_SECRET = re.compile(r"((?:^|[?&])(?:SecurityToken|Signature)=)[^&\s\"]*")
_URLLIB3_LOGGER = "urllib3.connectionpool"


class QuerySecretFilter(logging.Filter):
    """Masks ``SecurityToken=`` and ``Signature=`` values in a log record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY_SECRET.sub(r"\1<masked>", arg)
                if isinstance(arg, str) and "=" in arg
                else arg
                for arg in record.args
            )
        if isinstance(record.msg, str) and "=" in record.msg:
            record.msg = _QUERY_SECRET.sub(r"\1<masked>", record.msg)
        return True


_installed = False


def install_urllib3_filter() -> None:
    """Attach :class:`QuerySecretFilter` to urllib3's request logger, once."""
    global _installed
    if not _installed:
        logging.getLogger(_URLLIB3_LOGGER).addFilter(QuerySecretFilter())
        _installed = True
