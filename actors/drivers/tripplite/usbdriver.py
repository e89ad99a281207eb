"""tripplite_usb: older Tripp Lite USB UPSes (OMNIVS, SMARTPRO; not HID Power Device),
as NUT 2.8.0's tripplite_usb (0.33).

How it works (checked against the real binary on the USB lab, tests/usblab/test_tripplite_usb.py):

* ``open`` (initups, initinfo, one update): the unit (actors/drivers/tripplite/usb.py),
  then the protocol number (0004, 1001, 2001, 3003, 3005; another one is read as an
  unknown protocol, its reply in ``ups.debug.0``), the watchdog switched off
  (``W`` 0; not on 3003), status, power rating, firmware, ratings (``V``: input
  range, battery volts, switchable load banks, each bank an ``outlet.N`` with a
  writable ``switch``), the unit id (``U``; not on 1001 and 0004; writable).
* ``poll`` (updateinfo): ``S`` gives ups.status (and battery.test.status on the
  SMART and 2001 protocols), ``B`` (OMNIVS) or ``D``, ``M``, ``T`` (SMART) the
  voltages and temperature, the battery volts give battery.charge (``battery_min``
  to ``battery_max``: 10 to 100 %), ``L`` output volts or load, then the replies
  NUT shows as ``ups.debug.*``. A command without an accepted reply fails the poll
  (the data goes stale; only a debug reply's failure does not); the next poll reads
  the unit from the start again, as NUT's reconnect re-runs initinfo.
* shutdown.return and killpower: ``N`` with ``offdelay`` (two binary bytes),
  2 s, ``G``; load.on/load.off and outlet.N.switch: ``N`` 5 s and ``K`` (SMART
  protocols only).
"""

from __future__ import annotations

from typing import ClassVar

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.bcmxcp.link import CommWatch
from nutrio.actors.drivers.errors import DriverIOError, KillPowerFailed
from nutrio.actors.drivers.tripplite.oddvalues import OddValues
from nutrio.actors.drivers.tripplite.usb import UsbSeen, UsbTiming, UsbTripp
from nutrio.protocol.common.cnum import c_atoi, c_strtod
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars, status_join
from nutrio.protocol.devices.tripplite import usbframe as tf
from nutrio.protocol.devices.tripplite import usbvalues as tv

__all__ = ["DEFAULT_OFFDELAY", "TrippliteUsb", "UsbTiming"]

log = structlog.get_logger()

DEFAULT_OFFDELAY = 64
_SWITCH_LEN, _ID_LEN, _DELAY_LEN = 3, 5, 3


