"""The driver core's generics (NUT 2.8.1+), served by one driver actor when asked for.

How it works: the actor (actors/drivers/actor.py) keeps one :class:`DriverCore`. With
``driver_generics = true`` on the device it publishes ``driver.state`` at each step of
the life cycle (a step a client can see is published at once, as NUT's driver sends
each dstate change to upsd), serves ``driver.debug`` and
``driver.flag.allow_killpower`` (RW NUMBER) and answers the ``driver.*`` instant
commands before the driver sees a request, as main.c's handlers run before the
driver's own. Without the key the core only closes the driver once: NUT 2.8.0 has
none of this, and LIST VAR/LIST CMD stay byte-identical to it.

Differences from NUT, as the actor model has them: ``driver.exit`` and an allowed
``driver.killpower`` end the actor after the reply, and its supervisor starts it again
as after any driver exit (NUT's driver process is gone until upsdrvctl or systemd
starts it). The ``driver.reload*`` commands find nothing changed: a device's section
is the one the tree started the actor with, and a changed configuration reaches it
through nutrio's own reload (SIGHUP), which restarts the changed drivers.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
import trio

from nutrio.actors.drivers.base import CLOSE_TIMEOUT, DeviceLike, Driver, DriverFactory
from nutrio.actors.drivers.errors import DriverError
from nutrio.actors.drivers.killpower import kill_power
from nutrio.protocol.common.state import CommandRequest, ResultCode
from nutrio.protocol.common.verbosity import Verbosity
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.generics import (
    ALLOW_KILLPOWER,
    ALLOW_KILLPOWER_OPTION,
    DEBUG,
    STATE,
    Command,
    DriverState,
    allow_killpower_value,
    debug_value,
    put_generic_vars,
)

__all__ = ["DriverCore", "wants_generics"]

log = structlog.get_logger()

_FALSE_WORDS = ("false", "no", "off", "0")


def wants_generics(device: DeviceLike) -> bool:
    """The device asked for the generics (conf.DeviceConfig.driver_generics; a device
    object without the attribute has them off)."""
    return getattr(device, "driver_generics", False) is True


def _allowed_at_start(device: DeviceLike) -> bool:
    value = device.options.get(ALLOW_KILLPOWER_OPTION)
    return value is not None and value.lower() not in _FALSE_WORDS


class DriverCore:
    """The generic part of one driver actor: life cycle, generic variables and commands.

    ``publish`` is set by the actor once its first snapshot is out; before that a state
    change is only kept (nothing is served yet). ``exit_scope`` wraps the poll loop: the
    core cancels it to end the actor after ``driver.exit`` or ``driver.killpower``.
    """

    def __init__(self, device: DeviceLike, state: DeviceVars, factory: DriverFactory) -> None:
        self.enabled = wants_generics(device)
        self.verbosity = Verbosity()
        self.exit_scope = trio.CancelScope()
        self.exit_reason: str | None = None
        self.publish: Callable[[], None] | None = None
        self._device = device
        self._state = state
        self._factory = factory
        self._asked_debug = -1  # -1: no SET driver.debug, the configured level counts
        self._closed = False
        self.enter(DriverState.INIT_STARTING)

    def enter(self, step: DriverState) -> None:
        """A new step of the life cycle; published at once once the device is served."""
        if not self.enabled:
            return
        self._state.set(STATE, step)
        log.debug("driver.state", state=str(step))
        if self.publish is not None:
            self.publish()

    def enter_quietly(self, step: DriverState) -> None:
        """A step the next snapshot carries anyway (the end of a poll): no extra publish."""
        if self.enabled:
            self._state.set(STATE, step)

    def after_open(self) -> None:
        """The first read is done: add the generic variables and commands (init.info)."""
        if not self.enabled:
            return
        self.enter(DriverState.INIT_INFO)
        put_generic_vars(self._state, allow_killpower=_allowed_at_start(self._device),
                         debug=self.verbosity.level)
        self.enter(DriverState.INIT_QUIET)

    def is_exiting(self) -> bool:
        return self.exit_reason is not None

    async def run_command(self, driver: Driver, request: CommandRequest) -> str | None:
        """A request main.c's handlers take; None: the driver's own handler answers it."""
        if not self.enabled:
            return None
        if request.kind == "SET":
            return self._set(request.name, request.value or "")
        if request.kind != "INSTCMD":
            return None
        match request.name:
            case Command.KILLPOWER:
                return await self._killpower(driver)
            case Command.EXIT:
                self._end("driver.exit")
                return ResultCode.SUCCESS
            case Command.RELOAD | Command.RELOAD_OR_EXIT | Command.RELOAD_OR_ERROR:
                return self._reload(request.name)
        return None

    async def close(self, driver: Driver) -> None:
        """Close the driver once (cleanup.upsdrv), whoever asks first."""
        if self._closed:
            return
        self._closed = True
        self.enter(DriverState.CLEANUP_UPSDRV)
        with trio.move_on_after(CLOSE_TIMEOUT, shield=True):
            await driver.close()
        self.enter(DriverState.CLEANUP_EXIT)

    # -- the handlers -----------------------------------------------------------

    def _set(self, name: str, value: str) -> str | None:
        if name == DEBUG:
            level = debug_value(value)
            if level is None:
                log.info("driver.debug_refused", value=value)
                return ResultCode.INVALID_ARGUMENT
            self._asked_debug = level
            self._apply_debug()
            return ResultCode.SUCCESS
        if name == ALLOW_KILLPOWER:
            allowed = allow_killpower_value(value)
            log.info("driver.allow_killpower", value=allowed)
            self._state.set(ALLOW_KILLPOWER, str(allowed))
            return ResultCode.SUCCESS
        return None

    def _apply_debug(self) -> None:
        # NUT: a level SET by a client wins; -1 gives the configured one back (0 here,
        # nutrio has no per-driver debug_min)
        self.verbosity.level = max(self._asked_debug, 0)
        self._state.set(DEBUG, str(self.verbosity.level))
        log.info("driver.debug_level", level=self.verbosity.level)

    async def _killpower(self, driver: Driver) -> str:
        if self._state.get(ALLOW_KILLPOWER) != "1":
            log.critical("driver.killpower_refused", reason="driver.flag.allow_killpower is not 1")
            return ResultCode.INVALID_ARGUMENT
        log.critical("driver.killpower_requested")
        self.enter(DriverState.FSD_KILLPOWER)
        # the sequence opens the device itself, as `driver -k` does: the running driver
        # lets go of it first (two openers of one serial port garble each other)
        await self.close(driver)
        try:
            await kill_power(self._device, factory=self._factory)
        except DriverError:
            pass  # kill_power logged it; NUT answers "handled" and exits either way
        self._end("driver.killpower")
        return ResultCode.SUCCESS

    def _reload(self, name: str) -> str:
        self.enter(DriverState.RELOADING)
        log.info("driver.reload", command=name, changed=False)
        self._apply_debug()
        self.enter(DriverState.QUIET)
        return ResultCode.SUCCESS

    def _end(self, reason: str) -> None:
        """Ask the actor to end once this request's reply is sent."""
        self.exit_reason = reason
