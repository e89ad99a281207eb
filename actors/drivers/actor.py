"""The one actor loop that runs any driver (the seams it runs are in actors/drivers/base.py).

How it works: :func:`run_driver` plays NUT's driver core (drivers/main.c).
It fills the variables every NUT driver serves (device.type, driver.*), lets
the driver read its device once (``open``, NUT's initinfo), copies ups.mfr,
ups.model and ups.serial over device.* as the core does once after initinfo,
then polls every ``pollinterval`` seconds. Each poll ends in the same place:
a new :class:`UpsSnapshot` (a new :class:`UpsData` only when a variable
changed) whose ``stale`` flag says whether that poll failed. Between polls
the actor vouches for its data until its next poll (the snapshot's
``alive_until``, set without a new version that would wake its watchers),
as NUT's driver answers upsd's PING between polls: a live driver's data is
as fresh as its poll schedule says, however long ``pollinterval`` is. A
driver stuck in a poll vouches for nothing, so upsd still says DATA-STALE
maxage seconds after that poll was due. An event driver (``wait_event``) is polled as soon as its
device reports something. SET VAR and INSTCMD requests are served concurrently, one at a time with the polls
(NUT drivers are single-threaded), and each gets a :class:`CommandResult`.

A device that stays unreadable for longer than ``restart_after`` seconds
(option, default 3 x maxage) ends the actor with :class:`DriverIOError`:
its supervisor restarts it with back-off, clients see DRIVER-NOT-CONNECTED
meanwhile, and a fresh ``open`` is how a replugged device is found again.
NUT's upsdrvctl leaves that to the admin; nutrio's tree does it itself.

A device with ``driver_generics = true`` also gets NUT 2.8.1+'s generic
variables and ``driver.*`` commands (actors/drivers/generics.py): the
:class:`DriverCore` follows each step here, answers its requests first, and
may end the actor after a reply (``driver.exit``, ``driver.killpower``).
"""

from __future__ import annotations

import structlog
import trio

from nutrio.actors.drivers.base import (
    DEFAULT_POLL_TIMEOUT,
    DEFAULT_POLLINTERVAL,
    Chaos,
    DeviceLike,
    Driver,
    DriverFactory,
    PollResult,
    put_core_vars,
    put_overrides,
    restart_after,
)
from nutrio.actors.drivers.catalog import make_driver
from nutrio.actors.drivers.errors import DriverCrashed, DriverError, DriverIOError, DriverTimeout
from nutrio.actors.drivers.generics import DriverCore
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import CommandRequest, CommandResult, ResultCode, UpsData
from nutrio.protocol.common.verbosity import verbosity_scope
from nutrio.protocol.devices.dummy.devfile import DeviceVars, copy_device_info
from nutrio.protocol.devices.generics import DriverState

__all__ = ["run_driver"]

log = structlog.get_logger()

#: a poll that starts this many seconds after its time is logged (driver.poll_late)
LATE_AFTER = 1.0


class _Publisher:
    """Turns the driver's state into snapshots; the only writer of ``stale``."""

    def __init__(self, handle: DeviceHandle, state: DeviceVars) -> None:
        self._handle = handle
        self._state = state
        self.stale = False
        self.stale_since: float | None = None  # when the first failed poll in a row ended

    @property
    def data(self) -> UpsData:
        return self._state.freeze()  # the same object while nothing changed

    def publish(self, *, polled: bool = True) -> None:
        # ``taken_at`` is when the actor last read the device or vouched for
        # its data between polls: a command's result keeps it, or a driver
        # stuck in its poll loop would look fresh to upsd's MAXAGE test for as
        # long as clients send SET VAR.
        taken_at = trio.current_time() if polled else self._handle.snapshot.taken_at
        snap = self._handle.snapshot.next(
            taken_at=taken_at, data=self.data, connected=True, stale=self.stale
        )
        self._handle.publish(snap)

    def publish_if_changed(self) -> None:
        if self.data is not self._handle.snapshot.data:
            self.publish(polled=False)

    def after_poll(self, error: BaseException | None) -> None:
        """The bottom of the poll loop: decide staleness, then publish."""
        if error is not None:
            # one warning when the device goes, not one per poll while it stays away
            if self.stale:
                log.debug("driver.poll_failed", error=str(error), kind=type(error).__name__)
            else:
                log.warning("driver.poll_failed", error=str(error), kind=type(error).__name__)
            if not self.stale:
                self.stale = True
                self.stale_since = trio.current_time()
                log.warning("driver.stale")
        elif self.stale:
            self.stale = False
            self.stale_since = None
            log.info("driver.recovered")
        self.publish(polled=error is None)  # a failed read is no read: taken_at stays

    def vouch_until(self, next_poll: float) -> None:
        """Between polls: a live driver's fresh data is as fresh as its schedule says."""
        if not self.stale:
            self._handle.vouch_until(next_poll)

    def stale_for(self) -> float:
        """Seconds since the data went stale; 0 while fresh."""
        if self.stale_since is None:
            return 0.0
        return trio.current_time() - self.stale_since