class TrippliteUsb:
    """The tripplite_usb driver (see the module comment)."""

    name = "tripplite_usb"
    version_internal = "0.33"
    flags: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: DeviceLike, *, timing: UsbTiming | None = None,
                 backend: object = None) -> None:
        self.t = timing or UsbTiming()
        opts = device.options
        self.link = UsbTripp(opts, device.name, self.t, backend)
        self.offdelay = DEFAULT_OFFDELAY
        if "offdelay" in opts and c_atoi(opts["offdelay"]) >= 0:
            self.offdelay = c_atoi(opts["offdelay"])
        self.battery_range = (c_strtod(opts.get("battery_min", str(tv.BATTERY_MIN))),
                              c_strtod(opts.get("battery_max", str(tv.BATTERY_MAX))))
        self.proto = tf.Proto.UNKNOWN
        self.ratings = tv.Ratings()
        self.unit_id = -1  # NUT keeps it over reconnects, as the ratings
        self.watch = CommWatch()
        self.odd = OddValues()
        self.reread = False

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        seen = await self.link.open()
        state.set("ups.vendorid", f"{seen.vendor_id:04x}")
        state.set("ups.productid", f"{seen.product_id:04x}")
        state.set("driver.version.usb", f"pyusb {_pyusb_version()}")
        log.info("driver.usb_opened", vendor=seen.vendor, product=seen.product, bus=seen.bus,
                 device=seen.device)
        await self._initinfo(state, seen)
        await self._update(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        if not self.link.is_open:
            await self.link.open()
            log.info("driver.usb_reconnected")
            self.reread = True
        if self.reread and self.link.seen is not None:
            await self._initinfo(state, self.link.seen)
        await self._update(state)
        self.watch.good()
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        command = name.lower()
        if self.proto.smart and command == "test.battery.start":
            await self.link.command(tf.letter("A"))
            return ResultCode.SUCCESS
        if self.proto.smart and command == "reset.input.minmax":
            return await self._done(tf.letter("Z"), name)
        if command in ("load.off", "load.on"):
            return await self._switch(0, command == "load.on")
        if command == "shutdown.return":
            return await self._shutdown()
        return ResultCode.CMD_NOT_SUPPORTED

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        key = name.lower()
        if key == "ups.delay.shutdown":
            if c_atoi(value) < 0:
                return ResultCode.INVALID_ARGUMENT
            self.offdelay = c_atoi(value)
            state.set("ups.delay.shutdown", str(self.offdelay))
            return ResultCode.SUCCESS
        if key == "ups.id" and self.unit_id >= 0:
            code = await self._done(tf.unit_id_message(c_atoi(value)), name)
            if code == ResultCode.SUCCESS:
                state.set("ups.id", value)
            return code
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "outlet" and parts[2] == "switch":
            on = value.lower() == "on" or value == "1"
            code = await self._switch(c_atoi(parts[1]), on)
            if code == ResultCode.SUCCESS:
                state.set(name, "1" if on else "0")
            return code
        return ResultCode.VAR_NOT_SUPPORTED

    async def close(self) -> None:
        await self.link.close()

    async def killpower(self) -> Sent:
        """tripplite_usb -k: find the unit (nothing read), then ``N`` offdelay, 2 s, ``G``.
        NUT says nothing when the unit refuses either; nutrio fails then."""
        await self.link.open()
        if await self._shutdown() != ResultCode.SUCCESS:
            raise KillPowerFailed("Could not turn off UPS (is it still on battery?)")
        return Sent("shutdown.return", f"offdelay {self.offdelay} s")

    # -- commands ---------------------------------------------------------------

    async def _done(self, message: bytes, what: str) -> str:
        reply = await self.link.command(message)
        if reply is None:
            log.warning("driver.command_unanswered", name=what)
            return ResultCode.FAILED
        return ResultCode.SUCCESS

    async def _switch(self, outlet: int, on: bool) -> str:
        messages = tf.outlet_messages(self.proto, outlet, on)
        if messages is None:
            log.error("driver.outlet_control_unimplemented", protocol=self.proto.name)
            return ResultCode.UNKNOWN
        delay, relay = messages
        await self.link.command(delay)
        return await self._done(relay, f"outlet {outlet} {'on' if on else 'off'}")

    async def _shutdown(self) -> str:
        if await self.link.command(tf.offdelay_message(self.offdelay)) is None:
            log.error("driver.offdelay_refused", offdelay=self.offdelay)
            return ResultCode.FAILED
        await trio.sleep(self.t.shutdown_pause)
        return await self._done(tf.letter("G"), "shutdown.return")

    # -- reading ----------------------------------------------------------------------

    async def _ask(self, command: str | bytes) -> bytes:
        message = tf.letter(command) if isinstance(command, str) else command
        reply = await self.link.command(message)
        if reply is None:
            self.watch.failed("no valid reply", command=message[:1].decode("latin-1"))
            self.reread = True
            raise DriverIOError(f"Error reading {message[:1].decode('latin-1')!r} value")
        return reply

    async def _debug(self, state: DeviceVars, command: str) -> None:
        """debug_message: a ``ups.debug.X``; a failure only means reading the unit afresh."""
        reply = await self.link.command(tf.letter(command))
        if reply is None:
            self.watch.failed("no valid reply", command=command)
            self.reread = True
            return
        state.set(f"ups.debug.{command}", tv.debug_text(reply))

    async def _initinfo(self, state: DeviceVars, seen: UsbSeen) -> None:
        self.reread = False
        reply = await self._ask(tf.PROTOCOL_QUERY)
        number = (reply[1] << 8) | reply[2]
        self.proto = tf.protocol_of(number)
        log.info("driver.protocol", protocol=f"{number:04x}", family=self.proto.name)
        if self.proto is tf.Proto.UNKNOWN:
            state.set("ups.debug.0", tv.debug_text(reply))
        state.set("ups.firmware.aux", f"protocol {number:04x}")
        if self.proto is not tf.Proto.SMARTPRO and await self.link.command(b"W\0\0") is None:
            log.info("driver.watchdog_not_reset")
        await self._ask("S")
        state.set("ups.mfr", "Tripp Lite")
        power = await self.link.command(tf.letter("P"))
        if power is not None and self.proto is tf.Proto.SMART_0004:
            state.set("ups.debug.P", tv.debug_text(power))
        state.set("ups.model", tv.model_name(seen.vendor, seen.product or ""))
        if power is not None:
            state.set("ups.power.nominal", str(tv.nominal_power(self.proto, power)))
        firmware = await self.link.command(tf.letter("F"))
        if firmware is not None:
            state.set("ups.firmware", tv.firmware(firmware))
        ratings = await self.link.command(tf.letter("V"))
        if ratings is not None:
            self.ratings = tv.Ratings.from_v(self.proto, ratings, self.ratings)
            self.odd.seen(self.ratings.problems, at="V")
        await self._debug(state, "V")
        self._outlets(state)
        if self.proto not in (tf.Proto.OMNIVS, tf.Proto.SMART_0004):
            unit = await self.link.command(tf.letter("U"))
            if unit is None:
                log.info("driver.no_unit_id")
            else:
                self.unit_id = (unit[1] << 8) | unit[2]
        if self.unit_id >= 0:
            state.set("ups.id", str(self.unit_id))
            state.set_info("ups.id", VarInfo(rw=True, string_len=_ID_LEN))
        state.set("input.voltage.nominal", str(self.ratings.input_nominal))
        state.set("battery.voltage.nominal", str(self.ratings.battery_nominal))
        state.set("ups.debug.load_banks", str(self.ratings.load_banks))
        state.set("ups.delay.shutdown", str(self.offdelay))
        state.set_info("ups.delay.shutdown", VarInfo(rw=True, string_len=_DELAY_LEN))
        if self.proto.smart:
            state.add_command("test.battery.start")
            state.add_command("reset.input.minmax")
        state.add_command("shutdown.return")

    def _outlets(self, state: DeviceVars) -> None:
        banks = self.ratings.load_banks
        if banks <= 0:
            return
        for number in range(1, banks + 2):  # the last bank is never switchable
            state.set(f"outlet.{number}.id", str(number))
            state.set(f"outlet.{number}.desc", f"Load {number}")
            state.set(f"outlet.{number}.switchable", "1" if number <= banks else "0")
            if number <= banks:
                state.set(f"outlet.{number}.switch", "1")
                state.set_info(f"outlet.{number}.switch", VarInfo(rw=True, string_len=_SWITCH_LEN))
        state.add_command("load.on")
        state.add_command("load.off")

    async def _update(self, state: DeviceVars) -> None:
        proto, ratings = self.proto, self.ratings
        status = tv.read_status(proto, await self._ask("S"))
        self.odd.seen(status.problems, at="S")
        _put(state, status.values)
        state.set("ups.status", status_join(status.words))
        per_12v = 0.0
        if proto.omnivs:
            found, per_12v = tv.read_b(ratings, await self._ask("B"))
            _put(state, found)
        if proto.smart:
            found, per_12v = tv.read_d(proto, ratings, await self._ask("D"))
            _put(state, found)
            minmax = await self._ask("M")
            if minmax[5] != 0x0D:  # more than the four digits NUT expects
                state.set("ups.debug.M", tv.debug_text(minmax))
            _put(state, tv.read_m(proto, ratings, minmax))
            _put(state, tv.read_t(proto, await self._ask("T")))
        if proto is not tf.Proto.UNKNOWN:
            state.set("battery.charge", tv.battery_charge(per_12v, *self.battery_range))
        _put(state, tv.read_l(proto, ratings, await self._ask("L")))
        if not proto.omnivs:
            await self._debug(state, "D")
            if proto is not tf.Proto.SMARTPRO:
                for command in "VMTP":
                    await self._debug(state, command)


def _put(state: DeviceVars, found: dict[str, str]) -> None:
    for name, value in found.items():
        state.set(name, value)


def _pyusb_version() -> str:
    import usb  # type: ignore[import-untyped]

    return str(usb.__version__)
