"""The repeater against a scripted upsd: staleness, reconnection, forwarded commands.

The scripted upsd (a real socket, threads) gives the replies real upsd will
not give on demand: DATA-STALE, a hang-up, an ENUM/RANGE variable, tracking.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import trio
from driver_helpers import device, next_snapshot, start

from nutrio.actors.drivers import DriverConfigError, DriverIOError, make_driver
from nutrio.actors.drivers.repeater import Repeater
from nutrio.protocol.common.state import CommandRequest, VarInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "clients"))
from _scripted_upsd import scripted_upsd


class Remote:
    """What the scripted upsd serves for UPS ``far``; tests change it between polls."""

    def __init__(self) -> None:
        self.vars = {"ups.status": "OL", "battery.charge": "100", "driver.name": "usbhid-ups",
                     "input.sensitivity": "H", "ups.delay.start": "30"}
        self.error: str | None = None
        self.hang_up = False
        self.garbage = False
        self.seen: list[str] = []
        self.tracking: dict[str, str] = {}

    def __call__(self, line: str) -> list[str] | None:
        self.seen.append(line)
        if self.hang_up:
            return None
        words = line.split()
        if words[:2] == ["LIST", "VAR"] and self.garbage:
            return ["\x00\xffHELLO there", 'VAR far "unterminated']
        if words[:2] == ["LIST", "VAR"] and self.error:
            return [f"ERR {self.error}"]
        if words[:2] == ["LIST", "VAR"]:
            body = [f'VAR far {k} "{v}"' for k, v in self.vars.items()]
            return ["BEGIN LIST VAR far", *body, "END LIST VAR far"]
        if words[:2] == ["LIST", "RW"]:
            return ["BEGIN LIST RW far", 'RW far input.sensitivity "H"',
                    'RW far ups.delay.start "30"', "END LIST RW far"]
        if words[:2] == ["GET", "TYPE"]:
            kind = "RW ENUM STRING:1" if words[3] == "input.sensitivity" else "RW RANGE NUMBER"
            return [f"TYPE far {words[3]} {kind}"]
        if words[:2] == ["LIST", "ENUM"]:
            return ["BEGIN LIST ENUM far input.sensitivity", 'ENUM far input.sensitivity "H"',
                    'ENUM far input.sensitivity "L"', "END LIST ENUM far input.sensitivity"]
        if words[:2] == ["LIST", "RANGE"]:
            return ["BEGIN LIST RANGE far ups.delay.start",
                    'RANGE far ups.delay.start "0" "600"', "END LIST RANGE far ups.delay.start"]
        if words[:2] == ["LIST", "CMD"]:
            return ["BEGIN LIST CMD far", "CMD far beeper.toggle", "CMD far load.off",
                    "END LIST CMD far"]
        if words[0] in ("USERNAME", "PASSWORD") or words[:2] == ["SET", "TRACKING"]:
            return ["OK"]
        if words[0] == "INSTCMD":
            if words[2] == "load.off":
                return ["ERR ACCESS-DENIED"]
            self.tracking["t1"] = "SUCCESS"
            return ["OK TRACKING t1"]
        if words[:2] == ["SET", "VAR"]:
            self.vars[words[3]] = words[4].strip('"')
            self.tracking["t2"] = "ERR INVALID-ARGUMENT" if words[4] == "X" else "SUCCESS"
            return ["OK TRACKING t2"]
        if words[:2] == ["GET", "TRACKING"]:
            return [self.tracking[words[2]]]
        return ["ERR UNKNOWN-COMMAND"]


def _repeater(tmp_path: Path, port: int, **options: str) -> object:
    return device(tmp_path, f"far@127.0.0.1:{port}", pollinterval=0.05, options=options)


async def _until(handle: object, predicate: object) -> object:
    with trio.fail_after(10):
        while True:
            snap = await next_snapshot(handle)  # type: ignore[arg-type]
            if predicate(snap):  # type: ignore[operator]
                return snap


async def test_repeater_serves_remote_values_flags_and_commands(nursery, tmp_path: Path) -> None:
    remote = Remote()
    with scripted_upsd(remote) as port:
        handle = await start(nursery, _repeater(tmp_path, port, username="admin", password="pw"))
        data = handle.snapshot.data
        assert data.get("ups.status") == "OL" and data.get("battery.charge") == "100"
        assert data.get("driver.name") == "dummy-ups"  # ours, not the remote driver's
        assert data.get("driver.parameter.mode") == "repeater"
        assert data.var_info("input.sensitivity") == VarInfo(rw=True, string_len=1, enums=("H", "L"))
        assert data.var_info("ups.delay.start") == VarInfo(rw=True, number=True, ranges=((0, 600),))
        assert data.commands == ("beeper.toggle", "load.off")
        assert remote.seen[:2] == ["USERNAME admin", "PASSWORD pw"]
        assert data.get("driver.parameter.username") == "admin"
        assert data.get("driver.parameter.password") is None  # never served


async def test_remote_changes_and_removed_variables_reach_the_repeater(nursery, tmp_path: Path) -> None:
    remote = Remote()
    with scripted_upsd(remote) as port:
        handle = await start(nursery, _repeater(tmp_path, port))
        remote.vars["ups.status"] = "OB LB"
        del remote.vars["battery.charge"]
        snap = await _until(handle, lambda s: s.data.get("ups.status") == "OB LB")
        assert snap.data.get("battery.charge") is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("error", ["DATA-STALE", "DRIVER-NOT-CONNECTED"])
async def test_remote_stale_makes_the_repeater_stale_then_recovers(nursery, tmp_path: Path, error: str) -> None:
    remote = Remote()
    with scripted_upsd(remote) as port:
        handle = await start(nursery, _repeater(tmp_path, port))
        remote.error = error
        await _until(handle, lambda s: s.stale)
        remote.error = None
        snap = await _until(handle, lambda s: not s.stale)
        assert snap.data.get("ups.status") == "OL"  # type: ignore[attr-defined]


async def test_garbage_from_the_remote_makes_data_stale_not_a_crash(nursery, tmp_path: Path) -> None:
    remote = Remote()
    with scripted_upsd(remote) as port:
        handle = await start(nursery, _repeater(tmp_path, port))
        remote.garbage = True
        await _until(handle, lambda s: s.stale)
        remote.garbage = False
        snap = await _until(handle, lambda s: not s.stale)
        assert snap.connected and snap.data.get("ups.status") == "OL"  # type: ignore[attr-defined]


async def test_repeater_reconnects_after_the_remote_hangs_up(nursery, tmp_path: Path) -> None:
    remote = Remote()
    with scripted_upsd(remote) as port:
        handle = await start(nursery, _repeater(tmp_path, port, username="u", password="p"))
        remote.hang_up = True
        await _until(handle, lambda s: s.stale)
        remote.hang_up = False
        remote.seen.clear()
        await _until(handle, lambda s: not s.stale)
        assert remote.seen[:2] == ["USERNAME u", "PASSWORD p"]  # a fresh login


async def test_unreachable_remote_fails_the_start_unless_strict_start_is_off(nursery, tmp_path: Path) -> None:
    with scripted_upsd(Remote()) as port:
        pass  # the port is free again: nothing listens there
    with pytest.raises(DriverIOError):
        await start(nursery, _repeater(tmp_path, port))
    handle = await start(nursery, _repeater(tmp_path, port, repeater_disable_strict_start="true"))
    assert (await next_snapshot(handle)).stale


async def test_commands_go_to_the_remote_with_its_outcome(nursery, tmp_path: Path) -> None:
    remote = Remote()
    with scripted_upsd(remote) as port:
        handle = await start(nursery, _repeater(tmp_path, port, username="admin", password="pw"))
        requests = [
            CommandRequest(kind="INSTCMD", ups="ups1", name="beeper.toggle", tracking="a"),
            CommandRequest(kind="INSTCMD", ups="ups1", name="load.off", tracking="b"),
            CommandRequest(kind="SET", ups="ups1", name="ups.delay.start", value="60", tracking="c"),
            CommandRequest(kind="SET", ups="ups1", name="input.sensitivity", value="X", tracking="d"),
        ]
        codes = []
        for request in requests:
            await handle.requests_in.send(request)
            codes.append((await handle.results_out.receive()).code)
        assert codes == ["SUCCESS", "FAILED", "SUCCESS", "INVALID-ARGUMENT"]
        assert "INSTCMD far beeper.toggle" in remote.seen
        assert "SET VAR far ups.delay.start 60" in remote.seen
        assert handle.snapshot.data.get("ups.delay.start") == "60"


def test_repeater_port_picks_repeater_mode_of_dummy_ups(tmp_path: Path) -> None:
    assert isinstance(make_driver(device(tmp_path, "ups@host:3494")), Repeater)
    rep = make_driver(device(tmp_path, "ups@[::1]:3500", options={"mode": "repeater"}))
    assert isinstance(rep, Repeater) and (rep.ups, rep.host, rep.port) == ("ups", "::1", 3500)


def test_bad_repeater_port_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(DriverConfigError, match="bad repeater port"):
        make_driver(device(tmp_path, "ups@host:99999"))