async def run_driver(
    device: DeviceLike,
    handle: DeviceHandle,
    *,
    chaos: Chaos | None = None,
    factory: DriverFactory | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run one device's driver actor until cancelled or crashed.

    Args:
        device: the ups.conf section (conf.DeviceConfig or alike).
        handle: where snapshots go and requests come from.
        chaos: optional fault injection, called before each poll.
        factory: builds the driver; by default looked up by ``device.driver``.
    Raises:
        UnknownDriverError, DriverConfigError: the device cannot be driven.
        DriverError from the first read: the device cannot be opened.
        DriverIOError: the device stayed stale longer than ``restart_after``.
        DriverCrashed: a poll or a command raised something else.
    """
    actor_id = f"driver:{device.name}"
    with structlog.contextvars.bound_contextvars(actor=actor_id, ups=device.name):
        try:
            await _run(device, handle, chaos, factory, actor_id, task_status)
        finally:
            handle.mark_disconnected()


async def _run(
    device: DeviceLike,
    handle: DeviceHandle,
    chaos: Chaos | None,
    factory: DriverFactory | None,
    actor_id: str,
    task_status: trio.TaskStatus[None],
) -> None:
    if factory is None:
        factory = make_driver
    give_up_after = restart_after(device)  # a bad option fails before the device is touched
    driver = factory(device)
    state = DeviceVars()
    core = DriverCore(device, state, factory)
    put_core_vars(state, device, driver, generics=core.enabled)
    try:
        with verbosity_scope(core.verbosity):  # SET driver.debug: this actor's tasks only
            gone = await _serve(device, handle, chaos, actor_id, task_status, give_up_after,
                                driver, state, core)
    finally:
        await core.close(driver)
    if gone is None:
        log.info("driver.exited", reason=core.exit_reason)  # the supervisor starts it again
        return
    # outside the nursery, so the supervisor sees the DriverIOError itself
    raise gone


async def _serve(
    device: DeviceLike,
    handle: DeviceHandle,
    chaos: Chaos | None,
    actor_id: str,
    task_status: trio.TaskStatus[None],
    give_up_after: float | None,
    driver: Driver,
    state: DeviceVars,
    core: DriverCore,
) -> DriverIOError | None:
    """Open the device, then poll and serve requests; why the device was given up, or None
    when a request ended the actor."""
    # as upsdrvctl waits for a driver's start: probing every protocol of a silent
    # UPS takes nutdrv_qx ~36 s, longer than MAXAGE
    limit = device.maxstartdelay or DEFAULT_POLL_TIMEOUT
    core.enter(DriverState.INIT_DEVICE)
    with trio.move_on_after(limit) as opening:
        await driver.open(state)
    if opening.cancelled_caught:
        raise DriverTimeout(f"{device.name}: the device did not open within {limit:g} s "
                            "(maxstartdelay)")
    copy_device_info(state)
    put_overrides(state, device)
    core.after_open()
    publisher = _Publisher(handle, state)
    core.enter(DriverState.QUIET)
    publisher.publish()
    core.publish = publisher.publish_if_changed
    task_status.started()
    lock = trio.Lock()
    gone: DriverIOError | None = None
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(
                _serve_commands, driver, state, handle, lock, publisher, chaos, actor_id, core
            )
            with core.exit_scope:
                gone = await _poll_loop(
                    driver, state, device, lock, publisher, chaos, actor_id, give_up_after, core
                )
            nursery.cancel_scope.cancel()  # stop serving commands: the actor ends
    except ExceptionGroup as group:
        raise DriverCrashed(device.name) from group
    return gone


async def _poll_loop(
    driver: Driver,
    state: DeviceVars,
    device: DeviceLike,
    lock: trio.Lock,
    publisher: _Publisher,
    chaos: Chaos | None,
    actor_id: str,
    give_up_after: float | None = None,
    core: DriverCore | None = None,
) -> DriverIOError:
    """Poll until the data has been stale longer than *give_up_after*; return why."""
    interval = device.pollinterval or DEFAULT_POLLINTERVAL
    timeout = device.maxage or DEFAULT_POLL_TIMEOUT
    next_at = trio.current_time() + interval  # open() was the first read
    while True:
        woken = await _wait_next(driver, next_at, publisher)
        started = trio.current_time()
        if started - next_at > LATE_AFTER:  # the last poll overran, or the loop is starved
            log.warning("driver.poll_late", late=round(started - next_at, 3))
        result = PollResult()
        error: DriverError | None = None
        try:
            if chaos is not None:
                await chaos.before_poll(actor_id)  # may freeze: then no snapshots at all
            with trio.fail_after(timeout):
                async with lock:
                    if core is not None:
                        core.enter(DriverState.UPDATEINFO)  # seen by clients while it runs
                    result = await driver.poll(state)
        except trio.TooSlowError:
            error = DriverTimeout(f"poll took longer than {timeout:g} s")
        except DriverError as exc:
            error = exc
        if core is not None:
            core.enter_quietly(DriverState.QUIET)  # the snapshot below carries it
        log.debug("driver.polled", took=trio.current_time() - started, failed=error is not None)
        put_overrides(state, device)
        publisher.after_poll(error)
        stale_for = publisher.stale_for()
        if give_up_after is not None and stale_for >= give_up_after:
            log.error("driver.gone", stale_for=stale_for, restart_after=give_up_after)
            gone = DriverIOError(
                f"{device.name}: stale for {stale_for:g} s (restart_after {give_up_after:g} s):"
                f" {error}"
            )
            gone.__cause__ = error
            return gone
        if not woken:  # a poll for an event keeps the regular rhythm
            next_at = started + interval
        if result.next_poll is not None and result.next_poll > 0:
            next_at = min(next_at, trio.current_time() + result.next_poll)


async def _wait_next(driver: Driver, next_at: float, publisher: _Publisher) -> bool:
    """Sleep until the next poll is due, vouching for fresh data until then (one promise,
    not a wake-up every few seconds: a thousand sleeping actors cost nothing); a driver
    that can wait for its device's events (``wait_event``, see base.EventDriver) is
    polled as soon as one comes. True if so."""
    publisher.vouch_until(next_at)  # NUT: the driver answers upsd's PING between polls
    wait_event = getattr(driver, "wait_event", None)
    if wait_event is None:
        await trio.sleep_until(next_at)
        return False
    with trio.move_on_at(next_at):
        await wait_event()
        return True
    return False


async def _serve_commands(
    driver: Driver,
    state: DeviceVars,
    handle: DeviceHandle,
    lock: trio.Lock,
    publisher: _Publisher,
    chaos: Chaos | None = None,
    actor_id: str = "",
    core: DriverCore | None = None,
) -> None:
    async for request in handle.requests_out:
        async with lock:
            # the inbox is this actor's message seam: chaos may delay, drop or crash here;
            # under the lock, so a freeze here is a hung driver, its polls included
            if chaos is not None and not await chaos.before_message(actor_id):
                log.warning("driver.command_dropped", name=request.name,
                            tracking=request.tracking)
                continue
            code = await _run_command(driver, state, request, core)
            if core is not None and core.is_exiting():
                # replied under the lock: no poll touches the driver before the actor ends
                await _reply(handle, publisher, request, code)
                core.exit_scope.cancel()
                return
        await _reply(handle, publisher, request, code)


async def _reply(
    handle: DeviceHandle, publisher: _Publisher, request: CommandRequest, code: str
) -> None:
    log.info(
        "driver.command", kind=request.kind, name=request.name, code=code,
        tracking=request.tracking,
    )
    publisher.publish_if_changed()  # NUT sends a SET's new value to upsd at once
    await handle.results_in.send(CommandResult(tracking=request.tracking, code=code))


async def _run_command(
    driver: Driver, state: DeviceVars, request: CommandRequest, core: DriverCore | None = None
) -> str:
    """One request; the checks upsd makes before forwarding are repeated here, then the
    driver core's handlers answer before the driver's own (as in NUT's dstate.c)."""
    try:
        if request.kind == "INSTCMD":
            if request.name.lower() not in {c.lower() for c in state.freeze().commands}:
                return ResultCode.CMD_NOT_SUPPORTED
            if core is not None and (code := await core.run_command(driver, request)):
                return code
            return await driver.instcmd(state, request.name, request.value)
        if request.kind == "SET":
            if state.get(request.name) is None or not state.info(request.name).rw:
                return ResultCode.VAR_NOT_SUPPORTED
            if core is not None and (code := await core.run_command(driver, request)):
                return code
            return await driver.set_var(state, request.name, request.value or "")
    except DriverError as exc:
        log.warning("driver.command_failed", name=request.name, error=str(exc))
        return ResultCode.FAILED
    return ResultCode.INVALID_ARGUMENT
