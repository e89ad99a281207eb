"""The listener's requests to drivers (SET, INSTCMD) and their results back.

A result becomes a GET TRACKING answer in the shared server state; one
drainer task per device, started on first use in the listener's nursery.
"""

from __future__ import annotations

import structlog
import trio

from nutrio.actors.registry import DeviceHandle
from nutrio.actors.upsd.shared import _Shared
from nutrio.protocol.common.state import CommandRequest
from nutrio.protocol.upsd.session import DeviceView

log = structlog.get_logger()


def _submit(nursery: trio.Nursery, shared: _Shared, device: DeviceView, request: CommandRequest) -> bool:
    handle = device
    if not isinstance(handle, DeviceHandle):
        return False
    _ensure_drainer(nursery, shared, handle)
    try:
        handle.requests_in.send_nowait(request)
    except (trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError):
        log.warning("request.refused", ups=handle.name, kind=request.kind, name=request.name)
        return False
    log.info("request.sent", ups=handle.name, kind=request.kind, name=request.name,
             tracking=request.tracking, user=request.user, peer=request.peer)
    return True


def _ensure_drainer(nursery: trio.Nursery, shared: _Shared, handle: DeviceHandle) -> None:
    if id(handle) not in shared.drained:
        shared.drained.add(id(handle))
        nursery.start_soon(_drain_results, shared, handle)


async def _drain_results(shared: _Shared, handle: DeviceHandle) -> None:
    """Driver verdicts become GET TRACKING answers."""
    try:
        async for result in handle.results_out:
            known = shared.state.tracking.record(result)
            log.debug("request.result", ups=handle.name, tracking=result.tracking,
                      code=result.code, known=known)
    finally:
        shared.drained.discard(id(handle))
