"""The package's own cattrs converter: rule parameters from Cloud Config strings.

Cloud Config sends every rule parameter as a string (``"90"``, ``"true"``,
``"ecs:*,oss:*"``). This converter turns those strings into the types a rule
declares. It is never the global cattrs converter, so nothing here leaks into
other code that uses cattrs.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable
from typing import Any

import cattrs

__all__ = ["CoercionFailed", "coerce", "converter"]

_TRUE = frozenset({"true", "yes", "on", "1", "y", "t"})
_FALSE = frozenset({"false", "no", "off", "0", "n", "f"})


class CoercionFailed(ValueError):
    """A raw value cannot become the declared type (the message says why)."""


def _to_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise CoercionFailed("expected true or false")


def _to_int(value: Any, _: type) -> int:
    if isinstance(value, bool):
        raise CoercionFailed("expected an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise CoercionFailed("expected an integer")


def _to_float(value: Any, _: type) -> float:
    if isinstance(value, bool):
        raise CoercionFailed("expected a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise CoercionFailed("expected a number")


def _to_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise CoercionFailed("expected a string")


def _split(value: Any) -> list[Any]:
    # "a, b,,c" -> ["a", "b", "c"]: the console's multi-value convention.
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    raise CoercionFailed("expected a comma-separated list")


def _is_sequence(tp: Any) -> bool:
    return typing.get_origin(tp) in (list, tuple, set, frozenset)


def _make_sequence_hook(tp: Any) -> Callable[[Any, Any], Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    item_type = args[0] if args else str

    def hook(value: Any, _: Any) -> Any:
        items = [converter.structure(item, item_type) for item in _split(value)]
        return origin(items)

    return hook


def _make_enum_hook(tp: type[enum.Enum]) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        try:
            return tp(value)
        except ValueError:
            pass
        if isinstance(value, str) and value.strip() in tp.__members__:
            return tp.__members__[value.strip()]
        choices = ", ".join(str(member.value) for member in tp)
        raise CoercionFailed(f"expected one of {choices}")

    return hook


def _build() -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_structure_hook(bool, _to_bool)
    conv.register_structure_hook(int, _to_int)
    conv.register_structure_hook(float, _to_float)
    conv.register_structure_hook(str, _to_str)
    conv.register_structure_hook_factory(_is_sequence, _make_sequence_hook)
    conv.register_structure_hook_factory(
        lambda tp: isinstance(tp, type) and issubclass(tp, enum.Enum), _make_enum_hook
    )
    return conv


converter = _build()


def coerce(value: Any, tp: Any) -> Any:
    """Turn ``value`` (usually a string from Cloud Config) into type ``tp``.

    Raises:
        CoercionFailed: with a short description of what was expected.
    """
    if tp is Any or tp is object:
        return value
    try:
        return converter.structure(value, tp)
    except CoercionFailed:
        raise
    except cattrs.BaseValidationError as exc:
        causes = [str(e) for e in exc.exceptions]
        raise CoercionFailed("; ".join(causes) or f"expected {_type_name(tp)}") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CoercionFailed(f"expected {_type_name(tp)}") from exc


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp)
