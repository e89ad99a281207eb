"""tripplitesu: Tripp Lite SmartOnline (SU) units on a serial line, as NUT 2.8.0's
tripplitesu (0.06).

How it works (checked against the real binary, tests/drivers/test_tripplite_vs_real_nut.py;
the protocol is protocol/devices/tripplite/smartonline.py):

* ``open`` (initinfo, which updates once itself, then main.c's update): ``AVL``
  (once more after 0.3 s when the first try fails), ``AVL``, ``MNU`` must say
  "Tripp Lite"; then model, firmware, ratings, outlet banks (load.on/load.off only
  with some), the id (writable), the transfer points (writable, each value of the
  ratings' range an enum; the high one's range is offered only when the low one
  has one, as in NUT) and the sensitivity (writable).
* ``poll``: ``STO``, ``STB``, ``STA`` must answer or the data goes stale; ``STI``,
  ``TSR``, ``ENV`` add what they can.
* Settings poll the current value first and set only a different one; shutdowns
  turn auto reboot on first. killpower (``-k``): the start-up check, auto reboot,
  ``SDR`` 1 (minute) and ``SDA`` 5 (seconds), sent even when the check fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars, status_join
from nutrio.protocol.devices.tripplite import smartonline as so
from nutrio.protocol.devices.tripplite.ctext import field

__all__ = ["SuTiming", "TrippliteSu"]

log = structlog.get_logger()

_ID_LEN = 100


@dataclass(frozen=True, slots=True)
class SuTiming:
    """tripplitesu's waits, in seconds (tests shrink the pace; the bytes stay the same)."""

    pace: float = 0.01  # between two characters sent
    reply: float = 3.0  # for each part of a reply
    retry: float = 0.3  # before the second AVL when the first failed


