"""The apcsmart driver actor against a simulated Smart-UPS on a pseudo-terminal.

Real clock and real serial I/O; the driver's waits are shrunk (ApcTiming)
so that NUT's 1.3 s repeats and 3-15 s confirmation window take tens of
milliseconds here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device, status_is, wait_for
from driver_helpers import ask as _ask
from sim.apcsmart_sim import ApcSmartSim, apcsmart_sim

from nutrio.actors.drivers import DriverConfigError, DriverError, make_driver, run_driver
from nutrio.actors.drivers.apcsmart.driver import ApcSmart, ApcTiming
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode, VarInfo

POLL = 0.03
FAST = ApcTiming(
    default=0.5, short=0.25, peek=0.06, long=0.5, repeat_pause=0.05, pace=0.002,
    confirm_min=0.1, confirm_max=1.0, retry_sleep=0.02, drain=0.005,
)


ask = partial(_ask, timeout=5.0)


@pytest.fixture
async def sim() -> AsyncIterator[tuple[ApcSmartSim, str]]:
    async with apcsmart_sim() as pair:
        yield pair


def apc_device(tty: str, **options: str) -> Device:
    return Device(
        name="apc", port=tty, config_dir=Path("/tmp"), driver="apcsmart", pollinterval=POLL,
        options=MappingProxyType(options),
    )


def fast(dev: Device) -> ApcSmart:
    return ApcSmart(dev, timing=FAST)


async def start(nursery: trio.Nursery, dev: Device) -> DeviceHandle:
    handle = DeviceHandle(dev.name)
    await nursery.start(lambda task_status: run_driver(dev, handle, factory=fast, task_status=task_status))
    return handle


async def after_next_poll(handle: DeviceHandle) -> None:
    """Once a poll has been answered, the UPS has read every byte sent before it."""
    await wait_for(handle, lambda s: True)
    version = handle.state.version
    with trio.fail_after(3):
        await handle.state.wait_newer(version)


async def confirmed(handle: DeviceHandle, name: str, value: str | None = None) -> str:
    """A dangerous command asked twice inside the confirmation window."""
    assert await ask(handle, "INSTCMD", name, value) == ResultCode.SUCCESS
    await trio.sleep(FAST.confirm_min + 0.05)
    return await ask(handle, "INSTCMD", name, value)


async def test_driver_serves_what_the_smart_ups_reports(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    vars_ = handle.snapshot.data.vars
    expected = {
        "ups.status": "OL", "ups.mfr": "APC", "ups.model": "Smart-UPS 1000",
        "ups.serial": "AS1234567890", "ups.firmware": "652.13.I", "battery.charge": "100.0",
        "battery.voltage": "27.43", "input.voltage": "230.4", "output.voltage": "230.4",
        "ups.load": "021.3", "ups.temperature": "036.0", "input.frequency": "50.00",
        "battery.runtime": "2700", "battery.runtime.low": "120", "ups.test.interval": "1209600",
        "input.transfer.reason": "no transfers yet since turnon", "ups.id": "UPS_IDEN",
        "device.mfr": "APC", "device.model": "Smart-UPS 1000", "driver.name": "apcsmart",
    }
    assert {k: vars_.get(k) for k in expected} == expected
    assert "device.uptime" not in vars_ and "ambient.0.temperature" not in vars_
    assert handle.snapshot.data.info["ups.id"] == VarInfo(rw=True, string_len=8)
    assert set(handle.snapshot.data.commands) == {
        "calibrate.start", "calibrate.stop", "load.off", "load.on", "shutdown.return",
        "shutdown.stayoff", "test.battery.start", "test.battery.stop", "test.failure.start",
        "test.panel.start",
    }
    # the real apcsmart's start-up, byte for byte: smart mode, firmware, command set, reads
    assert bytes(ups.received).startswith(b"YVba\x01BCEFGLMNOPXcefgjlmnopqrsux9b\x1aQCPEXrpc")


async def test_power_failure_low_battery_and_return_show_in_status(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    ups.on_battery()
    snap = await wait_for(handle, status_is("OB"))
    assert snap.data.vars["battery.runtime"] == "1860"
    ups.low_battery()
    snap = await wait_for(handle, status_is("OB LB"))
    assert snap.data.vars["battery.charge"] == "012.0"
    ups.on_line()
    await wait_for(handle, status_is("OL"))


@pytest.mark.parametrize(
    "status, words",
    [(0x08, "OL"), (0x0A, "TRIM OL"), (0x0C, "BOOST OL"), (0x50, "OB LB"), (0x88, "OL RB"),
     (0x28, "OL OVER"), (0x09, "CAL OL"), (0x00, "OFF")],
)
async def test_status_byte_maps_to_apcsmart_tokens(nursery, sim, status, words) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    ups.status = status
    await wait_for(handle, status_is(words))


async def test_eeprom_and_alarm_register_alerts_do_not_spoil_replies(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    ups.reply_prefix = "|&"
    ups.values["B"] = "26.90"
    snap = await wait_for(handle, lambda s: s.data.vars["battery.voltage"] == "26.90")
    assert snap.data.vars["ups.status"] == "OL" and not snap.stale


@pytest.mark.parametrize(
    "name, wire",
    [
        ("test.battery.start", b"W"), ("test.battery.stop", b"W"), ("test.panel.start", b"A"),
        ("test.failure.start", b"U"), ("calibrate.start", b"D"), ("calibrate.stop", b""),
        ("load.on", b"\x0e\x0e"),
    ],
)
async def test_plain_commands_reach_the_ups_as_apc_characters(nursery, sim, name, wire) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    ups.received.clear()
    assert await ask(handle, "INSTCMD", name) == ResultCode.SUCCESS
    await after_next_poll(handle)
    assert ups.commands() == wire


@pytest.mark.parametrize(
    "name, value, wire",
    [
        ("shutdown.return", None, b"S"),
        ("shutdown.return", "at:5", b"@005"),
        ("shutdown.return", "AT:120", b"@120"),
        ("shutdown.stayoff", None, b"KK"),
        ("load.off", None, b"ZZ"),
    ],
)
async def test_dangerous_commands_act_only_when_confirmed_in_the_window(nursery, sim, name, value, wire) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    ups.received.clear()
    assert await ask(handle, "INSTCMD", name, value) == ResultCode.SUCCESS
    assert ups.commands() == b""  # the first request only arms the command
    await trio.sleep(FAST.confirm_min + 0.05)
    assert await ask(handle, "INSTCMD", name, value) == ResultCode.SUCCESS
    await after_next_poll(handle)
    assert ups.commands() == wire


async def test_a_repeat_outside_the_window_does_nothing(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    ups.received.clear()
    for _ in range(3):  # too fast, each one re-arms
        assert await ask(handle, "INSTCMD", "shutdown.stayoff") == ResultCode.SUCCESS
    await trio.sleep(FAST.confirm_max + 0.1)  # too late
    assert await ask(handle, "INSTCMD", "shutdown.stayoff") == ResultCode.SUCCESS
    assert ups.commands() == b""


async def test_calibration_toggles_only_when_needed(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    assert await ask(handle, "INSTCMD", "calibrate.start") == ResultCode.SUCCESS
    await wait_for(handle, status_is("CAL OL"))
    ups.received.clear()
    assert await ask(handle, "INSTCMD", "calibrate.start") == ResultCode.SUCCESS  # already running
    assert await ask(handle, "INSTCMD", "calibrate.stop") == ResultCode.SUCCESS
    assert ups.commands() == b"D"
    await wait_for(handle, status_is("OL"))


async def test_shutdown_refused_by_the_ups_fails(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    ups.values["S"] = "NA"  # the unit answers NA instead of OK
    ups_answer = ups.answer

    def refuse_s(byte: int) -> str | None:
        reply = ups_answer(byte)
        return "NA" if chr(byte) == "S" else reply

    ups.answer = refuse_s  # type: ignore[method-assign]
    assert await confirmed(handle, "shutdown.return") == ResultCode.FAILED


async def test_command_values_that_do_not_fit_are_invalid(nursery, sim) -> None:
    _, tty = sim
    handle = await start(nursery, apc_device(tty))
    assert await ask(handle, "INSTCMD", "test.battery.start", "10") == ResultCode.INVALID_ARGUMENT
    assert await ask(handle, "INSTCMD", "shutdown.return", "at:1234") == ResultCode.INVALID_ARGUMENT


async def test_ups_id_is_written_with_the_apc_string_sequence(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    ups.received.clear()
    assert await ask(handle, "SET", "ups.id", "RACK7") == ResultCode.SUCCESS
    assert b"-RACK7\r\r\r" in bytes(ups.received)
    assert ups.values["c"] == "RACK7" and handle.snapshot.data.vars["ups.id"] == "RACK7"
    assert await ask(handle, "SET", "ups.id", "TOO-LONG-ID") == ResultCode.FAILED
    assert await ask(handle, "SET", "battery.date", "01/01/25") == ResultCode.SUCCESS


async def test_silent_ups_goes_stale_at_once_and_is_nudged_back(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    ups.mode = "silent"
    await wait_for(handle, lambda s: s.stale)
    ups.mode = "normal"
    ups.received.clear()
    ups.on_battery()
    snap = await wait_for(handle, lambda s: not s.stale and status_is("OB")(s))
    # nine polls are skipped, then 'Y' wakes the unit and a full scan follows
    assert bytes(ups.received).startswith(b"YQ")
    assert snap.connected


async def test_cut_replies_make_the_data_stale_without_killing_the_actor(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    ups.mode = "partial"
    await wait_for(handle, lambda s: s.stale)
    ups.mode = "normal"
    snap = await wait_for(handle, lambda s: not s.stale)
    assert snap.connected and snap.data.vars["ups.status"] == "OL"


async def test_garbage_is_served_as_nut_would_and_the_actor_lives_on(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    ups.mode = "garbage"
    # apcsmart takes any non-NA line as a value: the status byte of garbage is 0, "OFF"
    snap = await wait_for(handle, status_is("OFF"))
    assert snap.data.vars["battery.charge"] == "\x00garbage\xff"
    ups.mode = "normal"
    await wait_for(handle, status_is("OL"))


async def test_a_variable_answering_na_is_removed(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    ups.values["P"] = "NA"
    await wait_for(handle, lambda s: "ups.load" not in s.data.vars)


async def test_units_without_a_command_set_get_the_legacy_probe() -> None:
    async with apcsmart_sim(cmdset="NA") as (_, tty), trio.open_nursery() as nursery:
        handle = await start(nursery, apc_device(tty))
        vars_ = handle.snapshot.data.vars
        assert vars_["ups.model"] == "Smart-UPS 1000" and vars_["ups.load"] == "021.3"
        assert "ups.id" not in vars_ and handle.snapshot.data.commands == ()
        nursery.cancel_scope.cancel()


async def test_old_firmware_uses_nuts_compatibility_table() -> None:
    async with apcsmart_sim() as (ups, tty), trio.open_nursery() as nursery:
        ups.values["V"] = "8QI"
        del ups.values["\x01"]
        handle = await start(nursery, apc_device(tty))
        assert handle.snapshot.data.vars["ups.model"] == "Smart-UPS"
        assert b"a" not in bytes(ups.received)
        assert "load.off" in handle.snapshot.data.commands
        nursery.cancel_scope.cancel()


async def test_no_smart_ups_on_the_line_fails_the_start(sim) -> None:
    ups, tty = sim
    ups.mode = "silent"
    quick = replace(FAST, short=0.05)
    with pytest.raises(DriverError, match="unable to detect an APC Smart protocol UPS"):
        await run_driver(apc_device(tty), DeviceHandle("apc"), factory=lambda d: ApcSmart(d, timing=quick))
    # five tries, each aborted with ESC; then the port is left as NUT leaves it: R
    assert bytes(ups.received) == b"Y\x1b" * 5 + b"R"


@pytest.mark.parametrize("option, value", [("sdtype", "7"), ("awd", "1234"), ("cshdelay", "12")])
async def test_invalid_options_are_refused(option, value) -> None:
    with pytest.raises(DriverConfigError, match=f"option '{option}'"):
        make_driver(apc_device("/dev/null", **{option: value}))


async def test_settings_listed_by_capabilities_become_writable_enums(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, apc_device(tty))
    info = handle.snapshot.data.info
    assert info["input.transfer.high"] == VarInfo(rw=True, enums=("253", "258", "261", "264"))
    assert info["battery.charge.restart"] == VarInfo(rw=True, enums=("00", "15", "25", "90"))
    assert "output.voltage.nominal" not in info  # listed for another locale ('D')
    ups.received.clear()
    assert await ask(handle, "SET", "input.transfer.high", "261") == ResultCode.SUCCESS
    # the real apcsmart sends exactly this: read, step, read, step, read, then a refresh read
    assert bytes(ups.received).startswith(b"u-u-uu")
    assert handle.snapshot.data.vars["input.transfer.high"] == "261"
    ups.received.clear()
    assert await ask(handle, "SET", "input.transfer.high", "261") == ResultCode.SUCCESS
    assert b"-" not in bytes(ups.received)  # unchanged: the EEPROM is spared
    assert await ask(handle, "SET", "input.transfer.high", "999") == ResultCode.FAILED  # wrapped
    assert ups.values["u"] == "261"
    assert await ask(handle, "SET", "output.voltage.nominal", "115") == ResultCode.VAR_NOT_SUPPORTED
