"""What riello_ser and riello_usb share: NUT 2.8.0's initinfo, updateinfo and instcmd,
over a link that sends a request and finds the unit's packet (serial: one byte at a time;
USB: eight-byte bulk packets).

How it works:

* start: the identification again (GPSER ``GI`` or SENTR 192), then the nominal values
  (``GN``, or the SENTR block), the commands and the two delays.
* ``poll``: GPSER reads the status (``RS``) and the extended values (``RE``, optional: a
  NAK keeps the old ones); SENTR reads its block. NUT reads its buffer whatever
  happened, so what counts as answered is the link's business (see each driver). Only a
  failed status read is a failed update; the eleventh in a row makes the data stale.
  NUT polls every 2 s whatever ups.conf says, and so does nutrio.
* commands depend on the mains: on line, load.off/load.on (and their .delay forms, with
  ups.delay.shutdown/reboot, which nothing sets: NUT has no setvar handler); on battery,
  shutdown.return. shutdown.stop and the tests always.
"""

from __future__ import annotations

from typing import ClassVar
from typing import Protocol as Seam

import structlog
import trio

from nutrio.actors.drivers.base import PollResult, Sent
from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.nutserial import CommWatch
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars, status_join
from nutrio.protocol.devices.riello import frames, gpser, sentr, values
from nutrio.protocol.devices.riello.frames import Packet, Protocol

__all__ = ["COUNTLOST", "DELAYS", "MAX_TRIES", "POLL_INTERVAL", "Link", "RielloCore", "failed"]

log = structlog.get_logger()

#: shutdown tries (NUT's MAXTRIES)
MAX_TRIES = 3
#: failed updates before the data is stale (NUT's COUNTLOST)
COUNTLOST = 10
#: NUT's riello drivers poll every 2 s whatever ups.conf says (and say so in
#: driver.parameter.pollinterval)
POLL_INTERVAL = 2.0
#: the two delays (NUT's defaults; no option changes them)
DELAYS = {"ups.delay.shutdown": 5, "ups.delay.reboot": 5}
#: how much of the buffer NUT's USB link clears before each request (LENGTH_*)
LENGTH_GI, LENGTH_GN, LENGTH_RE, LENGTH_DEF = 68, 34, 70, 12


class Link(Seam):
    """One request out, the packet it got back (None: none came; the link's buffer is
    NUT's bufIn either way). ``length`` is what NUT expects back."""

    crc: bool

    @property
    def buffer(self) -> bytearray: ...

    async def exchange(self, request: bytes, protocol: Protocol, length: int) -> Packet | None: ...


def failed(packet: Packet | None) -> bool:
    """A NAK or a bad check (a link may stand for a USB error with such a packet)."""
    return packet is not None and not packet.ok


