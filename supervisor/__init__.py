"""Generic supervision tree on Trio; knows nothing of UPSes."""

from nutrio.supervisor.cell import CellStatistics, LatestCell
from nutrio.supervisor.chaos import NO_CHAOS, Chaos, ChaosCrash, ChaosPlan, FaultKind, FaultSpec
from nutrio.supervisor.context import ChildContext, current_child, current_child_or_none
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
    StartFn,
    SupervisorError,
    SupervisorGaveUp,
    SupervisorStatistics,
)
from nutrio.supervisor.tree import Supervisor

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
