"""liebert: Liebert UPSes on the MultiLink contact-closure cable, as NUT 2.8.0's liebert.

How it works (the reading is protocol/devices/contact/multilink.py; checked against the
real binary with the LD_PRELOAD modem lab, tests/drivers/test_contact_vs_real_nut.py):

* ``open`` (initups, initinfo, one update): the port at 9600 baud, RTS raised to power
  the cable (a port that cannot is logged, and used as it is, as NUT does); ups.mfr "Liebert" and ups.model "MultiLink" unless ``mfr``/``model`` say.
* ``poll``: input dropped, one probe byte sent; whatever comes back within a second
  (and until the line is quiet for a second) is the loop-back the cable makes on
  battery; DCD raised is low battery. Both levels are debounced over four polls, so a
  change shows on the fourth poll that reads it. Bytes that are not the probe (noise
  on the line) read as "on line", as NUT's do, with one warning per spell.
* No instant commands, no writable variables.
* ``killpower``: NUT's liebert cannot power the UPS off ("shutdown not supported"); the
  port is opened and RTS raised first, as ``liebert -k`` does before it says so.

Where nutrio differs: a port that fails (a USB adapter pulled) makes the data stale;
NUT's liebert ignores its read errors and keeps saying what it last debounced.
"""

from __future__ import annotations

from typing import ClassVar

import structlog

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent, WithoutCommands
from nutrio.actors.drivers.contact.lines import ModemLines
from nutrio.actors.drivers.errors import DriverIOError, KillPowerUnsupported
from nutrio.actors.drivers.nutserial import CommWatch
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.devices.contact import CAR, RTS, multilink
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["Liebert"]

log = structlog.get_logger()

BAUD = 9600
#: NUT's ser_get_char wait for the echo, and for each further byte
ECHO_WAIT = 1.0


class Liebert(WithoutCommands):
    """One UPS on a MultiLink cable (see the module comment)."""

    name = "liebert"
    version_internal = "1.03"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike) -> None:
        self.mfr = device.options.get("mfr", multilink.MFR)
        self.model = device.options.get("model", multilink.MODEL)
        self.port = SerialPort(device.port, baudrate=BAUD)
        self.watch = CommWatch()
        self.ob = multilink.Debounce()
        self.lb = multilink.Debounce()

    async def open(self, state: DeviceVars) -> None:
        await self._initups()
        state.set("ups.mfr", self.mfr)
        state.set("ups.model", self.model)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        echo = await self._probe()
        low = bool(ModemLines(self.port.fd, self.port.path).get() & CAR)
        ob, lb = self.ob.read(multilink.on_battery(echo)), self.lb.read(low)
        state.set("ups.status", " ".join(multilink.status_words(ob, lb)))
        return PollResult()

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        """liebert -k: the port set up as at the start, then NUT's refusal."""
        await self._initups()
        raise KillPowerUnsupported("shutdown not supported")

    async def _initups(self) -> None:
        await self.port.open()
        try:
            ModemLines(self.port.fd, self.port.path).raise_lines(RTS)
        except DriverIOError as exc:  # NUT goes on without the cable's power, too
            log.warning("driver.rts_not_raised", error=str(exc))

    async def _probe(self) -> bytes:
        """What came back for one probe byte (b"" on line)."""
        await self.port.discard_input()
        await self.port.write(bytes([multilink.PROBE]))
        echo = b""
        while chunk := await self.port.read_some(ECHO_WAIT):
            echo += chunk
        if echo and set(echo) != {multilink.PROBE}:
            self.watch.failed(f"noise on the line {echo.hex()}")
        else:
            self.watch.good()
        return echo
