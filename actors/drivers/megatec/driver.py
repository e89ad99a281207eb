"""nutdrv_qx: UPSes that speak one of the Megatec/Q1 family of protocols (NUT 2.8.0).

How it works, as NUT 2.8.0's nutdrv_qx does it (checked against the real
binary on simulated UPSes, tests/drivers/test_qx_*.py):

* ``open`` (initups + initinfo): open the transport; find the protocol:
  the one ``protocol =`` names, else the first of NUT's list whose claim
  succeeds (protocol/devices/megatec/subdrivers.py); then one INIT walk of
  its table, the battery guesses, the delays from ups.conf, and the first
  update.
* ``poll``: a full update every ``pollfreq`` seconds (default 30) and after
  a command, quick updates (status bits only) in between. A failed update
  leaves the data alone; the fifth in a row fails the poll (NUT's MAXTRIES
  retries, then stale) and the next good one makes the data fresh again.
* ``instcmd``/``set_var``: the protocol's items; ``killpower``: NUT's -k
  sequence (cancel a pending shutdown, then shutdown.return or .stayoff).

The protocol work is pure (generators that yield requests); this class only
carries their bytes over a :class:`QxTransport`: a serial line, or a USB
bridge (usb.py) when ``port = auto`` or a USB option asks for one, as NUT does.
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import (
    DriverConfigError,
    DriverIOError,
    KillPowerFailed,
)
from nutrio.actors.drivers.megatec.blazer_ser import BlazerSer
from nutrio.actors.drivers.megatec.link import put_defaults, put_overrides
from nutrio.actors.drivers.megatec.transport import SER_WAIT_SEC, QxTransport, SerialTransport
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.megatec import subdrivers
from nutrio.protocol.devices.megatec.qx_commands import MAXTRIES, instcmd, setvar, shutdown
from nutrio.protocol.devices.megatec.qx_item import Exchange, QxConfigError, QxFatal, T
from nutrio.protocol.devices.megatec.qx_session import Session
from nutrio.protocol.devices.megatec.qx_walk import DEFAULT_POLLFREQ, init_info, update_info
from nutrio.protocol.devices.megatec.usb_ids import wants_usb

__all__ = ["DEFAULT_POLLFREQ", "MAXTRIES", "SER_WAIT_SEC", "BlazerSer", "NutdrvQx",
           "default_transport"]

log = structlog.get_logger()

#: what the protocol layer notes, by how loud NUT is about it (the rest, values and
#: requests it logs at LOG_INFO on every full update, go to debug)
_WARNINGS = frozenset({
    "driver.qx_protocol_unsupported", "driver.qx_setvar_refused", "driver.qx_test_time_refused",
    "driver.qx_reset_refused", "driver.qx_beeper_disabled", "driver.qx_command_renamed",
})
_INFOS = frozenset({
    "driver.battery_guesstimation", "driver.battery_packs_unknown",
    "driver.killpower_nothing_pending", "driver.qx_ups_warning", "driver.qx_unknown_model",
})


def check_protocol(device: DeviceLike) -> None:
    """A ``protocol =`` naming no 2.8.0 protocol can never be claimed: say so at once."""
    wanted = device.options.get("protocol")
    if wanted is not None and subdrivers.by_protocol(wanted) is None:
        raise DriverConfigError(
            f"{device.name}: unknown nutdrv_qx protocol {wanted!r}"
            f" (known: {', '.join(subdrivers.PROTOCOLS)})"
        )


def default_transport(device: DeviceLike, reply_timeout: float = SER_WAIT_SEC) -> QxTransport:
    """NUT's rule: USB when ``port = auto`` or any USB matching option is set, else serial."""
    if wants_usb(device.port, device.options):
        from nutrio.actors.drivers.megatec.usb import UsbTransport  # pyusb only for USB

        return UsbTransport(device)
    return SerialTransport(device.port, device.options, reply_timeout=reply_timeout)