class TrippliteSu:
    """The tripplitesu driver (see the module comment)."""

    name = "tripplitesu"
    version_internal = "0.06"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, timing: SuTiming | None = None) -> None:
        self.t = timing or SuTiming()
        self.port = SerialPort(device.port, baudrate=so.BAUDRATE)
        self.lowbatt = device.options.get("lowbatt")
        self.outlet_banks = 0

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self.port.open()
        if not await self._init_comm():
            raise DriverIOError(f"Unable to detect Tripp Lite SmartOnline UPS on port "
                                f"{self.port.path}")
        for command, name in (("MNU", "ups.mfr"), ("MOD", "ups.model"), ("VER", "ups.firmware")):
            count, text = await self._poll(command)
            if count > 0:
                state.set(name, text)
        count, text = await self._poll("RAT")
        ratings = so.read_ratings(text) if count > 0 else so.Ratings()
        for name, value in ratings.values.items():
            state.set(name, value)
        count, text = await self._poll("LET")
        if count > 0:
            self.outlet_banks = c_atoi(text)
        if await self._identification(state):
            state.set_info("ups.id", VarInfo(rw=True, string_len=_ID_LEN))
        await self._transfer_points(state, ratings)
        if await self._sensitivity(state):
            state.set_info("input.sensitivity", VarInfo(rw=True, enums=so.SENSITIVITY))
        if self.outlet_banks:
            state.add_command("load.off")
            state.add_command("load.on")
        for command in ("shutdown.reboot", "shutdown.reboot.graceful", "shutdown.return",
                        "shutdown.stop", "test.battery.start", "test.battery.stop"):
            state.add_command(command)
        await self.poll(state)  # initinfo updates once itself ...
        log.info("driver.detected", model=state.get("ups.model"), port=self.port.path)
        await self.poll(state)  # ... and main.c once more

    async def poll(self, state: DeviceVars) -> PollResult:
        update = so.Update()
        try:  # NUT sets each value as it reads it: those before a failure stay
            if not so.read_output(update, await self._needed("STO")):
                raise DriverIOError("the STO reply has no output source")
            so.read_battery(update, await self._needed("STB"), self.lowbatt)
            so.read_alarms(update, await self._needed("STA"))
            count, text = await self._poll("STI")
            if count > 0:
                so.input_values(update, text)
            count, text = await self._poll("TSR")
            if count > 0:
                update.values["ups.test.result"] = so.test_result(text)
            count, text = await self._poll("ENV")
            if count > 0:
                so.environment(update, text)
        finally:
            for name, value in update.values.items():
                state.set(name, value)
        state.set("ups.status", status_join(update.words))
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        command = name.lower()
        messages = so.command_messages(command, self.outlet_banks)
        if messages is None:
            return ResultCode.CMD_NOT_SUPPORTED
        if command.startswith("shutdown.") and command != "shutdown.stop":
            await self._auto_reboot()
        for message in messages:
            await self._do(message, want=False)
        return ResultCode.SUCCESS

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        key = name.lower()
        if key == "ups.id":
            count, current = await self._poll("UID")
            if count >= 0 and current != value:
                await self._do(so.frame("S", "UID", value[: so.MAX_RESPONSE - 1]), want=False)
            await self._identification(state)
        elif key in ("input.transfer.low", "input.transfer.high"):
            await self._set_transfer(key.endswith("high"), c_atoi(value))
            await self._transfer_point(state, high=key.endswith("high"))
        elif key == "input.sensitivity":
            choice = next((i for i, n in enumerate(so.SENSITIVITY) if n.lower() == value.lower()),
                          None)
            if choice is not None:
                await self._do(so.frame("S", "VSN", str(choice)), want=False)
            await self._sensitivity(state)
        else:
            return ResultCode.VAR_NOT_SUPPORTED
        return ResultCode.SUCCESS

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        await self.port.open()
        if not await self._init_comm():
            log.warning("driver.killpower_unchecked",
                        reason="Status failed. Assuming it's on battery and trying a shutdown anyway.")
        await self._auto_reboot()
        await self._do(so.frame("S", "SDR", "1"), want=False)
        await self._do(so.frame("S", "SDA", "5"), want=False)
        return Sent("shutdown.return", "off in 5 s, back 1 minute after power returns")

    # -- the wire -------------------------------------------------------------------------

    async def _do(self, message: bytes, *, want: bool = True) -> tuple[int, str]:
        """do_command: (count of data characters, the data) or (-1, "")."""
        await self.port.discard_input()
        for byte in message:
            await self.port.write(bytes([byte]))
            await trio.sleep(self.t.pace)
        head = await self.port.read_exactly(4, self.t.reply)
        if head == so.ACCEPTED:
            return 0, ""
        if head != so.DATA:
            return -1, ""
        digits = await self.port.read_exactly(3, self.t.reply)
        count = c_atoi(digits.decode("latin-1")) if len(digits) == 3 else -1
        if count < 0 or count >= so.MAX_RESPONSE or (count and not want):
            return -1, ""
        if count == 0:
            return 0, ""
        data = await self.port.read_exactly(count, self.t.reply)
        if len(data) < count:
            return -1, ""
        return count, data.split(b"\0", 1)[0].decode("latin-1").rstrip(" ")

    async def _poll(self, command: str) -> tuple[int, str]:
        return await self._do(so.frame("P", command))

    async def _needed(self, command: str) -> str:
        """A poll the update cannot do without: no data makes the data stale."""
        count, text = await self._poll(command)
        if count <= 0:
            raise DriverIOError(f"no reply to {command}")
        return text

    async def _init_comm(self) -> bool:
        count, _ = await self._poll("AVL")
        if count <= 0:
            log.info("driver.retrying", reason="Initial response malformed, retrying in 300ms")
            await trio.sleep(self.t.retry)
        if (await self._poll("AVL"))[0] <= 0:
            return False
        count, maker = await self._poll("MNU")
        return count > 0 and maker == "Tripp Lite"

    async def _auto_reboot(self) -> None:
        count, text = await self._poll("ARB")
        for message in so.auto_reboot_messages(text if count > 0 else None):
            await self._do(message, want=False)

    # -- settings ---------------------------------------------------------------------------

    async def _identification(self, state: DeviceVars) -> bool:
        count, text = await self._poll("UID")
        if count >= 0:
            state.set("ups.id", text)
        return count >= 0

    async def _transfer_point(self, state: DeviceVars, *, high: bool) -> bool:
        count, text = await self._poll("TXV")
        if count <= 0:
            return False
        value = field(text, 1 if high else 0)
        if value is not None:
            state.set(f"input.transfer.{'high' if high else 'low'}", str(c_atoi(value)))
        return True

    async def _transfer_points(self, state: DeviceVars, ratings: so.Ratings) -> None:
        # NUT gates both on the low point's range (its high check reads max_low_transfer too)
        offered = ratings.low_range[1] != 0
        for high, (least, most) in ((False, ratings.low_range), (True, ratings.high_range)):
            if await self._transfer_point(state, high=high) and offered:
                name = f"input.transfer.{'high' if high else 'low'}"
                state.set_info(name, VarInfo(rw=True, enums=tuple(
                    str(v) for v in range(least, most + 1))))

    async def _set_transfer(self, high: bool, value: int) -> None:
        count, text = await self._poll("TXV")
        low_text, high_text = field(text, 0), field(text, 1)
        if count <= 0 or low_text is None or high_text is None:
            return
        low, top = c_atoi(low_text), c_atoi(high_text)
        if (top if high else low) == value:
            return
        pair = f"{low};{value}" if high else f"{value};{top}"
        await self._do(so.frame("S", "TXV", pair), want=False)

    async def _sensitivity(self, state: DeviceVars) -> bool:
        count, text = await self._poll("VSN")
        code = c_atoi(text)
        if count <= 0 or not 0 <= code < len(so.SENSITIVITY):
            return False
        state.set("input.sensitivity", so.SENSITIVITY[code])
        return True
