"""NUT 2.8.1+'s driver generics, served only for a device with ``driver_generics = true``.

By default a driver actor serves what NUT 2.8.0's drivers serve, so LIST VAR and LIST CMD
stay byte-identical to 2.8.0; with the key it serves driver.state, driver.debug,
driver.flag.allow_killpower and the driver.* commands as NUT 2.8.5's driver core does
(drivers/main.c), through the real listener.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import pytest
import structlog
import trio
from driver_helpers import ask, wait_for

from nutrio import conf
from nutrio.actors.drivers import run_driver
from nutrio.actors.drivers.base import DeviceLike, Sent
from nutrio.actors.drivers.dummy_ups import DummyUps
from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.logs import configure_logging
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.generics import allow_killpower_value, debug_value
from nutrio.tree import Tree
from tests.listener.conftest import TrioClient, start_listener

OL = "ups.status: OL\nbattery.charge: 100\n"
GENERIC_COMMANDS = ("driver.exit", "driver.killpower", "driver.reload", "driver.reload-or-error",
                    "driver.reload-or-exit")


def section(tmp_path: Path, *, generics: bool, options: Mapping[str, str] | None = None,
            name: str = "ups1", pollinterval: float = 0.2) -> conf.DeviceConfig:
    (tmp_path / f"{name}.dev").write_text(OL)
    return conf.DeviceConfig(
        name=name, driver="dummy-ups", port=f"{name}.dev", pollinterval=pollinterval,
        driver_generics=generics, options=MappingProxyType(dict(options or {})),
        config_dir=tmp_path,
    )


async def start(nursery: trio.Nursery, registry: Registry, dev: conf.DeviceConfig,
                **kw: object) -> DeviceHandle:
    handle = registry.add(DeviceHandle(dev.name, desc="test"))
    await nursery.start(lambda task_status: run_driver(dev, handle, task_status=task_status,
                                                       **kw))  # type: ignore[arg-type]
    return handle


# -- the pure parts: how the core reads a SET ---------------------------------------------


@pytest.mark.parametrize(("text", "level"), [
    ("0", 0), ("3", 3), (" +2", 2), ("-1", -1), ("-7", -1), ("x", None), ("2x", None), ("", None),
])
def test_driver_debug_takes_a_c_integer(text: str, level: int | None) -> None:
    assert debug_value(text) == level


@pytest.mark.parametrize(("text", "allowed"), [
    ("1", 1), ("5", 1), ("0", 0), ("-3", 0), ("enabled", 1), ("enable", 1), ("true", 1),
    ("yes", 1), ("on", 1), ("off", 0), ("TRUE", 0), ("maybe", 0),
])
def test_allow_killpower_takes_numbers_and_yes_words(text: str, allowed: int) -> None:
    assert allow_killpower_value(text) == allowed


def test_the_key_is_read_from_the_device_table(tmp_path: Path) -> None:
    config = conf.loads('[devices.ups1]\ndriver = "dummy-ups"\nport = "u.dev"\n'
                        'driver_generics = true\nallow_killpower = true\n',
                        tmp_path / "nutrio.toml")
    dev = config.devices["ups1"]
    assert dev.driver_generics is True
    assert "driver_generics" not in dev.options  # a nutrio key, never a driver parameter
    plain = conf.loads('[devices.ups1]\ndriver = "dummy-ups"\nport = "u.dev"\n',
                       tmp_path / "nutrio.toml")
    assert plain.devices["ups1"].driver_generics is False


# -- what a client lists -----------------------------------------------------------------


async def test_by_default_nothing_of_the_generics_is_served(tmp_path: Path, upsd_client) -> None:
    client = await upsd_client(section(tmp_path, generics=False,
                                       options={"allow_killpower": "true"}))
    listing = await client.ask("LIST VAR ups1")
    for name in ("driver.state", "driver.debug", "driver.flag.allow_killpower"):
        assert name not in listing
    assert 'driver.parameter.allow_killpower "true"' in listing  # as before: an unknown option
    assert "driver." not in await client.ask("LIST CMD ups1")
    assert "driver." not in await client.ask("LIST RW ups1")  # dummy-ups: its own are RW


async def test_opt_in_serves_the_generics_with_nuts_flags(tmp_path: Path, upsd_client) -> None:
    client = await upsd_client(section(tmp_path, generics=True))
    assert await client.ask("GET VAR ups1 driver.state") == 'VAR ups1 driver.state "quiet"\n'
    writable = await client.ask("LIST RW ups1")
    assert 'RW ups1 driver.debug "0"\nRW ups1 driver.flag.allow_killpower "0"\n' in writable
    assert "driver.state" not in writable  # read-only, as in NUT
    for name in ("driver.debug", "driver.flag.allow_killpower"):
        assert await client.ask(f"GET TYPE ups1 {name}") == f"TYPE ups1 {name} RW NUMBER\n"
    commands = await client.ask("LIST CMD ups1")
    for command in GENERIC_COMMANDS:
        assert f"CMD ups1 {command}\n" in commands
    assert "driver.reload-or-restart" not in commands  # commented out in NUT 2.8.5's main.h


async def test_the_allow_killpower_flag_sets_it_to_1(tmp_path: Path, upsd_client) -> None:
    client = await upsd_client(section(tmp_path, generics=True,
                                       options={"allow_killpower": "true"}))
    listing = await client.ask("LIST VAR ups1")
    assert 'driver.flag.allow_killpower "1"' in listing
    assert "driver.parameter.allow_killpower" not in listing  # the core's flag, as in NUT


# -- the life cycle ------------------------------------------------------------------------


class Recording(DummyUps):
    """dummy-ups that notes the driver.state it sees; a poll may be held open."""

    seen: list[tuple[str, str | None]]
    hold: trio.Event | None

    def __init__(self, device: DeviceLike) -> None:
        super().__init__(device)
        self.seen = []
        self.hold = None

    async def open(self, state: DeviceVars) -> None:
        self.seen.append(("open", state.get("driver.state")))
        await super().open(state)

    async def poll(self, state: DeviceVars):  # type: ignore[no-untyped-def]
        self.seen.append(("poll", state.get("driver.state")))
        if self.hold is not None:
            await self.hold.wait()
        return await super().poll(state)

    async def close(self) -> None:
        self.seen.append(("close", None))
        await super().close()


def state_is(value: str):  # type: ignore[no-untyped-def]
    return lambda snap: snap.data.vars.get("driver.state") == value


async def start_recording(nursery: trio.Nursery,
                          dev: conf.DeviceConfig) -> tuple[DeviceHandle, Recording]:
    drivers: list[Recording] = []

    def factory(device: DeviceLike) -> Recording:
        drivers.append(Recording(device))
        return drivers[-1]

    handle = await start(nursery, Registry(), dev, factory=factory)
    return handle, drivers[0]


async def test_driver_state_follows_start_polls_and_stop(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        handle, driver = await start_recording(nursery, section(tmp_path, generics=True))
        assert driver.seen == [("open", "init.device")]  # NUT's initups runs in init.device
        assert handle.snapshot.data.vars["driver.state"] == "quiet"  # the first one served
        driver.hold = trio.Event()
        await wait_for(handle, state_is("updateinfo"))  # a client sees the poll running
        assert driver.seen[-1] == ("poll", "updateinfo")
        driver.hold.set()
        driver.hold = None
        snap = await wait_for(handle, state_is("quiet"))
        assert snap.data.vars["ups.status"] == "OL"
        nursery.cancel_scope.cancel()
    assert driver.seen[-1] == ("close", None)
    assert driver.seen.count(("close", None)) == 1
    assert handle.snapshot.data.vars["driver.state"] == "cleanup.exit"  # the last it published
    assert not handle.snapshot.connected


async def test_without_the_key_the_driver_sees_no_state(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        handle, driver = await start_recording(nursery, section(tmp_path, generics=False))
        await wait_for(handle, lambda s: s.seq >= 3)
        nursery.cancel_scope.cancel()
    assert {state for _, state in driver.seen} == {None}


# -- the commands --------------------------------------------------------------------------


class KillsPower(Recording):
    """Records each killpower sequence (a fresh driver runs it, as `driver -k` does)."""

    kills: list[str] = []

    async def killpower(self) -> Sent:
        KillsPower.kills.append(self.path.name)
        return Sent("shutdown.return")


async def test_killpower_is_refused_until_allowed_then_runs_and_ends_the_actor(
    tmp_path: Path, upsd_client
) -> None:
    KillsPower.kills = []
    dev = section(tmp_path, generics=True)
    client = await upsd_client(dev, factory=KillsPower)
    await login(client)
    assert await tracked(client, "INSTCMD ups1 driver.killpower") == "ERR INVALID-ARGUMENT\n"
    assert KillsPower.kills == []
    assert await tracked(client, "SET VAR ups1 driver.flag.allow_killpower 1") == "SUCCESS\n"
    assert await client.ask("GET VAR ups1 driver.flag.allow_killpower") == (
        'VAR ups1 driver.flag.allow_killpower "1"\n')
    assert await tracked(client, "INSTCMD ups1 driver.killpower") == "SUCCESS\n"
    assert KillsPower.kills == ["ups1.dev"]
    # NUT's driver exits after the sequence: the actor ended, upsd says so
    with trio.fail_after(3):
        while "DRIVER-NOT-CONNECTED" not in await client.ask("GET VAR ups1 ups.status"):
            await trio.sleep(0.05)


async def test_allow_killpower_set_to_a_no_word_is_0(tmp_path: Path, upsd_client) -> None:
    client = await upsd_client(section(tmp_path, generics=True,
                                       options={"allow_killpower": "true"}))
    await login(client)
    assert await tracked(client, "SET VAR ups1 driver.flag.allow_killpower nope") == "SUCCESS\n"
    assert await client.ask("GET VAR ups1 driver.flag.allow_killpower") == (
        'VAR ups1 driver.flag.allow_killpower "0"\n')


async def test_reload_commands_find_nothing_changed(tmp_path: Path, upsd_client) -> None:
    client = await upsd_client(section(tmp_path, generics=True))
    await login(client)
    for command in ("driver.reload", "driver.reload-or-exit", "driver.reload-or-error"):
        assert await tracked(client, f"INSTCMD ups1 {command}") == "SUCCESS\n"
    assert await client.ask("GET VAR ups1 driver.state") == 'VAR ups1 driver.state "quiet"\n'
    assert "OL" in await client.ask("GET VAR ups1 ups.status")  # still running


def app_tree(tmp_path: Path) -> Tree:
    (tmp_path / "ups1.dev").write_text(OL)
    config = conf.loads('[server]\nlisten = ["127.0.0.1:3493"]\n[devices.ups1]\n'
                        'driver = "dummy-ups"\nport = "ups1.dev"\npollinterval = 2\n'
                        "driver_generics = true\n", tmp_path / "nutrio.toml")
    return Tree(config, (), None)


async def test_driver_exit_ends_the_actor_and_its_supervisor_starts_it_again(
    autojump_clock, tmp_path: Path
) -> None:
    tree = app_tree(tmp_path)
    specs = [tree.driver_spec(d) for d in tree.config.devices.values()]
    handle = tree.registry.get("ups1")
    assert handle is not None
    async with trio.open_nursery() as nursery:
        await nursery.start(tree.drivers.run, specs)
        await wait_for(handle, lambda s: s.connected)
        with structlog.testing.capture_logs() as logs:
            assert await ask(handle, "INSTCMD", "driver.exit") == "SUCCESS"
            await wait_for(handle, lambda s: not s.connected)
            await wait_for(handle, lambda s: s.connected, timeout=30)
        assert tree.drivers.children()[0].restarts == 1
        assert handle.snapshot.data.vars["driver.state"] == "quiet"
        events = [e["event"] for e in logs]
        assert "driver.exited" in events and "actor.restarting" in events
        await tree.drivers.stop()


# -- driver.debug ----------------------------------------------------------------------


def events_of(out: io.StringIO, ups: str, level: str) -> list[str]:
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    return [e["event"] for e in lines if e.get("ups") == ups and e["level"] == level]


async def test_setting_driver_debug_logs_that_drivers_debug_events_only(
    nursery, tmp_path: Path
) -> None:
    out = io.StringIO()
    configure_logging("json", level="info", stream=out)
    try:
        registry = Registry()
        ups1 = await start(nursery, registry, section(tmp_path, generics=True))
        ups2 = await start(nursery, registry, section(tmp_path, generics=True, name="ups2"))
        await wait_for(ups1, lambda s: s.seq >= 3)
        assert events_of(out, "ups1", "debug") == []
        assert await ask(ups1, "SET", "driver.debug", "abc") == "INVALID-ARGUMENT"
        assert await ask(ups1, "SET", "driver.debug", "2") == "SUCCESS"
        assert ups1.snapshot.data.vars["driver.debug"] == "2"
        await wait_for(ups1, lambda s: s.seq >= 8)
        await wait_for(ups2, lambda s: s.seq >= 8)
        assert "driver.polled" in events_of(out, "ups1", "debug")
        assert events_of(out, "ups2", "debug") == []  # another actor keeps its verbosity
        assert await ask(ups1, "SET", "driver.debug", "-1") == "SUCCESS"  # back to the config
        assert ups1.snapshot.data.vars["driver.debug"] == "0"
        quiet_from = len(events_of(out, "ups1", "debug"))
        later = ups1.snapshot.seq + 4
        await wait_for(ups1, lambda s: s.seq >= later)
        assert len(events_of(out, "ups1", "debug")) == quiet_from
    finally:
        structlog.reset_defaults()


# -- a real listener in front --------------------------------------------------------------


@pytest.fixture
async def upsd_client(nursery, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Start one device's driver actor behind our listener; a connected client."""

    async def connect(dev: conf.DeviceConfig, **kw: object) -> TrioClient:
        registry = Registry()
        await start(nursery, registry, dev, **kw)
        port = await start_listener(nursery, registry)
        return await TrioClient.connect(port)

    return connect


async def login(client: TrioClient) -> None:
    """Log in as the admin of tests/listener/conftest.py, with TRACKING on."""
    assert await client.ask("USERNAME admin") == "OK\n"
    assert await client.ask("PASSWORD secret") == "OK\n"
    assert await client.ask("SET TRACKING ON") == "OK\n"


async def tracked(client: TrioClient, line: str) -> str:
    """Send *line* with TRACKING and wait for its result (GET TRACKING)."""
    reply = await client.ask(line)
    assert reply.startswith("OK TRACKING "), reply
    tracking = reply.split()[2]
    with trio.fail_after(3):
        while (result := await client.ask(f"GET TRACKING {tracking}")) == "PENDING\n":
            await trio.sleep(0.02)
    return result

