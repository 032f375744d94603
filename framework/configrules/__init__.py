"""configrules: write, test and run Alibaba Cloud Config custom rules in Python.

The names below are the public API. Heavy parts (the API client, the Function
Compute runtime) are imported on first use, so ``import configrules`` stays
cheap on the Function Compute cold-start path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors
from ._engine import Evaluator, evaluate
from ._events import parse_event, resource_from_item
from ._models import Compliance, Evaluation, Resource, RuleEvent, Verdict
from ._rules import OnError, Parameter, Rule, rule
from ._version import __version__
from .errors import (
    ConfigRulesError,
    EventError,
    ParameterError,
    RuleDefinitionError,
    RuleExecutionError,
    SubmissionError,
)

if TYPE_CHECKING:
    from ._client import ConfigClient, SubmitResult
    from ._credentials import Credentials
    from ._registry import RuleRegistry
    from .fc import make_handler

__all__ = [
    "Compliance",
    "ConfigClient",
    "ConfigRulesError",
    "Credentials",
    "Evaluation",
    "Evaluator",
    "EventError",
    "OnError",
    "Parameter",
    "ParameterError",
    "Resource",
    "Rule",
    "RuleDefinitionError",
    "RuleEvent",
    "RuleExecutionError",
    "RuleRegistry",
    "SubmissionError",
    "SubmitResult",
    "Verdict",
    "__version__",
    "errors",
    "evaluate",
    "make_handler",
    "parse_event",
    "resource_from_item",
    "rule",
]

# name -> module that defines it; imported on first attribute access.
_LAZY = {
    "ConfigClient": "._client",
    "SubmitResult": "._client",
    "Credentials": "._credentials",
    "RuleRegistry": "._registry",
    "make_handler": ".fc",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'configrules' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
