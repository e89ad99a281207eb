"""liebert-esp2: Liebert GXT2/NXe UPSes on the ESP-II serial protocol, as NUT 2.8.0's (0.05).

How it works (the protocol is protocol/devices/liebert/esp2.py; checked
against the real binary on tests/drivers/sim/liebert_sim.py):

* ``open`` (initups, initinfo, one update): the port at ``baudrate`` (2400
  by default), then the identity words: model (15), firmware (8), serial
  (10), date of manufacture (4); a variable is set only when all its words
  answered, and none answering fails the start ("ESP-II capable UPS not
  detected"). Then the type word (phases, ups.type) and the scaling word
  (the multipliers); either may go unanswered.
* ``poll``: every meter of the phase counts; one that does not answer keeps
  its last value. Then the three status words: one unanswered fails the
  poll (stale), as NUT marks the data stale there.
* Each request waits up to 1 s for the whole 8-byte reply; a reply with a
  bad sum counts as none. No instant commands, no writable variables.
* ``killpower``: output-off mode, a 120 s delay, the load key, the shutdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import structlog

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError, KillPowerFailed
from nutrio.actors.drivers.nutserial import CommWatch, get_buf_len
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.liebert import esp2

__all__ = ["EspTiming", "LiebertEsp2"]

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class EspTiming:
    """How long one reply may take (ser_get_buf_len's 1 s); tests shrink it."""

    reply: float = 1.0


class LiebertEsp2:
    """One Liebert UPS on a serial port (see the module comment)."""

    name = "liebert-esp2"
    version_internal = "0.05"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, timing: EspTiming | None = None) -> None:
        text = device.options.get("baudrate")
        rate = esp2.baud_option(text)
        if rate == 0:
            raise DriverConfigError(f"{device.name}: Baudrate [{text}] unsupported")
        self.t = timing or EspTiming()
        self.port = SerialPort(device.port, baudrate=rate or esp2.DEFAULT_BAUD)
        self.watch = CommWatch()
        self.mults = esp2.multipliers(None)
        self.meters = esp2.readings(1, 1)

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self.port.open()
        await self._initinfo(state)
        await self._update(state)  # main.c updates once right after initinfo
        self.watch.good()

    async def poll(self, state: DeviceVars) -> PollResult:
        await self._update(state)
        self.watch.good()
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        return ResultCode.CMD_NOT_SUPPORTED  # NUT's driver has none

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        return ResultCode.VAR_NOT_SUPPORTED

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        """liebert-esp2 -k: the four power-off requests, each answered.

        NUT 2.8.0 negates only its first test: a UPS that answers the first
        request gets nothing more, and one that does not gets the other three
        (see docs/drivers.md). nutrio sends the whole sequence.
        """
        await self.port.open()
        for frame in esp2.KILLPOWER:
            if await self._exchange(frame) is None:
                raise KillPowerFailed("Failed to shutdown UPS")
        return Sent("shutdown.return", "the UPS powers off in 120 s")

    # -- the line -----------------------------------------------------------------

    async def _exchange(self, frame: bytes) -> bytes | None:
        """One request; its whole reply with a good sum, or None.

        Input is dropped first (NUT does not): bytes left over from garbage
        would shift every later reply. Silence is no failure of the line (a
        model lacks some registers); a cut reply or a bad sum is.
        """
        await self.port.discard_input()
        await self.port.write(frame)
        reply = await get_buf_len(self.port, esp2.REPLY_LEN, self.t.reply)
        if esp2.reply_word(reply) is not None:
            return reply
        if reply:
            self.watch.failed(f"bad reply {reply.hex()}", request=frame.hex())
        else:
            log.debug("driver.no_reply", request=frame.hex())
        return None

    # -- start-up and updates ------------------------------------------------------

    async def _initinfo(self, state: DeviceVars) -> None:
        state.set("ups.mfr", "Liebert")
        first, found = 4, 0
        for name, words in esp2.IDENT:
            text = await self._ident(first, words)
            if text is not None:
                state.set(name, text)
                found += 1
            first += words
        if not found:
            raise DriverIOError("ESP-II capable UPS not detected")
        kind = await self._exchange(esp2.TYPE_REQUEST)
        lines = esp2.Phases(1, 1, "") if kind is None else esp2.phases(kind)
        if kind is not None:
            state.set("input.phases", str(lines.inputs))
            state.set("output.phases", str(lines.outputs))
            state.set("ups.type", lines.ups_type)
        self.meters = esp2.readings(lines.inputs, lines.outputs)
        scaling = await self._exchange(esp2.SCALING_REQUEST)
        self.mults = esp2.multipliers(None if scaling is None else scaling[6])

    async def _ident(self, first: int, words: int) -> str | None:
        """One identity string, or None when a word went unanswered."""
        chars = b""
        for index in range(first, first + words):
            reply = await self._exchange(esp2.request(esp2.IDENT_FAMILY, index))
            if reply is None:
                return None
            chars += esp2.word_chars(reply)
        return chars.split(b"\0", 1)[0].decode("latin-1")

    async def _update(self, state: DeviceVars) -> None:
        for meter in self.meters:
            reply = await self._exchange(meter.frame)
            word = None if reply is None else esp2.reply_word(reply)
            if word is not None:
                state.set(meter.name, meter.text(word, self.mults))
        fields = []
        for number, frame in enumerate(esp2.STATUS_REQUESTS, 1):
            reply = await self._exchange(frame)
            if reply is None:
                raise DriverIOError(f"Failed reading bitfield #{number}")
            fields.append(reply)
        words = esp2.status_words((fields[0], fields[1], fields[2]), state.get("battery.current"))
        state.set("ups.status", " ".join(words))