class RielloCore:
    """The shared driver (see the module comment); a subclass sets ``link`` and opens it."""

    name: ClassVar[str]
    version_internal: ClassVar[str]
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, link: Link) -> None:
        self.link = link
        self.protocol = Protocol.GPSER
        self.data = gpser.RielloData()
        self.phases = values.Phases(input_mono=True, output_mono=True)
        self.request = frames.SENTR_ONLY192
        self.lost = 0
        self.watch = CommWatch()
        self.next_poll_at = 0.0

    async def poll(self, state: DeviceVars) -> PollResult:
        await trio.sleep_until(self.next_poll_at)  # a shorter pollinterval waits
        self.next_poll_at = trio.current_time() + POLL_INTERVAL
        state.set("driver.parameter.pollinterval", f"{POLL_INTERVAL:g}")
        extended = await self._read()
        if extended is None:
            stale = self.lost == COUNTLOST
            self.lost = min(self.lost + 1, COUNTLOST)
            self.watch.failed("status read failed")
            if stale:
                raise DriverIOError("Communication with UPS is lost: status read failed!")
            return PollResult(POLL_INTERVAL)  # NUT keeps the old values, still fresh
        self.lost = 0
        self.watch.good()
        for name, value in values.update_vars(self.data, self.phases, extended).items():
            state.set(name, value)
        state.set("ups.status", status_join(values.status_words(self.data)))
        return PollResult(POLL_INTERVAL)

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        requests = self._command_requests(state, name.lower())
        if requests is None:
            log.info("driver.instcmd_unknown", command=name)
            return ResultCode.CMD_NOT_SUPPORTED
        if not requests:
            return ResultCode.FAILED  # a delay out of range
        protocol = Protocol.GPSER if name.lower() == "test.panel.start" else self.protocol
        for request in requests:
            if failed(await self.link.exchange(request, protocol, LENGTH_DEF)):
                return ResultCode.FAILED
        return ResultCode.SUCCESS

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        log.info("driver.set_without_handler", var=name)  # NUT: "driver lacks a handler"
        return ResultCode.UNKNOWN

    async def _shutdown(self) -> Sent:
        """upsdrv_shutdown: shutdown.stop then shutdown.return, three tries. Run by -k
        before anything is read, so the mains state is unknown (not on battery) and
        shutdown.return is refused: it always fails, as NUT's does."""
        state = DeviceVars()
        for name, delay in DELAYS.items():
            state.set(name, str(delay))
        for _ in range(MAX_TRIES):
            for command in ("shutdown.stop", "shutdown.return"):
                if await self.instcmd(state, command, None) != ResultCode.SUCCESS:
                    break
            else:
                return Sent("shutdown.return", f"offdelay {DELAYS['ups.delay.shutdown']} s")
        raise DriverIOError("Shutdown failed!")

    async def _initinfo(self, state: DeviceVars) -> None:
        gpser_unit = self.protocol is Protocol.GPSER
        first = frames.gpser_request("GI") if gpser_unit else bytes([frames.SENTR_ONLY192])
        if failed(await self.link.exchange(first, self.protocol, LENGTH_GI)):
            raise DriverIOError("Bad checksum or NACK")
        if gpser_unit:
            gpser.parse_gi(self.link.buffer, self.data)
        else:
            self._parse_sentr()
        self.link.crc = gpser_unit and self.data.ident_bytes[4] != ord("0")
        self.phases = values.Phases.of(self.data)
        for name, value in {**self.phases.phase_vars(), **values.identity_vars(self.data)}.items():
            state.set(name, value)
        if await self._nominal():
            for name, value in values.nominal_vars(self.data).items():
                state.set(name, value)
        for command in values.INSTANT_COMMANDS:
            state.add_command(command)
        for name, delay in DELAYS.items():
            state.set(name, str(delay))
            state.set_info(name, VarInfo(rw=True, string_len=3))
        if gpser_unit:
            state.add_command("test.panel.start")

    async def _nominal(self) -> bool:
        if self.protocol is Protocol.SENTR:
            return await self._read_sentr()
        packet = await self.link.exchange(frames.gpser_request("GN", crc=self.link.crc),
                                          Protocol.GPSER, LENGTH_GN)
        if failed(packet):
            return False
        gpser.parse_gn(self.link.buffer, self.data)
        return True

    # -- updates ----------------------------------------------------------------

    def _parse_sentr(self) -> None:
        sentr.parse_sentr(self.link.buffer, self.data)
        self.request = sentr.next_request(self.link.buffer)

    async def _read_sentr(self) -> bool:
        packet = await self.link.exchange(frames.sentr_request(self.request), Protocol.SENTR, 0)
        if failed(packet):
            return False
        self._parse_sentr()
        return True

    async def _read(self) -> bool | None:
        """One update's reads: None when it failed, else whether the extended values count."""
        if self.protocol is Protocol.SENTR:
            return True if await self._read_sentr() else None
        crc = self.link.crc
        numread = self._numread()
        if failed(await self.link.exchange(frames.gpser_request("RS", crc=crc), Protocol.GPSER,
                                           numread)):
            return None
        gpser.parse_rs(self.link.buffer, self.data, numread)
        packet = await self.link.exchange(frames.gpser_request("RE", crc=crc), Protocol.GPSER,
                                          LENGTH_RE)
        if packet is not None and packet.bad_check:
            return False
        if packet is None or not packet.nak:  # a NAK keeps the old values
            gpser.parse_re(self.link.buffer, self.data)
        return True

    def _numread(self) -> int:
        if self.phases.input_mono:
            return gpser.LENGTH_RS_MM
        return gpser.LENGTH_RS_TM if self.phases.output_mono else gpser.LENGTH_RS_TT

    # -- commands -----------------------------------------------------------------

    def _command_requests(self, state: DeviceVars, name: str) -> list[bytes] | None:
        """The requests of command ``name``: None for a command NUT does not take now
        (it depends on the mains), [] for a delay out of range."""
        on_battery = values.on_battery(self.data)
        delays = {"load.off.delay": "ups.delay.shutdown", "load.on.delay": "ups.delay.reboot",
                  "shutdown.return": "ups.delay.shutdown"}
        allowed = {"shutdown.stop", "test.panel.start", "test.battery.start"}
        allowed |= {"shutdown.return"} if on_battery else {
            "load.off", "load.on", "load.off.delay", "load.on.delay"}
        if name not in allowed:
            return None
        delay = 0
        if name in delays:
            delay = c_atoi(state.get(delays[name]) or "0")
            if not 0 <= delay <= 0xFFFF:
                return []
        base = name.removesuffix(".delay")
        if self.protocol is Protocol.SENTR and name != "test.panel.start":
            return _sentr_requests(base, delay)
        return [gpser.command_request(base, delay, self.link.crc)]


#: SENTR command codes (load.on sets the restart delay first, then restarts)
_SENTR_CODES = {"load.off": (6,), "shutdown.return": (6,), "load.on": (2, 1),
                "shutdown.stop": (5,), "test.battery.start": (4,)}


def _sentr_requests(command: str, delay: int) -> list[bytes]:
    return [frames.sentr_command(code, delay) for code in _SENTR_CODES[command]]

