"""Masking of secrets and tokens before they reach a repr, a log line or an error."""

from __future__ import annotations

__all__ = ["mask"]


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
