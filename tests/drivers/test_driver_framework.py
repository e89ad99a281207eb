"""run_driver, the one actor loop: core variables, staleness, chaos, crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog
import trio
from driver_helpers import device, start
from structlog.testing import capture_logs

from nutrio.actors.drivers import (
    DRIVERS,
    DriverCrashed,
    DriverIOError,
    PollResult,
    UnknownDriverError,
    make_driver,
    run_driver,
)
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import CommandRequest, ResultCode, VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars


class StuckDriver:
    """A driver whose polls hang after the first ``good`` ones."""

    name = "stuck"
    version_internal = "1"
    flags = frozenset({"nolock"})

    def __init__(self, good: int = 0) -> None:
        self.good = good
        self.polls = 0

    async def open(self, state: DeviceVars) -> None:
        state.set("ups.status", "OL")
        state.set("ups.delay.shutdown", "20")
        state.set_info("ups.delay.shutdown", VarInfo(rw=True, ranges=((0, 600),)))
        state.add_command("test.battery.start")

    async def poll(self, state: DeviceVars) -> PollResult:
        self.polls += 1
        if self.polls > self.good:
            await trio.sleep_forever()
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        raise DriverIOError("no answer")

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        state.set(name, value)
        return ResultCode.SUCCESS

    async def close(self) -> None:
        pass


class Chaos:
    def __init__(self, action=None) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.action = action

    async def before_poll(self, actor_id: str) -> None:
        self.calls.append((actor_id, structlog.contextvars.get_contextvars()))
        if self.action is not None:
            await self.action(len(self.calls))


async def test_core_variables_follow_nut_driver_core(nursery, autojump_clock, tmp_path: Path) -> None:
    dev = device(tmp_path, "ups.dev", "ups.status: OL\n", options={"mode": "dummy-once", "repeater_disable_strict_start": "true"})
    vars_ = (await start(nursery, dev)).snapshot.data.vars
    assert vars_["driver.parameter.pollinterval"] == "2"
    assert vars_["driver.parameter.synchronous"] == "auto"
    assert vars_["driver.flag.repeater_disable_strict_start"] == "enabled"
    assert vars_["device.type"] == "ups"
    assert vars_["driver.version"] and vars_["driver.version.internal"]


def test_unknown_driver_names_the_drivers_nutrio_has(tmp_path: Path) -> None:
    with pytest.raises(UnknownDriverError, match="'no-such-driver'.*dummy-ups"):
        make_driver(device(tmp_path, "x", driver="no-such-driver"))
    assert "dummy-ups" in DRIVERS


@pytest.mark.parametrize(("written", "meant"), [("usbhid_ups", "usbhid-ups"),
                                                ("nutdrv-qx", "nutdrv_qx"), ("Dummy-UPS", "dummy-ups")])
def test_a_misspelt_driver_name_gets_the_nut_name_it_resembles(tmp_path: Path, written, meant) -> None:
    with pytest.raises(UnknownDriverError, match=rf"\(did you mean '{meant}'\?\)"):
        make_driver(device(tmp_path, "x", driver=written))


async def test_unknown_driver_leaves_the_device_disconnected(tmp_path: Path) -> None:
    handle = DeviceHandle("ups1")
    with pytest.raises(UnknownDriverError):
        await run_driver(device(tmp_path, "x", driver="nope"), handle)
    assert not handle.snapshot.connected


async def test_chaos_runs_before_each_poll_inside_the_actor_context(nursery, autojump_clock, tmp_path: Path) -> None:
    chaos = Chaos()
    await start(nursery, device(tmp_path, "ups.dev", "ups.status: OL\n", name="rack"), chaos=chaos)
    await trio.sleep(6.5)
    assert [c[0] for c in chaos.calls] == ["driver:rack"] * 3
    assert chaos.calls[0][1] == {"actor": "driver:rack", "ups": "rack"}


async def test_chaos_io_error_makes_that_poll_stale(nursery, autojump_clock, tmp_path: Path) -> None:
    async def fail_second(n: int) -> None:
        if n == 2:
            raise DriverIOError("injected")

    handle = await start(nursery, device(tmp_path, "ups.dev", "ups.status: OL\n"), chaos=Chaos(fail_second))
    await trio.sleep(2.5)
    assert not handle.snapshot.stale
    await trio.sleep(2)
    assert handle.snapshot.stale
    await trio.sleep(2)
    assert not handle.snapshot.stale


async def test_frozen_driver_publishes_nothing(nursery, autojump_clock, tmp_path: Path) -> None:
    async def freeze(n: int) -> None:
        await trio.sleep_forever()

    handle = await start(nursery, device(tmp_path, "ups.dev", "ups.status: OL\n"), chaos=Chaos(freeze))
    version = handle.state.version
    await trio.sleep(60)
    assert handle.state.version == version and handle.snapshot.connected


async def test_chaos_crash_ends_the_actor_disconnected(autojump_clock, tmp_path: Path) -> None:
    class Boom(Exception):
        pass

    async def crash(n: int) -> None:
        raise Boom

    handle = DeviceHandle("ups1")
    with pytest.raises(DriverCrashed) as info:
        await run_driver(device(tmp_path, "ups.dev", "ups.status: OL\n"), handle, chaos=Chaos(crash))
    assert isinstance(info.value.__cause__, ExceptionGroup)
    assert info.value.__cause__.subgroup(Boom) is not None
    assert handle.snapshot.connected is False


async def test_cancelled_actor_marks_the_device_disconnected(autojump_clock, tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        handle = await start(nursery, device(tmp_path, "ups.dev", "ups.status: OL\n"))
        await trio.sleep(5)
        assert handle.snapshot.connected
        nursery.cancel_scope.cancel()
    assert handle.snapshot.connected is False
    assert handle.snapshot.data.vars["ups.status"] == "OL"  # the last data stays readable


async def test_hung_poll_times_out_as_stale(nursery, autojump_clock, tmp_path: Path) -> None:
    driver = StuckDriver(good=1)
    dev = device(tmp_path, "x", driver="stuck", maxage=10, options={"nolock": "true"})
    with capture_logs() as logs:
        handle = await start(nursery, dev, factory=lambda d: driver)
        await trio.sleep(2.5)
        assert not handle.snapshot.stale
        await trio.sleep(11)  # the second poll began at 4 s and hangs
        assert not handle.snapshot.stale
        await trio.sleep(1)
        assert handle.snapshot.stale
    failed = [e for e in logs if e["event"] == "driver.poll_failed"]
    assert failed[0]["kind"] == "DriverTimeout"
    vars_ = handle.snapshot.data.vars
    assert vars_["driver.name"] == "stuck" and vars_["driver.flag.nolock"] == "enabled"


class ClaimingDriver(StuckDriver):
    """Reads ups.mfr and battery.charge.low from its device at open and at each poll."""

    async def open(self, state: DeviceVars) -> None:
        await super().open(state)
        state.set("ups.mfr", "Device Inc")
        state.set("battery.charge.low", "10")

    async def poll(self, state: DeviceVars) -> PollResult:
        state.set("battery.charge.low", "10")
        return PollResult()


async def test_default_and_override_options_are_variables_for_every_driver(
        nursery, autojump_clock, tmp_path: Path) -> None:
    """NUT's core (main.c storeval): ``default.X`` is X until the device says otherwise,
    ``override.X`` is X whatever the device says; neither is a driver.parameter."""
    options = {"default.ups.mfr": "Mine", "default.ups.contacts": "none",
               "override.battery.charge.low": "30"}
    dev = device(tmp_path, "x", driver="claims", pollinterval=2, options=options)
    handle = await start(nursery, dev, factory=lambda d: ClaimingDriver(good=1000))
    for _ in range(2):  # after open, then after a poll
        vars_ = handle.snapshot.data.vars
        assert vars_["ups.mfr"] == "Device Inc" and vars_["ups.contacts"] == "none"
        assert vars_["battery.charge.low"] == "30"
        assert not any(name.startswith("driver.parameter.default") for name in vars_)
        await trio.sleep(2.5)


def _heard_for(handle: DeviceHandle) -> float:
    """Seconds since the actor last read the device or vouched for it (what MAXAGE tests)."""
    now = trio.current_time()
    return now - handle.snapshot.heard_at(now)


async def test_between_polls_the_data_is_vouched_for_without_waking_the_actor(
        nursery, autojump_clock, tmp_path: Path) -> None:
    """pollinterval 30 > maxage 15: fresh all along (as NUT's driver answering upsd's
    PING), while ``taken_at`` (the age pages show) stays the last read; one promise a
    poll, no snapshot and no restate in between."""
    driver = StuckDriver(good=1000)
    dev = device(tmp_path, "x", driver="stuck", maxage=15, pollinterval=30)
    handle = await start(nursery, dev, factory=lambda d: driver)
    read_at = handle.snapshot.taken_at
    promised = handle.snapshot
    for _ in range(28):
        await trio.sleep(1)
        assert _heard_for(handle) == 0 and handle.snapshot is promised
    assert handle.snapshot.taken_at == read_at and handle.snapshot.alive_until == read_at + 30
    await trio.sleep(3)
    assert driver.polls == 1 and handle.snapshot.taken_at == read_at + 30


async def test_a_driver_frozen_before_its_poll_goes_stale_maxage_after_that_poll_was_due(
        nursery, autojump_clock, tmp_path: Path) -> None:
    async def freeze(n: int) -> None:
        if n >= 2:
            await trio.sleep_forever()

    dev = device(tmp_path, "ups.dev", "ups.status: OL\n", maxage=15, pollinterval=30)
    handle = await start(nursery, dev, chaos=Chaos(freeze))
    began = trio.current_time()
    await trio.sleep(30 * 2 - 1)  # the second poll was due at 60 s: it froze
    assert _heard_for(handle) == 0
    await trio.sleep(1 + 15 + 0.5)
    assert trio.current_time() - began > 60 + 15 and _heard_for(handle) > 15


async def test_commands_are_served_while_a_poll_waits(nursery, autojump_clock, tmp_path: Path) -> None:
    driver = StuckDriver(good=100)
    handle = await start(nursery, device(tmp_path, "x", driver="stuck"), factory=lambda d: driver)
    data = handle.snapshot.data
    assert data.commands == ("test.battery.start",)
    assert data.var_info("ups.delay.shutdown").ranges == ((0, 600),)
    await handle.requests_in.send(CommandRequest(kind="INSTCMD", ups="ups1", name="test.battery.start"))
    assert (await handle.results_out.receive()).code == ResultCode.FAILED
    await handle.requests_in.send(CommandRequest(kind="SET", ups="ups1", name="ups.delay.shutdown", value="30"))
    assert (await handle.results_out.receive()).code == ResultCode.SUCCESS
    assert handle.snapshot.data.vars["ups.delay.shutdown"] == "30"
    await handle.requests_in.send(CommandRequest(kind="BOGUS", ups="ups1", name="x"))
    assert (await handle.results_out.receive()).code == ResultCode.INVALID_ARGUMENT


async def test_device_that_never_opens_fails_with_a_timeout(autojump_clock, tmp_path: Path) -> None:
    from nutrio.actors.drivers import DriverTimeout

    class NeverOpens(StuckDriver):
        async def open(self, state: DeviceVars) -> None:
            await trio.sleep_forever()

    handle = DeviceHandle("ups1")
    with pytest.raises(DriverTimeout):
        await run_driver(device(tmp_path, "x", maxage=3), handle, factory=lambda d: NeverOpens())
    assert not handle.snapshot.connected
