"""A device that stops answering: stale, then restarted with back-off, then back.

The framework ends a driver actor that has been stale for longer than
``restart_after`` with DriverIOError; the app's drivers supervisor restarts
it with back-off, and a failing ``open`` at restart is a failed start retried
the same way. The long absences run on the autojump clock under the app's own
drivers supervisor (nutrio.tree.Tree), so its intensity and back-off numbers
are the ones tested. The Megatec case runs on a real pty and a real clock.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

import pytest
import structlog
import trio
from driver_helpers import Device, device, start
from sim.megatec_sim import megatec_sim

from nutrio import conf
from nutrio.actors.drivers import DriverConfigError, DriverIOError, run_driver
from nutrio.actors.drivers.base import restart_after
from nutrio.actors.drivers.megatec.driver import NutdrvQx
from nutrio.actors.registry import DeviceHandle
from nutrio.tree import Tree
from nutrio.protocol.common.state import UpsSnapshot
from nutrio.supervisor import ChildSpec, Restart, Supervisor

OL = "ups.status: OL\nbattery.charge: 100\n"


async def wait_for(
    handle: DeviceHandle, check: Callable[[UpsSnapshot], bool], timeout: float
) -> UpsSnapshot:
    with trio.fail_after(timeout):
        version, snap = handle.state.version, handle.snapshot
        while not check(snap):
            version, snap = await handle.state.wait_newer(version)
    return snap


def serving(snap: UpsSnapshot) -> bool:
    return snap.connected and not snap.stale and snap.data.vars.get("ups.status") == "OL"


# -- the framework: when a stale driver gives up --------------------------------------


def test_restart_after_defaults_to_three_maxages(tmp_path: Path) -> None:
    assert restart_after(device(tmp_path, "u.dev")) == 45.0
    assert restart_after(device(tmp_path, "u.dev", maxage=5)) == 15.0
    assert restart_after(device(tmp_path, "u.dev", options={"restart_after": "7.5"})) == 7.5
    assert restart_after(device(tmp_path, "u.dev", options={"restart_after": "0"})) is None


@pytest.mark.parametrize("bad", ["soon", "-1", "nan"])
async def test_a_bad_restart_after_fails_the_start(tmp_path: Path, bad: str) -> None:
    dev = device(tmp_path, "u.dev", OL, options={"restart_after": bad})
    with pytest.raises(DriverConfigError, match="restart_after"):
        await run_driver(dev, DeviceHandle("ups1"))


async def test_removed_file_goes_stale_then_ends_the_actor_disconnected(
    autojump_clock, tmp_path: Path
) -> None:
    dev = device(tmp_path, "u.dev", OL, pollinterval=2.0, options={"restart_after": "10"})
    handle = DeviceHandle("ups1")
    seen: list[tuple[bool, bool]] = []

    async def watch() -> None:
        version = handle.state.version
        while True:
            version, snap = await handle.state.wait_newer(version)
            seen.append((snap.connected, snap.stale))

    async def unplug() -> None:
        await trio.sleep(3)
        (tmp_path / "u.dev").unlink()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(watch)
        nursery.start_soon(unplug)
        with pytest.raises(DriverIOError, match="stale for"):
            await run_driver(dev, handle)  # the error itself, not a DriverCrashed
        ended = trio.current_time()
        nursery.cancel_scope.cancel()
    assert ended >= 3 + 10  # stale since the first failed poll, for restart_after seconds
    assert (True, True) in seen  # upsd said DATA-STALE first ...
    assert seen[-1] == (False, True)  # ... then DRIVER-NOT-CONNECTED
    assert handle.snapshot.data.vars["ups.status"] == "OL"  # the last data stays readable


async def test_a_driver_stale_for_less_than_restart_after_keeps_running(
    nursery, autojump_clock, tmp_path: Path
) -> None:
    dev = device(tmp_path, "u.dev", OL, pollinterval=2.0, options={"restart_after": "30"})
    handle = await start(nursery, dev)
    (tmp_path / "u.dev").unlink()
    await wait_for(handle, lambda s: s.stale, timeout=5)
    await trio.sleep(20)
    (tmp_path / "u.dev").write_text(OL)
    await wait_for(handle, serving, timeout=5)
    await trio.sleep(60)  # the stale spell is over: no late restart
    assert handle.snapshot.connected


async def test_restart_after_zero_stays_stale_forever(nursery, autojump_clock, tmp_path: Path) -> None:
    dev = device(tmp_path, "u.dev", OL, options={"restart_after": "0"})
    handle = await start(nursery, dev)
    (tmp_path / "u.dev").unlink()
    await trio.sleep(3600)
    assert handle.snapshot.connected and handle.snapshot.stale


# -- under the app's drivers supervisor -----------------------------------------------


def app_tree(tmp_path: Path, names: tuple[str, ...], restart: str = "10") -> Tree:
    tables = "".join(
        f'[devices.{n}]\ndriver = "dummy-ups"\nport = "{n}.dev"\npollinterval = 2\n'
        f'restart_after = "{restart}"\n'
        for n in names
    )
    config = conf.loads(f'[server]\nlisten = ["127.0.0.1:3493"]\n{tables}', tmp_path / "nutrio.toml")
    return Tree(config, (), None)


def driver_specs(tree: Tree) -> list[ChildSpec]:
    """The app's own child specs (they register each device's handle)."""
    return [tree.driver_spec(d) for d in tree.config.devices.values()]


async def test_unplugged_dummy_ups_is_restarted_until_its_file_comes_back(
    autojump_clock, tmp_path: Path
) -> None:
    tree = app_tree(tmp_path, ("ups1",))
    (tmp_path / "ups1.dev").write_text(OL)
    specs = driver_specs(tree)
    handle = tree.registry.get("ups1")
    assert handle is not None
    async with trio.open_nursery() as nursery:
        await nursery.start(tree.drivers.run, specs)
        await wait_for(handle, serving, timeout=5)
        (tmp_path / "ups1.dev").unlink()
        await wait_for(handle, lambda s: s.stale, timeout=5)
        await wait_for(handle, lambda s: not s.connected, timeout=30)
        await trio.sleep(120)
        assert not handle.snapshot.connected
        assert tree.drivers.children()[0].restarts >= 5  # open() failed again and again
        (tmp_path / "ups1.dev").write_text(OL)
        await wait_for(handle, serving, timeout=60)
        await tree.drivers.stop()


@pytest.mark.parametrize("count", [1, 10])
async def test_devices_absent_for_30_minutes_never_make_the_supervisor_give_up(
    autojump_clock, tmp_path: Path, count: int
) -> None:
    names = tuple(f"ups{i}" for i in range(count))
    tree = app_tree(tmp_path, names)
    for name in names:
        (tmp_path / f"{name}.dev").write_text(OL)
    specs = driver_specs(tree)
    handles = [tree.registry.get(n) for n in names]
    async with trio.open_nursery() as nursery:
        # a SupervisorGaveUp from run() would fail this nursery, and the test
        await nursery.start(tree.drivers.run, specs)
        for name in names:
            (tmp_path / f"{name}.dev").unlink()
        await trio.sleep(30 * 60)
        assert all(h is not None and not h.snapshot.connected for h in handles)
        restarts = [c.restarts for c in tree.drivers.children()]
        assert min(restarts) >= 60  # it kept trying (twice a minute at the 30 s cap)
        for name in names:
            (tmp_path / f"{name}.dev").write_text(OL)
        for h in handles:
            assert h is not None
            await wait_for(h, serving, timeout=60)
        await tree.drivers.stop()


async def test_a_device_that_never_opens_is_retried_with_back_off(autojump_clock, tmp_path: Path) -> None:
    tree = app_tree(tmp_path, ("ups1",))  # no file: open() fails from the start
    starts: list[float] = []
    (spec,) = driver_specs(tree)

    async def counted(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        starts.append(trio.current_time())
        await spec.start(task_status=task_status)

    async with trio.open_nursery() as nursery:
        await nursery.start(tree.drivers.run, [ChildSpec(id=spec.id, start=counted, restart=Restart.PERMANENT)])
        await trio.sleep(300)
        gaps = [round(b - a, 3) for a, b in itertools.pairwise(starts)]
        assert gaps[0] < 1 and max(gaps) <= 31  # doubling from 0.1 s up to the 30 s cap
        assert gaps == sorted(gaps)
        (tmp_path / "ups1.dev").write_text(OL)
        handle = tree.registry.get("ups1")
        assert handle is not None
        await wait_for(handle, serving, timeout=60)
        await tree.drivers.stop()


# -- the Megatec simulator: silent, then answering again ------------------------------


async def test_silent_megatec_ups_is_restarted_and_recovers(nursery) -> None:
    async with megatec_sim() as (ups, tty):
        dev = Device(
            name="qx", port=tty, config_dir=Path("/tmp"), driver="nutdrv_qx", pollinterval=0.03,
            maxage=1.0,
            # one protocol: a silent UPS then fails each start in 0.3 s, not after probing all
            options=MappingProxyType({"pollfreq": "0", "restart_after": "0.5", "protocol": "megatec"}),
        )
        handle = DeviceHandle("qx")

        def factory(d: Device) -> NutdrvQx:
            return NutdrvQx(d, reply_timeout=0.1, tolerated_failures=1)

        async def run(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
            await run_driver(dev, handle, factory=factory, task_status=task_status)  # type: ignore[arg-type]

        sup = Supervisor("drivers", intensity=100, period=60.0, backoff_base=0.05, backoff_cap=0.2)
        async with trio.open_nursery() as inner:
            await inner.start(sup.run, [ChildSpec(id="driver:qx", start=run, restart=Restart.PERMANENT)])
            await wait_for(handle, serving, timeout=5)
            ups.mode = "silent"
            await wait_for(handle, lambda s: s.stale, timeout=5)
            await wait_for(handle, lambda s: not s.connected, timeout=5)
            await trio.sleep(1)
            assert not handle.snapshot.connected
            assert sup.children()[0].restarts >= 2
            ups.mode = "normal"
            ups.on_battery()
            snap = await wait_for(handle, lambda s: s.connected and not s.stale, timeout=10)
            await wait_for(handle, lambda s: s.data.vars.get("ups.status", "").startswith("OB"), timeout=5)
            assert snap.data.vars["device.mfr"] == "SimuPower"
            await sup.stop()


async def test_back_off_starts_over_after_the_driver_ran_cleanly_for_a_period(
    autojump_clock, tmp_path: Path
) -> None:
    """Issue 13: a driver that crash-looped up to the 30 s cap, then ran cleanly for longer
    than the drivers supervisor's period (60 s), is restarted after 0.1 s when it fails
    again, not 30 s (checked the same way with a real `nutrio run`: docs/reliability.md)."""
    tree = app_tree(tmp_path, ("ups1",), restart="2")  # no file yet: open() fails
    specs = driver_specs(tree)
    handle = tree.registry.get("ups1")
    assert handle is not None
    with structlog.testing.capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            await nursery.start(tree.drivers.run, specs)
            await trio.sleep(200)  # 0.1, 0.2, ... doubling up to the 30 s cap

            def delays() -> list[float]:
                return [e["delay"] for e in logs if e["event"] == "actor.restarting"]

            assert delays()[-1] == 30.0
            (tmp_path / "ups1.dev").write_text(OL)
            await wait_for(handle, serving, timeout=40)
            await trio.sleep(61)  # clean for longer than the period
            before = len(delays())
            (tmp_path / "ups1.dev").unlink()
            await wait_for(handle, lambda s: not s.connected, timeout=30)
            await trio.sleep(1)
            assert delays()[before:][:3] == [0.1, 0.2, 0.4]
            await tree.drivers.stop()
