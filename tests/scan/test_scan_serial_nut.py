"""`nutrio scan --serial` on pty simulators, `--nut` against a real upsd and nutrio."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import trio
from sim.apcsmart_sim import apcsmart_sim
from sim.megatec_sim import megatec_sim

from nutrio.scan import render
from nutrio.scan.serial import scan_serial
from tests.nutriorun import nutrio_env, nutrio_run
from tests.procs import refusing_port
from tests.realnut import real_nut, requires_real_nut
from tests.paths import SHARED

DUMP = SHARED / "data/ddl/APC__APC__Back-UPS_ES_700__usbhid-ups__2.6.5__01.dev"


def _scan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nutrio", "scan", *args], env=nutrio_env(),
                          capture_output=True, text=True, timeout=60)


async def test_serial_ports_answer_q1_and_apc_smart_each_to_its_driver() -> None:
    async with megatec_sim() as (q1, q1_path), apcsmart_sim() as (apc, apc_path):
        with trio.fail_after(20):
            found = await scan_serial([q1_path, apc_path, "/dev/nonexistent-tty"],
                                      timeout=0.5)
        sent_q1, sent_apc = q1.commands(), apc.commands()
    assert [(f.driver, f.port) for f in found] == [
        ("nutdrv_qx", q1_path), ("apcsmart", apc_path), ("", "/dev/nonexistent-tty")]
    assert found[0].notes[0].startswith(f"serial {q1_path}: Megatec/Q1 answered '(")
    assert found[1].desc and "APC smart protocol answered" in found[1].notes[0]
    assert "cannot open it" in found[2].notes[0]
    # queries only: nothing the simulators count as a command, bar the Q1 probe's '1' and
    # CR, which an APC unit answers "NA" (not a command of its protocol)
    assert sent_q1 == [] and set(sent_apc) <= set(b"1\r\x01")
    tables = tomllib.loads(render(found))["devices"]
    assert [t["driver"] for t in tables.values()] == ["nutdrv_qx", "apcsmart"]


@pytest.mark.e2e
@requires_real_nut
def test_nut_servers_probed_directly_become_repeaters_or_monitor_entries(tmp_path: Path) -> None:
    with real_nut({"realups": DUMP}) as nut, nutrio_run(tmp_path, {"ours": DUMP}) as ours, \
            refusing_port() as closed:
        hosts = [f"127.0.0.1:{nut.port}", f"127.0.0.1:{ours.port}", f"127.0.0.1:{closed}"]
        repeaters = _scan("--nut", *hosts, "--no-mdns")
        monitors = _scan("--nut", *hosts, "--no-mdns", "--nut-as", "monitor")
        upsmon = _scan("--nut", *hosts, "--no-mdns", "--nut-as", "monitor", "--format",
                       "ups.conf")
    assert repeaters.returncode == 0, repeaters.stderr
    devices = tomllib.loads(repeaters.stdout)["devices"]
    assert devices == {
        "realups": {"driver": "dummy-ups", "port": f"realups@127.0.0.1:{nut.port}",
                    "desc": "test"},
        "ours": {"driver": "dummy-ups", "port": f"ours@127.0.0.1:{ours.port}",
                 "desc": "Test UPS ours"}}
    assert f"# NUT server at 127.0.0.1:{closed} (named on the command line): no answer" in (
        repeaters.stdout)
    entries = tomllib.loads(monitors.stdout)["monitor"]["ups"]
    assert [e["system"] for e in entries] == [f"realups@127.0.0.1:{nut.port}",
                                              f"ours@127.0.0.1:{ours.port}"]
    assert {e["role"] for e in entries} == {"secondary"}
    lines = [ln for ln in upsmon.stdout.splitlines() if ln.startswith("MONITOR")]
    assert lines == [f"MONITOR realups@127.0.0.1:{nut.port} 1 monuser secret secondary",
                     f"MONITOR ours@127.0.0.1:{ours.port} 1 monuser secret secondary"]
    config = tmp_path / "repeaters.toml"
    config.write_text(repeaters.stdout + "\n" + monitors.stdout)
    check = subprocess.run([sys.executable, "-m", "nutrio", "check-config", str(config)],
                           env=nutrio_env(), capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
