"""Interoperability with the real NUT 2.8.0 upsmon and upsd, on real time.

- the real upsmon, as a secondary of our upsd, follows the FSD our primary
  monitor sets and runs its SHUTDOWNCMD; our primary waits for it to log out;
- our monitor, as a secondary of the real upsd, follows an FSD set by an
  admin to its shutdown and logs out;
- our monitor, as the real upsd's primary, sets FSD (PRIMARY is granted).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
import trio
from monitor_helpers import monitor_config, start_driver, start_host, start_upsd, watch

from nutrio import conf
from nutrio.actors.nutclient import NutClient
from nutrio.actors.registry import Registry
from nutrio.protocol.notify.events import NotifyType as N
from tests.realnut import real_nut, requires_real_nut

pytestmark = pytest.mark.e2e

UPSMON = Path("/lib/nut/upsmon")
FAILS = "ups.status: OL\nTIMER 3\nups.status: OB LB DISCHRG\nTIMER 100000\n"


async def wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    with trio.move_on_after(timeout):
        while not predicate():
            await trio.sleep(0.1)
        return True
    return False


def start_real_upsmon(tmp: Path, port: int) -> tuple[subprocess.Popen[bytes], Path]:
    etc, state = tmp / "etc", tmp / "state"
    etc.mkdir()
    state.mkdir()
    record = tmp / "real-upsmon-shutdown"
    script = tmp / "shutdown.sh"
    script.write_text(f"#!/bin/sh\necho shutdown >> {record}\n")
    script.chmod(0o755)
    (etc / "upsmon.conf").write_text(
        f"MONITOR ups@127.0.0.1:{port} 1 secuser sec secondary\n"
        "MINSUPPLIES 1\n"
        f'SHUTDOWNCMD "{script}"\n'
        "POLLFREQ 1\nPOLLFREQALERT 1\nHOSTSYNC 30\nDEADTIME 15\nFINALDELAY 1\n"
        "RUN_AS_USER root\n"
        "NOTIFYFLAG ONBATT SYSLOG\nNOTIFYFLAG LOWBATT SYSLOG\nNOTIFYFLAG FSD SYSLOG\n"
        "NOTIFYFLAG SHUTDOWN SYSLOG\n")
    (etc / "upsmon.conf").chmod(0o640)
    env = {**os.environ, "NUT_CONFPATH": str(etc), "NUT_STATEPATH": str(state),
           "NUT_ALTPIDPATH": str(state)}
    log = (tmp / "upsmon.log").open("wb")
    # upsmon 2.8.0 always writes /run/nut/upsmon.pid: give it a private /run/nut
    # so it can run beside another upsmon (another test, the bench)
    private = f"mkdir -p /run/nut && mount -t tmpfs nut-run /run/nut && exec {UPSMON} -D -F -u root"
    cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", private]
    if subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode != 0:
        cmd = [str(UPSMON), "-D", "-F", "-u", "root"]
    proc = subprocess.Popen(cmd, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    return proc, record


@requires_real_nut
async def test_real_upsmon_secondary_follows_our_primary_fsd(nursery, tmp_path: Path):
    registry = Registry()
    await start_driver(nursery, registry, tmp_path, "ups", FAILS)
    port, _ = await start_upsd(nursery, registry)
    real, record = start_real_upsmon(tmp_path, port)
    try:
        client = await NutClient.connect("127.0.0.1", port)  # wait for its login
        with trio.fail_after(10):
            while await client.numlogins("ups") < 1:
                await trio.sleep(0.2)
        await client.aclose()
        cfg = monitor_config(watch(f"ups@127.0.0.1:{port}"), pollfreq=1.0, pollfreqalert=1.0,
                             hostsync=20.0, finaldelay=1.0)
        primary = await start_host(nursery, "primary", cfg, registry)
        assert await wait_for(lambda: bool(primary.shutdown.calls), 30)
        assert record.exists()  # the real secondary was done before our primary
        assert record.read_text() == "shutdown\n"
        assert primary.shutdown.calls[0] - primary.first(N.LOWBATT) < 20  # not HOSTSYNC
        assert await wait_for(lambda: real.poll() is not None, 10)
    finally:
        if real.poll() is None:
            os.killpg(real.pid, signal.SIGTERM)
        real.wait(10)
    log = (tmp_path / "upsmon.log").read_text()
    assert "Critical UPS" in log and "Executing automatic power-fail shutdown" in log


@requires_real_nut
async def test_our_secondary_follows_fsd_on_the_real_upsd(nursery, tmp_path: Path):
    seq = tmp_path / "ups.seq"
    seq.write_text("ups.status: OB DISCHRG\nTIMER 100000\n")
    with real_nut({"ups": seq}) as nut:
        system = f"ups@127.0.0.1:{nut.port}"
        # the real upsd's users are tests/realnut.py's: log in as monuser, as a secondary
        entry = conf.MonitorUps(system=system, powervalue=1, user="monuser", password="pass",
                                role="secondary")
        cfg = monitor_config(entry, pollfreq=1.0, pollfreqalert=1.0, finaldelay=0.5)
        host = await start_host(nursery, "secondary", cfg)
        admin = await NutClient.connect("127.0.0.1", nut.port)
        try:
            with trio.fail_after(10):
                while await admin.numlogins("ups") < 1:
                    await trio.sleep(0.2)
            assert host.shutdown.calls == []
            await admin.expect_ok("USERNAME", "monuser")
            await admin.expect_ok("PASSWORD", "pass")
            await admin.set_fsd("ups")
            assert await wait_for(lambda: bool(host.shutdown.calls), 10)
            assert host.types() == [N.ONBATT, N.FSD, N.SHUTDOWN]
            assert len(host.shutdown.calls) == 1
            # our monitor logged out once it had asked for the shutdown
            await trio.sleep(0.5)  # let the LOGOUT arrive
            assert await admin.numlogins("ups") == 0
        finally:
            await admin.aclose()


@requires_real_nut
async def test_our_primary_sets_fsd_on_the_real_upsd_and_shuts_down(nursery, tmp_path: Path):
    seq = tmp_path / "ups.seq"
    seq.write_text("ups.status: OB LB DISCHRG\nTIMER 100000\n")
    with real_nut({"ups": seq}) as nut:
        cfg = monitor_config(watch(f"ups@127.0.0.1:{nut.port}"), pollfreq=1.0,
                             pollfreqalert=1.0, finaldelay=0.5)
        host = await start_host(nursery, "primary", cfg)
        assert await wait_for(lambda: bool(host.shutdown.calls), 10)
        status = await trio.to_thread.run_sync(nut.upsc, f"ups@127.0.0.1:{nut.port}",
                                               "ups.status")
        assert status.stdout.split() == ["FSD", "OB", "LB", "DISCHRG"]
        assert host.types() == [N.ONBATT, N.LOWBATT, N.SHUTDOWN]
