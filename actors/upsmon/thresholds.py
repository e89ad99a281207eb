"""The threshold actor: ``[[notify.threshold]]`` rules on this nutrio's own devices.

It reads each device's snapshot from the registry, hands the readings to
the rules' :class:`ThresholdBook` (protocol.notify.thresholds decides), and
sends each crossing to the notifier as a THRESHOLD or NOTTHRESHOLD event.
It wakes when a driver publishes, when a device comes or goes, and at the
book's next deadline (a value that stays past its limit raises the rule
without any new reading). Remote UPSes watched through [monitor] are not
read: the monitors poll ``ups.status`` only.

The book is the tree's, so a restart of this actor (a reload of [monitor],
a crash) keeps what is raised: a raised rule clears once, never twice.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import structlog
import trio

from nutrio.actors.registry import Registry
from nutrio.protocol.common.state import UpsSnapshot
from nutrio.protocol.notify.events import Notification
from nutrio.protocol.notify.thresholds import Crossing, Reading, ThresholdBook
from nutrio.supervisor.cell import LatestCell

__all__ = ["reading_of", "run_thresholds"]

log = structlog.get_logger()


def reading_of(snapshot: UpsSnapshot, now: float, maxage: float) -> Reading:
    """The variables a rule may judge, or None while they cannot be trusted.

    A driver that is down, data the driver calls stale, or data older than
    upsd's MAXAGE prove nothing either way (upsd would answer DATA-STALE).
    """
    if not snapshot.connected or snapshot.stale or snapshot.seq == 0:
        return None
    if now - snapshot.heard_at(now) > maxage:
        return None
    return snapshot.data.vars


async def run_thresholds(
    book: ThresholdBook,
    registry: Registry,
    notify: trio.MemorySendChannel[Notification],
    *,
    maxage: float,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Judge the rules of *book* on every reading until cancelled; crossings go to *notify*."""
    structlog.contextvars.bind_contextvars(actor="thresholds")
    log.info("threshold.watching", rules=[rule.name for rule in book.rules],
             raised=[f"{rule}:{ups}" for rule, ups in book.raised()])  # fmt: skip
    task_status.started()
    while True:
        now = trio.current_time()
        cells: list[tuple[LatestCell[Any], int]] = [(h.state, h.state.version) for h in registry]
        readings = {h.name: reading_of(h.snapshot, now, maxage) for h in registry}
        for crossing in book.observe(readings, now):
            _log(crossing)
            await notify.send(crossing.notification(time.time()))
        cells.append((registry.handles, registry.handles.version))
        await _wait_change(cells, book.next_deadline())


def _log(crossing: Crossing) -> None:
    rule = crossing.rule
    log.warning(
        "threshold.raised" if crossing.raised else "threshold.cleared",
        rule=rule.name, ups=crossing.ups, variable=rule.variable, value=crossing.value,
        limit=rule.limit, side=rule.side, seconds=rule.seconds,
    )  # fmt: skip


async def _wait_change(cells: list[tuple[LatestCell[Any], int]], deadline: float | None) -> None:
    """Until one of *cells* is newer than the version given with it, or *deadline*."""
    with trio.move_on_at(math.inf if deadline is None else deadline):
        async with trio.open_nursery() as nursery:
            for cell, version in cells:
                nursery.start_soon(_wait_cell, cell, version, nursery.cancel_scope.cancel)


async def _wait_cell(cell: LatestCell[Any], version: int, done: Callable[[], None]) -> None:
    await cell.wait_newer(version)
    done()
