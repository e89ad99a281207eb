"""belkin: Belkin units speaking the serial smart protocol, as NUT 2.8.0's belkin (0.25).

How it works (checked against the real binary, tests/drivers/test_belkin_vs_real_nut.py;
the protocol is protocol/devices/belkin/smart.py):

* The port: 2400 baud, DTR low, RTS high, a second's wait, both directions flushed.
* Each request flushes the line, then goes out whole; a reply is a seven-byte header
  (2 s) that counts the bytes after it, 5 ms per byte to let them come, then those
  bytes (2 s). Commands (``S``) are not answered.
* ``open``: ``MNU`` until it answers (ten tries; else the start fails), then ``MOD``,
  ``VER`` and ``RAT`` (firmware "001" sends three bytes fewer than its header says,
  as NUT knows), then one update.
* ``poll``: ``STA`` (status), ``STB`` (battery; LB also under 20 %), ``STI``,
  ``STO``, ``TSR``. A failed ``STA`` keeps the old values for three polls; the fourth
  in a row makes the data stale, as in NUT. An empty ``STA`` answer changes nothing.
* ``load.off`` is dangerous: it acts only when asked twice, 3 to 15 s apart (whole
  seconds), then sends ``ROF 1;1`` twice, 1.5 s apart.
* killpower (``-k``): ``MNU`` until it answers (a failure does not stop it), then
  ``SDT 2``, ``SDR 1``, ``SDA 5``: the load goes off in 5 s and back a minute after
  the power returns.
"""

from __future__ import annotations

import time
from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.belkin import (
    COMMANDS,
    Fields,
    read_battery,
    read_input,
    read_output,
    read_rating,
    read_status,
    request,
    test_result,
)
from nutrio.protocol.devices.dummy.devfile import DeviceVars, status_join

__all__ = ["Belkin"]

log = structlog.get_logger()

MAX_TRIES = 3
#: load.off must come twice, this many whole seconds apart
CONFIRM_WINDOW = (3, 15)
#: one-request commands: NUT name -> (code, data)
_SIMPLE = {"beeper.enable": ("BUZ", "1"), "load.on": ("RON", "1;1"),
           "test.battery.start.quick": ("TST", "3"), "test.battery.start.deep": ("TST", "4"),
           "test.battery.stop": ("TST", "0")}


class Belkin:
    """The belkin driver (see the module comment)."""

    name = "belkin"
    version_internal = "0.25"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, settle: float = 1.0) -> None:
        self.port = SerialPort(device.port, baudrate=2400)
        self.settle = settle
        self.failures = 0
        self.last_off = 0

    # -- the line -----------------------------------------------------------------

    async def send(self, kind: str, code: str, data: str = "") -> None:
        await self.port.discard_input()
        await self.port.write(request(kind, code, data))

    async def reply(self, *, short_rating: bool = False) -> str | None:
        """get_belkin_reply: the answer's data ("" for none), None when it did not come."""
        await trio.sleep(0.025)
        header = await self.port.read_exactly(7, 2.0)
        if len(header) != 7:
            log.debug("belkin.no_header", got=len(header))
            return None
        count = c_atoi(header[4:].decode("latin-1"))
        if count == 0:
            return ""
        if not 0 < count <= 255:
            return None
        await trio.sleep(0.005 * count)
        if short_rating and count == 53:
            count = 50  # firmware 001 sends 50 of the 53 bytes it announces
        data = await self.port.read_exactly(count, 2.0)
        if len(data) != count:
            log.debug("belkin.short_reply", got=len(data), expected=count)
            return None
        return data.decode("latin-1")

    async def ask(self, code: str) -> str | None:
        await self.send("P", code)
        return await self.reply()

    async def start(self) -> None:
        """upsdrv_initups: the port and its modem lines."""
        await self.port.open()
        self.port.set_modem_lines(dtr=False, rts=True)
        await trio.sleep(self.settle)
        await self.port.discard_input()

    async def find(self) -> bool:
        """init_communication: ``MNU`` until something answers, ten tries."""
        for _ in range(10):
            if await self.ask("MNU"):
                return True
        return False

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self.start()
        if not await self.find():
            raise DriverIOError(f"Unable to detect an Belkin Smart protocol UPS on port "
                                f"{self.port.path}")
        state.set("ups.mfr", "BELKIN")
        if model := await self.ask("MOD"):
            state.set("ups.model", model)
        firmware = await self.ask("VER")
        if firmware:
            state.set("ups.firmware", firmware)
        await self.send("P", "RAT")
        rating = await self.reply(short_rating=firmware == "001")
        if rating:
            for name, value in read_rating(Fields(), rating).items():
                state.set(name, value)
        for command in COMMANDS:
            state.add_command(command)
        log.info("driver.detected", model=state.get("ups.model"), port=self.port.path)
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        status = await self.ask("STA")
        if status is None:
            self.failures += 1
            if self.failures > MAX_TRIES:
                raise DriverIOError("Communications with UPS lost: status read failed!")
            return PollResult()  # NUT keeps the old values, still fresh
        if self.failures:
            log.warning("belkin.reestablished")
            self.failures = 0
        if not status:
            return PollResult()  # NUT ignores an empty answer
        fields = Fields()  # NUT's field buffer lives through one update
        words, beeper = read_status(fields, status)
        state.set("ups.beeper.status", beeper)
        if battery := await self.ask("STB"):
            low, values = read_battery(fields, battery)
            words += ["LB"] if low else []
            for name, value in values.items():
                state.set(name, value)
        for code, read in (("STI", read_input), ("STO", read_output)):
            if reply := await self.ask(code):
                for name, value in read(fields, reply).items():
                    state.set(name, value)
        if (tested := await self.ask("TSR")) and (result := test_result(fields, tested)):
            state.set("ups.test.result", result)
        state.set("ups.status", status_join(words))
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        name = name.lower()
        if name in _SIMPLE:
            await self.send("S", *_SIMPLE[name])
        elif name == "beeper.disable":
            model = await self.ask("MOD")
            if model is not None:  # F6C1400-EUR turns its beeper off with 2, the others 0
                await self.send("S", "BUZ", "2" if model == "F6C1400-EUR" else "0")
        elif name == "load.off":
            await self._off()
        else:
            return ResultCode.CMD_NOT_SUPPORTED
        return ResultCode.SUCCESS

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        return ResultCode.VAR_NOT_SUPPORTED

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        """belkin -k: find the unit (or not), then SDT 2, SDR 1, SDA 5."""
        await self.start()
        if not await self.find():
            log.warning("belkin.not_detected", hint="Trying a shutdown command anyway.")
        for code, data in (("SDT", "2"), ("SDR", "1"), ("SDA", "5")):
            await self.send("S", code, data)
        return Sent("shutdown.return", "UPS should power off load in 5 seconds")

    async def _off(self) -> None:
        """load.off, confirmed: only a second request 3 to 15 whole seconds after the
        one before acts (each request restarts the wait)."""
        now = int(time.time())
        elapsed, self.last_off = now - self.last_off, now
        if not CONFIRM_WINDOW[0] <= elapsed <= CONFIRM_WINDOW[1]:
            log.info("belkin.load_off_unconfirmed", elapsed=elapsed)
            return
        await self.send("S", "ROF", "1;1")
        await trio.sleep(1.5)
        await self.send("S", "ROF", "1;1")