class NutdrvQx:
    """nutdrv_qx over a :class:`QxTransport` (a serial line unless told otherwise)."""

    name = "nutdrv_qx"
    version_internal = "0.32"
    flags = subdrivers.FLAGS

    def __init__(
        self,
        device: DeviceLike,
        *,
        reply_timeout: float = SER_WAIT_SEC,
        tolerated_failures: int = MAXTRIES + 1,
        transport: QxTransport | None = None,
    ) -> None:
        check_protocol(device)
        self.device = device
        self.options: Mapping[str, str] = device.options
        self.transport = transport or default_transport(device, reply_timeout)
        self.tolerated_failures = tolerated_failures
        self.session: Session | None = None
        self._failures = 0

    # -- carrying the protocol's bytes ------------------------------------------------

    async def _run(self, conversation: Exchange[T], session: Session | None = None) -> T:
        """Drive a protocol generator: each request it yields goes out, its reply back in."""
        try:
            request = next(conversation)
            while True:
                request = conversation.send(await self.transport.exchange(request))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        finally:
            self._log_events(session or self.session)

    @staticmethod
    def _log_events(session: Session | None) -> None:
        if session is None:
            return
        for event, fields in session.events:
            level = "warning" if event in _WARNINGS else "info" if event in _INFOS else "debug"
            getattr(log, level)(event, **fields)
        session.events.clear()

    async def _start(self, state: DeviceVars) -> Session:
        """initups: open, find the protocol, apply its ups.conf flags."""
        await self.transport.open()
        for name, value in self.transport.variables().items():
            state.set(name, value)
        put_defaults(state, self.options)
        session = await self._run(subdrivers.match(state, self.options))
        if session is None:
            raise DriverIOError(
                f"{self.device.name}: device not supported (no protocol claimed it)"
            )
        log.info("driver.qx_protocol", protocol=session.sub.version)
        if session.sub.later:
            log.warning("driver.qx_later_protocol", protocol=session.sub.version,
                        note="a protocol of a later NUT release: no NUT 2.8.0 driver to compare")
        if session.sub.initups is not None:
            session.sub.initups(session)
        self.session = session
        return session

    # -- the Driver protocol -------------------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        session = await self._start(state)
        try:
            await self._run(init_info(session, trio.current_time()))
        except QxConfigError as exc:
            raise DriverConfigError(f"{self.device.name}: {exc}") from exc
        except QxFatal as exc:
            raise DriverIOError(f"{self.device.name}: {exc}") from exc
        # main.c updates right after initinfo, and again as its loop starts: two updates
        await self.poll(state)
        await self.poll(state)

    async def poll(self, state: DeviceVars) -> PollResult:
        session = self._require()
        if not await self._run(update_info(session, trio.current_time())):
            self._failures += 1
            if self._failures > self.tolerated_failures:
                raise DriverIOError("Communications with the UPS lost: status read failed!")
            log.info("driver.poll_retry", failures=self._failures)
            return PollResult()
        if self._failures > self.tolerated_failures:
            log.info("driver.communication_restored")
        self._failures = 0
        put_overrides(state, self.options)
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        return await self._run(instcmd(self._require(), name, value))

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        return await self._run(setvar(self._require(), name, value))

    async def close(self) -> None:
        await self.transport.close()

    async def killpower(self) -> Sent:
        """nutdrv_qx -k: claim the UPS, take ondelay/offdelay, cancel a pending shutdown
        (shutdown.stop), then shutdown.return, or shutdown.stayoff with the ``stayoff``
        flag; each command is tried MAXTRIES times."""
        session = await self._start(DeviceVars())
        try:
            name, detail = await self._run(shutdown(session))
        except QxConfigError as exc:
            raise DriverConfigError(f"{self.device.name}: {exc}") from exc
        except QxFatal as exc:
            raise KillPowerFailed(f"{exc} (the UPS refused every try)") from exc
        return Sent(name, detail)

    def _require(self) -> Session:
        if self.session is None:
            raise DriverIOError(f"{self.device.name}: the UPS was never opened")
        return self.session
