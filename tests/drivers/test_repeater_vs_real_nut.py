"""The repeater against real upsd 2.8.0 and against `nutrio run`: upsc sees the same UPS.

``upsc`` through the repeater must print what ``upsc`` prints directly,
driver.* lines aside (each side serves its own driver's).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import trio
from driver_helpers import device, start

from nutrio.protocol.common.state import CommandRequest
from tests.nutriorun import nutrio_run
from tests.paths import DATA
from tests.realnut import real_nut, requires_real_nut

pytestmark = [requires_real_nut, pytest.mark.e2e]

DUMP = DATA / "ddl" / "APC__APC__Smart-UPS_1000__snmp-ups__2.7.4__01.dev"


def _upsc(target: str) -> dict[str, str]:
    out = subprocess.run(["upsc", target], capture_output=True, text=True, timeout=20, check=False).stdout
    pairs = (line.split(": ", 1) for line in out.splitlines() if ": " in line)
    return {k: v for k, v in pairs if not k.startswith("driver.")}


def _commands(target: str) -> list[str]:
    out = subprocess.run(["upscmd", "-l", target], capture_output=True, text=True, timeout=20, check=False).stdout
    return [line.split(" - ")[0] for line in out.splitlines() if " - " in line]


async def test_repeater_actor_serves_what_real_upsd_serves(nursery, tmp_path: Path) -> None:
    with real_nut({"ups": DUMP}) as nut:
        direct = f"ups@127.0.0.1:{nut.port}"
        handle = await start(nursery, device(tmp_path, direct))
        data = handle.snapshot.data
        served = {k: v for k, v in data.vars.items() if not k.startswith("driver.")}
        assert served == _upsc(direct)
        assert list(data.commands) == _commands(direct)


async def test_set_var_through_the_repeater_reaches_real_upsd(nursery, tmp_path: Path) -> None:
    with real_nut({"ups": DUMP}) as nut:
        direct = f"ups@127.0.0.1:{nut.port}"
        dev = device(tmp_path, direct, options={"username": "admin", "password": "secret"})
        handle = await start(nursery, dev)
        await handle.requests_in.send(
            CommandRequest(kind="SET", ups="ups1", name="ups.delay.shutdown", value="33", tracking="t")
        )
        assert (await handle.results_out.receive()).code == "SUCCESS"
        assert _upsc(direct)["ups.delay.shutdown"] == "33"


async def test_without_credentials_real_upsd_refuses_the_forwarded_set(nursery, tmp_path: Path) -> None:
    with real_nut({"ups": DUMP}) as nut:
        direct = f"ups@127.0.0.1:{nut.port}"
        handle = await start(nursery, device(tmp_path, direct))
        await handle.requests_in.send(
            CommandRequest(kind="SET", ups="ups1", name="ups.delay.shutdown", value="33", tracking="t")
        )
        assert (await handle.results_out.receive()).code == "FAILED"
        assert _upsc(direct)["ups.delay.shutdown"] != "33"


async def test_repeater_goes_stale_when_real_upsd_stops(nursery, tmp_path: Path) -> None:
    with real_nut({"ups": DUMP}) as nut:
        handle = await start(nursery, device(tmp_path, f"ups@127.0.0.1:{nut.port}", pollinterval=0.2))
        nut.stop()
    with trio.fail_after(10):
        while not handle.snapshot.stale:
            await handle.state.wait_newer(handle.state.version)


def test_upsc_through_nutrio_repeater_equals_upsc_direct(tmp_path: Path) -> None:
    with real_nut({"ups": DUMP}) as nut:
        direct = f"ups@127.0.0.1:{nut.port}"
        extra = f'[devices.rep]\ndriver = "dummy-ups"\nport = "{direct}"\n'
        with nutrio_run(tmp_path, {"local": DUMP}, extra=extra) as app:
            assert _upsc(f"rep@{app.host}") == _upsc(direct)
            assert _commands(f"rep@{app.host}") == _commands(direct)


def test_repeater_of_nutrio_run_equals_upsc_of_nutrio_run(tmp_path: Path) -> None:
    """nutrio repeats nutrio: one `nutrio run` serves a dump, a second one repeats it."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    with nutrio_run(first, {"ups": DUMP}) as origin:
        direct = f"ups@{origin.host}"
        extra = f'[devices.rep]\ndriver = "dummy-ups"\nport = "{direct}"\n'
        with nutrio_run(second, {"local": DUMP}, extra=extra) as app:
            assert _upsc(f"rep@{app.host}") == _upsc(direct)
