"""tripplite: Tripp Lite SmartPro/Omni units on a serial line, as NUT 2.8.0's tripplite (0.93).

How it works (checked against the real binary, tests/drivers/test_tripplite_vs_real_nut.py;
the protocol is protocol/devices/tripplite/smartpro.py):

* ``open`` (initups, initinfo, one update): ``W``, ``L``, ``V``, ``X`` (each tried three
  times; a unit that never answers with a letter or digit first is no Tripp Lite), then
  the three writable delays and the instant commands.
* ``poll``: ``D``, ``B``, ``M``, ``I``, ``C``. A short or odd reply keeps the old
  values; only the fourth bad update in a row makes the data stale, as in NUT.
* Each request flushes the line first, then skips the unit's echo line and keeps the
  next line (1 s for each character). NUT reuses one buffer through an update, so a
  reply that never ends leaves the previous reply's tail behind it: so does nutrio.
* killpower (``-k``): ``N`` offdelay then ``G``, without reading the unit first.
"""

from __future__ import annotations

from typing import ClassVar

import structlog

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.bcmxcp.link import CommWatch
from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars, status_join
from nutrio.protocol.devices.tripplite import smartpro as sp
from nutrio.protocol.devices.tripplite.ctext import hex2d

__all__ = ["Tripplite"]

log = structlog.get_logger()

#: NUT's MAXTRIES: start-up tries per request, and bad updates before the data is stale
MAX_TRIES = 3
#: each character may take this long (SER_WAIT_SEC)
CHAR_WAIT = 1.0
_LINE_MAX = 256


class EchoLink:
    """One request, the echo line skipped, the reply line kept in a C-like buffer."""

    def __init__(self, port: SerialPort) -> None:
        self.port = port
        self.buf = bytearray(_LINE_MAX + 1)

    def text(self) -> bytes:
        """The buffer up to its NUL, as NUT's string functions see it."""
        return bytes(self.buf.split(b"\0", 1)[0])

    async def _char(self) -> int | None:
        got = await self.port.read_exactly(1, CHAR_WAIT)
        return got[0] if got else None

    async def send(self, message: bytes, limit: int = _LINE_MAX) -> int:
        """send_cmd: the reply's length, or -1 when a character did not come."""
        await self.port.discard_input()
        await self.port.write(message)
        while (char := await self._char()) != 0x0A:
            if char is None:
                return -1
        count = 0
        while True:
            char = await self._char()
            if char is None:
                return -1
            if char not in (0x0D, 0x0A):
                self.buf[count] = char
                count += 1
            if char == 0x0A or count >= limit:
                break
        self.buf[count] = 0
        return count


class Tripplite:
    """The tripplite driver (see the module comment)."""

    name = "tripplite"
    version_internal = "0.93"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike) -> None:
        self.port = SerialPort(device.port, baudrate=sp.BAUDRATE)
        self.link = EchoLink(self.port)
        self.delays = {d.option: d.default for d in sp.DELAYS}
        for delay in sp.DELAYS:
            if delay.option in device.options and c_atoi(device.options[delay.option]) >= 0:
                self.delays[delay.option] = c_atoi(device.options[delay.option])
        self.watch = CommWatch()
        self.failures = 0

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self.port.open()
        replies = [await self._letter(c) for c in "WLVX"]
        identity = sp.identify(*replies)
        state.set("ups.mfr", "Tripp Lite")
        state.set("ups.model", identity.model)
        state.set("ups.firmware", identity.firmware)
        for delay in sp.DELAYS:
            state.set(delay.var, str(self.delays[delay.option]))
            state.set_info(delay.var, VarInfo(rw=True, string_len=delay.width))
        for command in identity.commands():
            state.add_command(command)
        log.info("driver.detected", model=identity.model, port=self.port.path)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        problem = await self._update(state)
        if problem is None:
            self.failures = 0
            self.watch.good()
            return PollResult()
        self.failures += 1
        if self.failures > MAX_TRIES:
            self.watch.failed(problem)
            raise DriverIOError(problem)
        return PollResult()  # NUT keeps the old values, still fresh

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        messages = sp.command_messages(name.lower(), self.delays)
        if messages is None:
            return ResultCode.CMD_NOT_SUPPORTED
        for message in messages:
            await self.link.send(message)
        return ResultCode.SUCCESS

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        delay = next((d for d in sp.DELAYS if d.var == name.lower()), None)
        if delay is None:
            return ResultCode.VAR_NOT_SUPPORTED
        if c_atoi(value) >= 0:  # NUT keeps the old delay for a negative one, and says done
            self.delays[delay.option] = c_atoi(value)
        state.set(delay.var, str(self.delays[delay.option]))
        return ResultCode.SUCCESS

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        """tripplite -k: the port, then ``N`` offdelay and ``G`` (nothing read first)."""
        await self.port.open()
        for message in sp.command_messages("shutdown.return", self.delays) or ():
            await self.link.send(message)
        return Sent("shutdown.return", f"offdelay {self.delays['offdelay']} s")

    # -- reading ----------------------------------------------------------------

    async def _letter(self, letter: str) -> bytes:
        """get_letter_cmd: a reply starting with a letter or digit, in three tries."""
        for _ in range(MAX_TRIES):
            count = await self.link.send(f":{letter}\r".encode(), limit=16)
            reply = self.link.text()
            if count > 0 and reply[:1].isalnum():
                return reply
        raise DriverIOError("Failed to find UPS - giving up...")

    async def _ask(self, letter: str) -> bytes:
        await self.link.send(f":{letter}\r".encode())  # NUT reads the buffer, whatever came
        return self.link.text()

    async def _update(self, state: DeviceVars) -> str | None:
        """One update; NUT's complaint when it keeps nothing, else None."""
        count = await self.link.send(b":D\r")
        if count != sp.D_LENGTH:
            return f"Data command failed: [{count}] bytes != {sp.D_LENGTH} bytes."
        reading = sp.read_d(self.link.text())
        if (problem := reading.out_of_bounds()) is not None:
            return problem
        volts = sp.battery_volts(await self._ask("B"))
        if not 0.0 <= volts <= 50.0:
            return f"Battery voltage out of bounds: [{volts:02.1f}]"
        extremes = []
        for letter, what in (("M", "InVoltMax"), ("I", "InVoltMin")):
            extremes.append(hex2d(await self._ask(letter), 0, 2))
            if not sp.volts_ok(extremes[-1]):
                return f"{what} out of bounds: [{extremes[-1]}]"
        number, result = sp.self_test(await self._ask("C"))
        if result is None:
            return f"Self test out of bounds: [{number}]"
        for name, value in reading.values().items():
            state.set(name, value)
        words, unknown = sp.status_words(reading.flags)
        for complaint in unknown:
            log.error("driver.unknown_state", problem=complaint)
        state.set("ups.status", status_join(words))
        state.set("battery.voltage", f"{volts:.1f}")
        state.set("battery.charge", f"{sp.battery_charge(volts):3d}")
        state.set("input.voltage.maximum", str(extremes[0]))
        state.set("input.voltage.minimum", str(extremes[1]))
        state.set("ups.test.result", result)
        return None
