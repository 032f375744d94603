"""A local Cloud Config API for tests and demos: ``ConfigEmulator``.

It speaks Config API ``2020-09-07`` (``PutEvaluations``, ``GetDiscoveredResource``,
``ListDiscoveredResources``) over real HTTP on 127.0.0.1, verifies V3 and V2
signatures with configrules' own signing code, stores evaluations per rule and
result token, serves an inventory, and injects scripted faults.
"""

from __future__ import annotations

from ._faults import Fault, FaultPlan
from ._server import ConfigEmulator, EmulatorError
from ._state import RecordedRequest, StoredEvaluation

__all__ = [
    "ConfigEmulator",
    "EmulatorError",
    "Fault",
    "FaultPlan",
    "RecordedRequest",
    "StoredEvaluation",
]
