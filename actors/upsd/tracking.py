"""upsd's requests to drivers (SET, INSTCMD) and their results back.

:func:`submit_request` hands a session's request to the driver of the UPS
it names. :func:`run_tracking` is the actor that drains every driver's
results into the TRACKING table of the shared :class:`UpsdState`: one task
per device handle, following the registry as reloads add, replace and
remove devices. It belongs to upsd, not to a listener, so a listener that
restarts loses no result.
"""

from __future__ import annotations

import structlog
import trio

from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upsd.state import UpsdState
from nutrio.protocol.common.logtext import clip
from nutrio.protocol.common.state import CommandRequest, CommandResult
from nutrio.protocol.upsd.serverstate import TrackingTable

__all__ = ["submit_request", "run_tracking"]

log = structlog.get_logger()


def submit_request(registry: Registry, request: CommandRequest) -> bool:
    """Queue *request* for the driver of ``request.ups``; False when it cannot take it
    (no such device any more, or its queue is full: a stuck driver)."""
    handle = registry.get(request.ups)
    if handle is None or not _queue(handle, request):
        log.warning("request.refused", ups=request.ups, kind=request.kind, name=clip(request.name))
        return False
    log.info("request.sent", ups=request.ups, kind=request.kind, name=clip(request.name),
             tracking=request.tracking, user=clip(request.user), peer=request.peer)
    return True


def _queue(handle: DeviceHandle, request: CommandRequest) -> bool:
    try:
        handle.requests_in.send_nowait(request)
    except (trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError):
        return False
    return True


async def run_tracking(registry: Registry, state: UpsdState, *,
                       task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
    """Record every driver's results for GET TRACKING until cancelled.

    Started: a drainer runs (or is about to) for each device of *registry*.
    """
    if "actor" not in structlog.contextvars.get_contextvars():
        structlog.contextvars.bind_contextvars(actor="tracking")
    drainers: dict[DeviceHandle, trio.CancelScope] = {}
    cell = registry.handles
    version, handles = cell.version, cell.value
    async with trio.open_nursery() as nursery:
        _follow(nursery, drainers, handles, state.server.tracking)
        task_status.started()
        while True:
            version, handles = await cell.wait_newer(version)
            _follow(nursery, drainers, handles, state.server.tracking)


def _follow(nursery: trio.Nursery, drainers: dict[DeviceHandle, trio.CancelScope],
            handles: tuple[DeviceHandle, ...], tracking: TrackingTable) -> None:
    """One drainer per handle in *handles*: start the new ones, stop the gone ones."""
    for handle in handles:
        if handle not in drainers:
            drainers[handle] = scope = trio.CancelScope()
            nursery.start_soon(_drain, handle, tracking, scope)
    current = set(handles)
    for handle in [h for h in drainers if h not in current]:
        drainers.pop(handle).cancel()


async def _drain(handle: DeviceHandle, tracking: TrackingTable, scope: trio.CancelScope) -> None:
    with scope:
        async for result in handle.results_out:
            _record(tracking, handle, result)
    # The device left the registry: what its driver answered already still counts.
    while True:
        try:
            result = handle.results_out.receive_nowait()
        except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
            return
        _record(tracking, handle, result)


def _record(tracking: TrackingTable, handle: DeviceHandle, result: CommandResult) -> None:
    known = tracking.record(result)
    log.debug("request.result", ups=handle.name, tracking=result.tracking, code=result.code,
              known=known)
