"""The driver framework's seams: the :class:`Driver` protocol every driver implements, what
a driver needs from its configuration (:class:`DeviceLike`), and the variables NUT's driver
core serves for every driver (:func:`put_core_vars`). The actor loop that runs a driver is
actors/drivers/actor.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import nutrio
from nutrio.actors.drivers.errors import DriverConfigError
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = [
    "Driver",
    "DriverFactory",
    "EventDriver",
    "DeviceLike",
    "Chaos",
    "PollResult",
    "put_core_vars",
    "put_overrides",
    "NUTRIO_VERSION",
    "DEFAULT_POLLINTERVAL",
    "DEFAULT_POLL_TIMEOUT",
    "RESTART_AFTER_MAXAGES",
    "restart_after",
    "HID_SNMP_ORDER",
    "Sent",
    "WithoutCommands",
]

#: NUT's default pollinterval (drivers/main.c).
DEFAULT_POLLINTERVAL = 2.0
#: A poll that runs longer than this fails; upsd's default MAXAGE.
DEFAULT_POLL_TIMEOUT = 15.0
#: A driver gets this long to close when its actor stops.
CLOSE_TIMEOUT = 5.0
#: Stale for this many maxages (45 s by default) ends the actor to be restarted.
RESTART_AFTER_MAXAGES = 3


#: usbhid-ups and snmp-ups 2.8.0 try these in turn; the first the UPS takes wins.
HID_SNMP_ORDER = ("shutdown.return", "shutdown.reboot", "load.off.delay")


#: Served as driver.version (NUT serves its release there).
NUTRIO_VERSION = nutrio.__version__


@dataclass(frozen=True, slots=True)
class Sent:
    """What a driver's ``killpower`` (actors/drivers/killpower.py) got the UPS to accept.

    ``command``: the NUT command name or, for apcsmart, the wire command;
    ``detail``: the driver's own words (nutdrv_qx: "Shutting down in 30 seconds").
    """

    command: str
    detail: str = ""


class DeviceLike(Protocol):
    """What a driver needs from conf.DeviceConfig (one ups.conf section)."""

    @property
    def name(self) -> str: ...
    @property
    def driver(self) -> str: ...
    @property
    def port(self) -> str: ...
    @property
    def desc(self) -> str: ...
    @property
    def pollinterval(self) -> float | None: ...
    @property
    def maxage(self) -> float | None: ...
    @property
    def options(self) -> Mapping[str, str]: ...
    @property
    def config_dir(self) -> Path: ...
    @property
    def maxstartdelay(self) -> float: ...


class Chaos(Protocol):
    """Fault injection at the poll seam (supervisor.chaos.Chaos fits)."""

    async def before_poll(self, actor_id: str) -> None: ...

    async def before_message(self, actor_id: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class PollResult:
    """How a poll went. ``next_poll``: seconds until the driver wants the next
    poll, when sooner than pollinterval (a dummy-ups TIMER ending); None or
    <= 0 keeps the regular rhythm."""

    next_poll: float | None = None


class Driver(Protocol):
    """One device. All methods work on the actor's :class:`DeviceVars` (NUT's dstate).

    ``open`` reads the device the first time and declares what the device
    offers: instant commands with ``state.add_command`` and writable
    variables with ``state.set_info(name, VarInfo(rw=True, string_len=n |
    enums=... | ranges=...))``. ``poll`` refreshes the variables; it raises
    :class:`DriverError` when the device cannot be read (the data goes stale)
    and anything else for a broken invariant (the actor crashes).
    ``instcmd``/``set_var`` return a :class:`ResultCode` value.
    """

    #: NUT driver name, served as driver.name.
    name: str
    #: served as driver.version.internal
    version_internal: str
    @property
    def flags(self) -> frozenset[str]:
        """ups.conf flags this driver knows; served as driver.flag.<name> "enabled"."""

    async def open(self, state: DeviceVars) -> None: ...
    async def poll(self, state: DeviceVars) -> PollResult: ...
    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str: ...
    async def set_var(self, state: DeviceVars, name: str, value: str) -> str: ...
    async def close(self) -> None: ...


class EventDriver(Driver, Protocol):
    """A driver whose device tells it when something changed (usbhid-ups' interrupt pipe):
    the actor waits in ``wait_event`` between polls and polls at once when it returns,
    keeping the regular rhythm for the polls after."""

    async def wait_event(self) -> None: ...


DriverFactory = Callable[[DeviceLike], Driver]


class WithoutCommands:
    """For a driver whose NUT driver has no instant commands and no writable variables:
    upsd refuses such requests before they reach it; these answer the same if one does."""

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        return ResultCode.CMD_NOT_SUPPORTED

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        return ResultCode.VAR_NOT_SUPPORTED


class DriverKind(Protocol):
    """One kind of driver (a class in the catalog): builds the driver of one device."""

    @property
    def flags(self) -> frozenset[str]:
        """The ups.conf flags this kind knows (`nutrio drivers list --kinds` shows them)."""

    def __call__(self, device: DeviceLike) -> Driver: ...


def _number(value: float) -> str:
    return f"{value:g}"


def restart_after(device: DeviceLike) -> float | None:
    """Seconds a device may stay stale before its actor ends; None: never.

    The ``restart_after`` option sets it ("0" turns restarts off); the default
    is three maxages, so upsd has said DATA-STALE for a while before the
    device drops to DRIVER-NOT-CONNECTED.

    Raises:
        DriverConfigError: the option is not a number >= 0.
    """
    text = device.options.get("restart_after")
    if text is None:
        return RESTART_AFTER_MAXAGES * (device.maxage or DEFAULT_POLL_TIMEOUT)
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also catches nan
        raise DriverConfigError(f"{device.name}: restart_after must be seconds >= 0, got {text!r}")
    return value or None


def put_overrides(state: DeviceVars, device: DeviceLike) -> None:
    """ups.conf ``override.<var>`` wins over the device, for every driver (NUT's core
    marks the variable immutable): put back after the driver's open and each poll."""
    for key, value in device.options.items():
        if key.lower().startswith("override."):
            state.set(key.split(".", 1)[1], value)


def put_core_vars(
    state: DeviceVars, device: DeviceLike, driver: Driver, *, generics: bool = False
) -> None:
    """What NUT's driver core serves for every driver, before the driver reads.

    With *generics* (NUT 2.8.1+'s, actors/drivers/generics.py) the ``allow_killpower``
    flag is the core's own: it sets driver.flag.allow_killpower to 1 instead of being
    served as a parameter.
    """
    state.set("device.type", "ups")  # a driver may replace it (pdu, ats)
    state.set("driver.name", driver.name)
    state.set("driver.version", NUTRIO_VERSION)
    state.set("driver.version.internal", driver.version_internal)
    state.set("driver.parameter.port", device.port)
    for key, value in device.options.items():
        if key.lower().startswith(("default.", "override.")):
            # NUT's core stores these as the variables themselves, never as parameters,
            # before the driver reads: a default the device may replace, an override not
            state.set(key.split(".", 1)[1], value)
            continue
        if generics and key == "allow_killpower":
            continue
        if key in driver.flags:
            if value.lower() not in ("false", "no", "off", "0"):
                state.set(f"driver.flag.{key}", "enabled")
        else:
            state.set(f"driver.parameter.{key}", value)
    interval = device.pollinterval or DEFAULT_POLLINTERVAL
    state.set("driver.parameter.pollinterval", _number(interval))
    if "synchronous" not in device.options:
        state.set("driver.parameter.synchronous", "auto")
