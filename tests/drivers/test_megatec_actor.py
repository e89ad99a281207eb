"""The nutdrv_qx (megatec) driver actor against a simulated UPS on a pseudo-terminal.

Real clock, real pty, real serial I/O: poll intervals of a few tens of
milliseconds and a short reply timeout keep each test well under a second
or two. Every wait has a deadline, so a hang fails instead of blocking.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device, ask, status_is, wait_for
from sim.megatec_sim import MegatecSim, megatec_sim

from nutrio.actors.drivers import DriverConfigError, DriverError, make_driver, run_driver
from nutrio.actors.drivers.megatec.driver import BlazerSer, NutdrvQx
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode, VarInfo

POLL = 0.03
REPLY_TIMEOUT = 0.3


@pytest.fixture
async def sim() -> AsyncIterator[tuple[MegatecSim, str]]:
    async with megatec_sim() as pair:
        yield pair


def qx_device(tty: str, driver: str = "nutdrv_qx", **options: str) -> Device:
    return Device(
        name="qx", port=tty, config_dir=Path("/tmp"), driver=driver, pollinterval=POLL,
        options=MappingProxyType({"pollfreq": "0", **options}),
    )


def fast(tolerated: int = 4) -> Callable[[Device], NutdrvQx]:
    return lambda dev: NutdrvQx(dev, reply_timeout=REPLY_TIMEOUT, tolerated_failures=tolerated)


async def start(nursery: trio.Nursery, dev: Device, tolerated: int = 4) -> DeviceHandle:
    handle = DeviceHandle(dev.name)
    await nursery.start(
        lambda task_status: run_driver(dev, handle, factory=fast(tolerated), task_status=task_status)
    )
    return handle


async def test_driver_serves_what_the_ups_reports(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, qx_device(tty))
    vars_ = handle.snapshot.data.vars
    expected = {
        "input.voltage": "230.4", "input.voltage.fault": "195.0", "output.voltage": "230.4",
        "ups.load": "14", "input.frequency": "50.0", "battery.voltage": "27.00",
        "ups.temperature": "30.0", "ups.status": "OL", "ups.beeper.status": "enabled",
        "ups.type": "offline / line interactive",
        "input.voltage.nominal": "230", "input.current.nominal": "4.0",
        "battery.voltage.nominal": "24.0", "input.frequency.nominal": "50",
        "ups.firmware": "VT12046Q", "device.mfr": "SimuPower", "device.model": "SP-1000",
        "battery.charge": "100", "battery.voltage.low": "20.80", "battery.voltage.high": "26.00",
        "ups.delay.start": "180", "ups.delay.shutdown": "30",
        "driver.name": "nutdrv_qx", "driver.version.data": "Megatec 0.06",
        "driver.parameter.pollfreq": "0", "driver.parameter.port": tty,
    }
    assert {k: vars_.get(k) for k in expected} == expected
    assert "ups.alarm" not in vars_
    assert set(handle.snapshot.data.commands) == {
        "beeper.toggle", "load.off", "load.on", "shutdown.return", "shutdown.stayoff",
        "shutdown.stop", "test.battery.start", "test.battery.start.deep",
        "test.battery.start.quick", "test.battery.stop",
    }
    assert handle.snapshot.data.info["ups.delay.start"] == VarInfo(rw=True, ranges=((0, 599940),))
    assert handle.snapshot.data.info["ups.delay.shutdown"] == VarInfo(rw=True, ranges=((12, 600),))
    # the same start-up conversation as the real nutdrv_qx: each protocol before megatec
    # probed three times (this UPS echoes what it does not know), the claim, then one walk
    probes = [b"QGS\r"] * 3 + [b"M\r"] * 6 + [b"QS\r"] * 3 + [b"D\r"] * 3
    probes += [b"Q1\r", b"ID\r"] * 3 + [b"Q1\r", b"QPI\r"] * 3
    walk = [b"Q1\r", b"I\r", b"Q1\r", b"F\r", b"I\r"]
    assert ups.received[: len(probes) + 5] == probes + walk


async def test_power_failure_low_battery_and_return_show_in_status(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, qx_device(tty))
    ups.on_battery()
    snap = await wait_for(handle, status_is("OB"))
    assert snap.data.vars["input.voltage"] == "0.0" and snap.data.vars["battery.charge"] == "73"
    ups.low_battery()
    snap = await wait_for(handle, status_is("OB LB"))
    assert snap.data.vars["battery.charge"] == "15" and not snap.stale
    ups.on_line()
    await wait_for(handle, status_is("OL"))


async def test_failed_ups_and_shutdown_bits_raise_alarms(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, qx_device(tty))
    ups.bits["ups_failed"] = True
    ups.bits["shutdown_active"] = True
    ups.bits["test_in_progress"] = True
    snap = await wait_for(handle, status_is("ALARM OL CAL FSD"))
    assert snap.data.vars["ups.alarm"] == "UPS selftest failed! Shutdown imminent!"
    ups.bits.update(ups_failed=False, shutdown_active=False, test_in_progress=False)
    snap = await wait_for(handle, status_is("OL"))
    assert "ups.alarm" not in snap.data.vars


@pytest.mark.parametrize(
    "output, word", [(210.0, "TRIM"), (225.0, "BYPASS"), (245.0, "BOOST")],
)
async def test_bypass_bit_means_trim_bypass_or_boost_by_output_voltage(nursery, sim, output, word) -> None:
    ups, tty = sim
    handle = await start(nursery, qx_device(tty))
    ups.input_voltage, ups.output_voltage = 230.0, output
    ups.bits["bypass_boost_buck"] = True
    await wait_for(handle, status_is(f"OL {word}"))


async def test_between_full_updates_only_the_status_moves(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, qx_device(tty, pollfreq="30"))
    ups.on_battery()
    snap = await wait_for(handle, status_is("OB"))
    # quick updates read only the status bits, as nutdrv_qx does until pollfreq passes
    assert snap.data.vars["input.voltage"] == "230.4"
    assert snap.data.vars["driver.parameter.pollfreq"] == "30"


@pytest.mark.parametrize(
    "name, value, options, wire",
    [
        ("beeper.toggle", None, {}, b"Q\r"),
        ("load.off", None, {}, b"S00R0000\r"),
        ("load.on", None, {}, b"C\r"),
        ("shutdown.return", None, {}, b"S.5R0003\r"),
        ("shutdown.return", None, {"ondelay": "0", "offdelay": "120"}, b"S02\r"),
        ("shutdown.return", None, {"ondelay": "0", "offdelay": "24"}, b"S.4\r"),
        ("shutdown.return", None, {"ondelay": "600", "offdelay": "90"}, b"S01R0010\r"),
        ("shutdown.stayoff", None, {}, b"S.5R0000\r"),
        ("shutdown.stayoff", None, {"offdelay": "300"}, b"S05R0000\r"),
        ("shutdown.stop", None, {}, b"C\r"),
        ("test.battery.start", None, {}, b"T10\r"),
        ("test.battery.start", "120", {}, b"T02\r"),
        ("test.battery.start", "5940", {}, b"T99\r"),
        ("test.battery.start.deep", None, {}, b"TL\r"),
        ("test.battery.start.quick", None, {}, b"T\r"),
        ("test.battery.stop", None, {}, b"CT\r"),
    ],
)
async def test_each_instant_command_reaches_the_ups_as_megatec_wire_text(
    nursery, sim, name, value, options, wire
) -> None:
    ups, tty = sim
    handle = await start(nursery, qx_device(tty, **options))
    assert await ask(handle, "INSTCMD", name, value) == ResultCode.SUCCESS
    assert ups.commands() == [wire]


async def test_commands_change_what_the_ups_then_reports(nursery, sim) -> None:
    _, tty = sim
    handle = await start(nursery, qx_device(tty))
    assert await ask(handle, "INSTCMD", "beeper.toggle") == ResultCode.SUCCESS
    await wait_for(handle, lambda s: s.data.vars["ups.beeper.status"] == "disabled")
    assert await ask(handle, "INSTCMD", "test.battery.start.quick") == ResultCode.SUCCESS
    await wait_for(handle, status_is("OL CAL"))
    assert await ask(handle, "INSTCMD", "test.battery.stop") == ResultCode.SUCCESS
    await wait_for(handle, status_is("OL"))


async def test_out_of_range_test_time_fails_without_sending_anything(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, qx_device(tty))
    assert await ask(handle, "INSTCMD", "test.battery.start", "30") == ResultCode.FAILED
    assert await ask(handle, "INSTCMD", "test.battery.start", "6000") == ResultCode.FAILED
    assert ups.commands() == []


async def test_a_ups_echoing_a_command_back_refuses_it_and_ack_accepts_it(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, qx_device(tty))
    ups.echo_commands = True
    assert await ask(handle, "INSTCMD", "load.on") == ResultCode.FAILED
    ups.echo_commands, ups.command_reply = False, "ACK"
    assert await ask(handle, "INSTCMD", "load.on") == ResultCode.SUCCESS


async def test_delays_are_writable_within_range_and_truncated_like_nut(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, qx_device(tty))
    assert await ask(handle, "SET", "ups.delay.shutdown", "45") == ResultCode.SUCCESS
    assert await ask(handle, "SET", "ups.delay.start", "299") == ResultCode.SUCCESS
    vars_ = handle.snapshot.data.vars
    assert (vars_["ups.delay.shutdown"], vars_["ups.delay.start"]) == ("42", "240")
    assert await ask(handle, "SET", "ups.delay.shutdown", "5") == ResultCode.UNKNOWN
    assert await ask(handle, "SET", "ups.delay.shutdown", "abc") == ResultCode.UNKNOWN
    assert await ask(handle, "INSTCMD", "shutdown.return") == ResultCode.SUCCESS
    assert ups.commands() == [b"S.7R0004\r"]


async def test_silent_ups_goes_stale_after_nut_retries_and_recovers(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, qx_device(tty))
    ups.mode = "silent"
    seen_before_stale = []
    # a full update (pollfreq 0) asks Q1 again for each of its 8 items, as nutdrv_qx
    # does when a reply does not come: 8 reply timeouts per failed poll, 5 polls
    with trio.fail_after(5 * 8 * REPLY_TIMEOUT + 3):
        version = handle.state.version
        while not handle.snapshot.stale:
            version, snap = await handle.state.wait_newer(version)
            seen_before_stale.append(snap.stale)
    # four failed polls are retried quietly, the fifth makes the data stale
    assert seen_before_stale.count(False) >= 4
    assert handle.snapshot.data.vars["ups.status"] == "OL"  # the last data is kept
    ups.mode = "normal"
    ups.on_battery()
    snap = await wait_for(handle, lambda s: not s.stale and status_is("OB")(s))
    assert snap.connected


@pytest.mark.parametrize("mode", ["garbage", "partial"])
async def test_garbage_and_cut_replies_fail_polls_without_killing_the_actor(nursery, sim, mode) -> None:
    ups, tty = sim
    handle = await start(nursery, qx_device(tty), tolerated=0)
    ups.mode = mode
    await wait_for(handle, lambda s: s.stale)
    ups.mode = "normal"
    ups.low_battery()
    snap = await wait_for(handle, lambda s: not s.stale and status_is("OB LB")(s))
    assert snap.connected


async def test_no_ups_on_the_line_fails_the_start(sim) -> None:
    ups, tty = sim
    ups.mode = "silent"
    handle = DeviceHandle("qx")
    with pytest.raises(DriverError, match="not supported"):
        await run_driver(qx_device(tty), handle, factory=fast())
    assert not handle.snapshot.connected


async def test_a_port_that_does_not_exist_fails_the_start() -> None:
    with pytest.raises(DriverError, match="/dev/nonexistent-tty"):
        await run_driver(qx_device("/dev/nonexistent-tty"), DeviceHandle("qx"), factory=fast())


@pytest.mark.parametrize(
    "options, message",
    [({"protocol": "nonesuch"}, "unknown nutdrv_qx protocol 'nonesuch'"),
     ({"offdelay": "3"}, "offdelay"), ({"cablepower": "sideways"}, "cablepower")],
)
async def test_unusable_options_are_refused(sim, options, message) -> None:
    _, tty = sim
    with pytest.raises(DriverConfigError, match=message):
        await run_driver(qx_device(tty, **options), DeviceHandle("qx"), factory=fast())


async def test_novendor_and_norating_skip_their_queries(nursery, sim) -> None:
    ups, tty = sim
    handle = await start(nursery, qx_device(tty, novendor="yes", norating="yes"))
    vars_ = handle.snapshot.data.vars
    assert "ups.firmware" not in vars_ and "input.voltage.nominal" not in vars_
    assert "battery.charge" not in vars_  # no nominal voltage, nothing to guess from
    assert vars_["driver.flag.novendor"] == "enabled"
    assert b"I\r" not in ups.received and b"F\r" not in ups.received


async def test_default_battery_voltages_from_ups_conf_drive_the_charge(nursery, sim) -> None:
    _, tty = sim
    dev = qx_device(tty, **{"default.battery.voltage.low": "22", "default.battery.voltage.high": "28"})
    handle = await start(nursery, dev)
    assert handle.snapshot.data.vars["battery.charge"] == "83"


@pytest.mark.parametrize("driver, cls", [("nutdrv_qx", NutdrvQx), ("blazer_ser", BlazerSer)])
async def test_both_nut_names_find_a_megatec_driver(driver, cls) -> None:
    made = make_driver(qx_device("/dev/null", driver=driver))
    assert made.name == driver and isinstance(made, cls)


async def test_runtimecal_drains_the_estimate_on_battery_and_refills_on_line(nursery, sim) -> None:
    ups, tty = sim
    ups.load = 100  # full load: the estimate drains one second per second
    dev = qx_device(tty, runtimecal="2,100,6,50", chargetime="4")
    handle = await start(nursery, dev)
    snap = await wait_for(handle, lambda s: "battery.runtime" in s.data.vars)
    assert (snap.data.vars["battery.charge"], snap.data.vars["battery.runtime"]) == ("100", "2")
    ups.on_battery()
    await wait_for(handle, lambda s: int(s.data.vars["battery.charge"]) <= 50)
    snap = await wait_for(handle, lambda s: s.data.vars["battery.charge"] == "0")
    assert snap.data.vars["battery.runtime"] == "0"
    ups.on_line()
    await wait_for(handle, lambda s: int(s.data.vars["battery.charge"]) >= 10)


@pytest.mark.parametrize(
    "runtimecal, message",
    [("1,2,3", "Insufficient"), ("300,100,200,50", "runtime"), ("100,100,300,150", "load")],
)
async def test_bad_runtimecal_is_refused(sim, runtimecal, message) -> None:
    _, tty = sim
    with pytest.raises(DriverConfigError, match=message):
        await run_driver(qx_device(tty, runtimecal=runtimecal), DeviceHandle("qx"), factory=fast())
