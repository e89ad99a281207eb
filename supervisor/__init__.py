"""Generic supervision tree on Trio; knows nothing of UPSes.

The pure parts (restart policy, child specs, the fault schema) import without
Trio, so the pure configuration layer can use the fault schema; the Trio parts
(the supervisor, cells, chaos at run time, child contexts) load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from nutrio.supervisor.faults import ChaosPlan, FaultError, FaultKind, FaultSpec
from nutrio.supervisor.policy import (
    Decision,
    GiveUp,
    Restart,
    RestartLedger,
    Retry,
    Strategy,
    affected,
    backoff_delay,
    should_restart,
)
from nutrio.supervisor.spec import (
    ChildExited,
    ChildInfo,
    ChildSpec,
    ExpectedFailure,
    StartFn,
    SupervisorError,
    SupervisorGaveUp,
    SupervisorStatistics,
)

if TYPE_CHECKING:
    from nutrio.supervisor.cell import CellStatistics, LatestCell
    from nutrio.supervisor.chaos import NO_CHAOS, Chaos, ChaosCrash
    from nutrio.supervisor.context import ChildContext, current_child, current_child_or_none
    from nutrio.supervisor.tree import Supervisor

#: name -> the module (under this package) that defines it and needs Trio
_ON_FIRST_USE = {
    "CellStatistics": "cell",
    "LatestCell": "cell",
    "NO_CHAOS": "chaos",
    "Chaos": "chaos",
    "ChaosCrash": "chaos",
    "ChildContext": "context",
    "current_child": "context",
    "current_child_or_none": "context",
    "Supervisor": "tree",
}


def __getattr__(name: str) -> Any:
    module = _ON_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


PERMANENT = Restart.PERMANENT
TRANSIENT = Restart.TRANSIENT
TEMPORARY = Restart.TEMPORARY
ONE_FOR_ONE = Strategy.ONE_FOR_ONE
ONE_FOR_ALL = Strategy.ONE_FOR_ALL
REST_FOR_ONE = Strategy.REST_FOR_ONE

__all__ = [
    "NO_CHAOS",
    "ONE_FOR_ALL",
    "ONE_FOR_ONE",
    "PERMANENT",
    "REST_FOR_ONE",
    "TEMPORARY",
    "TRANSIENT",
    "CellStatistics",
    "Chaos",
    "ChaosCrash",
    "ChaosPlan",
    "ChildContext",
    "ChildExited",
    "ChildInfo",
    "ChildSpec",
    "Decision",
    "ExpectedFailure",
    "FaultError",
    "FaultKind",
    "FaultSpec",
    "GiveUp",
    "LatestCell",
    "Restart",
    "RestartLedger",
    "Retry",
    "StartFn",
    "Strategy",
    "Supervisor",
    "SupervisorError",
    "SupervisorGaveUp",
    "SupervisorStatistics",
    "affected",
    "backoff_delay",
    "current_child",
    "current_child_or_none",
    "should_restart",
]
