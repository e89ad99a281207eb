"""genericups: contact-closure UPSes on a serial port's modem lines, as NUT 2.8.0's genericups.

How it works (the cable table and options are protocol/devices/contact/; checked against
the real binary with the LD_PRELOAD modem lab, tests/drivers/test_contact_vs_real_nut.py):

* ``open`` (initups, initinfo, one update): the port opened with HUPCL off, the type's
  cable power set on the output lines (TIOCMSET), ups.mfr/model/serial served.
* ``poll``: one TIOCMGET; the type's signals give ups.status (LB, OL or OB, RB,
  BYPASS). A failed read makes the data stale until a read works again.
* No instant commands, no writable variables (NUT's genericups has none).
* ``killpower`` (genericups -k): the port opened and powered as at the start, then the
  type's shutdown lines set (or a break sent on TX) and held ``sdtime`` seconds. A type
  without a shutdown (8, 16, 17, 18) fails as NUT's does, after powering the cable.
"""

from __future__ import annotations

import contextlib
import os
from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent, WithoutCommands
from nutrio.actors.drivers.contact.lines import ModemLines, open_contact_port
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError, KillPowerUnsupported
from nutrio.actors.drivers.nutserial import CommWatch
from nutrio.protocol.devices.contact import genericups as gu
from nutrio.protocol.devices.contact import line_names
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["BREAK_DURATION", "GenericUps"]

log = structlog.get_logger()

#: the duration genericups hands tcsendbreak (glibc makes it 5 tenths of a second)
BREAK_DURATION = 4901


class GenericUps(WithoutCommands):
    """One contact-closure UPS of a genericups ``upstype`` (see the module comment)."""

    name = "genericups"
    version_internal = "1.38"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike) -> None:
        try:
            self.setup = gu.configure(device.options)
        except ValueError as exc:
            raise DriverConfigError(f"{device.name}: {exc}") from None
        self.path = device.port
        self.lines: ModemLines | None = None
        self.watch = CommWatch()
        log.info("driver.ups_type", upstype=self.setup.upstype, desc=self.setup.cable.desc)
        for option in self.setup.unchanged:  # NUT's notice for an override changing nothing
            log.warning("driver.override_unchanged", option=option,
                        hint="the override changes nothing: check for typos")

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        self._initups()
        state.set("ups.mfr", self.setup.mfr)
        state.set("ups.model", self.setup.model)
        if self.setup.serial is not None:
            state.set("ups.serial", self.setup.serial)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        try:
            flags = self._lines().get()
        except DriverIOError as exc:
            self.watch.failed(str(exc))
            raise
        state.set("ups.status", " ".join(gu.status_words(self.setup.cable, flags)))
        self.watch.good()
        return PollResult()

    async def close(self) -> None:
        lines, self.lines = self.lines, None
        if lines is not None:
            with contextlib.suppress(OSError):
                os.close(lines.fd)

    async def killpower(self) -> Sent:
        """genericups -k: power the cable, then set the shutdown lines (or send a break)."""
        self._initups()
        cable, lines = self.setup.cable, self._lines()
        match gu.shutdown_kind(cable):
            case "none":
                raise KillPowerUnsupported("No shutdown command defined for this model!")
            case "break":
                lines.send_break(BREAK_DURATION)
                return Sent("SD", "break on TX")
        assert cable.shutdown is not None
        lines.set(cable.shutdown)
        log.info("driver.shutdown_held", lines=line_names(cable.shutdown), seconds=self.setup.sdtime)
        await trio.sleep(max(self.setup.sdtime, 0))
        return Sent("SD", f"{line_names(cable.shutdown)} held {self.setup.sdtime} s")

    # -- the port ----------------------------------------------------------------

    def _initups(self) -> None:
        fd = open_contact_port(self.path)
        self.lines = ModemLines(fd, self.path)
        self.lines.set(self.setup.cable.power)

    def _lines(self) -> ModemLines:
        if self.lines is None:
            raise DriverIOError(f"{self.path}: port is not open")
        return self.lines
