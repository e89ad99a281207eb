"""Killpower: NUT's ``<driver> -k``, one UPS told to cut its load after a delay.

How it works: :func:`kill_power` builds the driver for one ups.conf section,
runs its ``killpower`` method and closes it, outside any supervision tree (at
the end of a shutdown `nutrio run` has already stopped). Each driver's
``killpower`` opens the device the way the NUT driver does with ``-k`` (only
what NUT's ``upsdrv_initups`` reads, not the full first read) and sends that
driver's shutdown sequence through its instant-command code; it returns
:class:`Sent` or raises a :class:`DriverError`. A driver without the method
cannot power its UPS off: dummy-ups says "shutdown not supported", as NUT's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import structlog
import trio

from nutrio.actors.drivers.base import (
    CLOSE_TIMEOUT,
    HID_SNMP_ORDER,
    DeviceLike,
    DriverFactory,
    Sent,
)
from nutrio.actors.drivers.catalog import make_driver
from nutrio.actors.drivers.errors import DriverError, DriverTimeout, KillPowerUnsupported

__all__ = ["DEFAULT_KILL_TIMEOUT", "HID_SNMP_ORDER", "KillResult", "KillsPower", "Sent", "kill_power"]

log = structlog.get_logger()

#: upsdrvctl's default maxstartdelay: how long it waits for a driver, -k included.
DEFAULT_KILL_TIMEOUT = 45.0


@runtime_checkable
class KillsPower(Protocol):
    """A driver that can tell its UPS to cut the power (NUT's ``upsdrv_shutdown``)."""

    async def killpower(self) -> Sent: ...


@dataclass(frozen=True, slots=True)
class KillResult:
    """One UPS told to power off."""

    ups: str
    driver: str
    command: str
    detail: str = ""


async def kill_power(
    device: DeviceLike, *, factory: DriverFactory | None = None, timeout: float | None = None
) -> KillResult:
    """Run ``device``'s killpower sequence; the UPS cuts its load after its delay.

    Args:
        device: one ups.conf section (conf.DeviceConfig).
        factory: builds the driver; by default looked up by ``device.driver``.
        timeout: seconds for the whole sequence; default the device's
            ``maxstartdelay`` (45), which upsdrvctl also gives ``-k``.
    Raises:
        KillPowerUnsupported: the driver cannot power a UPS off (dummy-ups).
        KillPowerFailed: the UPS refused or did not confirm every command.
        DriverTimeout: the sequence took longer than ``timeout``.
        UnknownDriverError, DriverConfigError, DriverIOError: as when starting it.
    """
    with structlog.contextvars.bound_contextvars(actor=f"killpower:{device.name}", ups=device.name):
        try:
            sent = await _run(device, factory, timeout)
        except DriverError as exc:
            log.error("driver.killpower", driver=device.driver, result="failed",
                      kind=type(exc).__name__, error=str(exc))
            raise
        log.info("driver.killpower", driver=device.driver, command=sent.command, result="sent",
                 detail=sent.detail)
        return KillResult(device.name, device.driver, sent.command, sent.detail)


async def _run(device: DeviceLike, factory: DriverFactory | None, timeout: float | None) -> Sent:
    if factory is None:
        factory = make_driver
    driver = factory(device)
    if not isinstance(driver, KillsPower):
        raise KillPowerUnsupported("shutdown not supported")
    limit = timeout or device.maxstartdelay or DEFAULT_KILL_TIMEOUT
    try:
        with trio.fail_after(limit):
            sent = await driver.killpower()
    except trio.TooSlowError:
        raise DriverTimeout(f"the killpower sequence took longer than {limit:g} s") from None
    finally:
        with trio.move_on_after(CLOSE_TIMEOUT, shield=True):
            await driver.close()
    return sent
