"""SIGHUP re-reads [monitor] and [notify], as upsmon re-reads upsmon.conf.

One `nutrio run` process serves two dummy UPSes: ``steady`` stays OL, ``flappy``
goes OL/OB every second. It first monitors ``steady`` only; a reload adds
``flappy`` and points NOTIFYCMD at a second recording script; a second reload
with MINSUPPLIES out of reach is refused and leaves the monitors running.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from e2e_helpers import (
    USERS,
    Host,
    devices_section,
    monitor_section,
    new_host,
    running,
    server_section,
    start,
    wait_ready,
    wait_until,
)

pytestmark = pytest.mark.e2e

SEQS = {
    "steady": "ups.status: OL\nTIMER 100000\n",
    "flappy": "ups.status: OL\nTIMER 1\nups.status: OB DISCHRG\nTIMER 1\n",
}


def _config(host: Host, names: list[str], record: Path, *, minsupplies: int = 1,
            scripts: Path | None = None) -> str:
    systems = [(f"{n}@127.0.0.1:{host.port}", "primary") for n in names]
    return (server_section(host) + devices_section(host.dir, SEQS) + USERS
            + monitor_section(systems, record_dir=scripts or host.dir, record=record,
                              minsupplies=minsupplies))


def _reload(host: Host, config: str) -> None:
    (host.dir / "nutrio.toml").write_text(config)
    assert host.proc is not None
    host.proc.send_signal(signal.SIGHUP)


def _event(host: Host, name: str) -> dict | None:
    return next(iter(host.events(name)), None)


def test_sighup_adds_a_monitor_and_switches_notifycmd(tmp_path: Path) -> None:
    host = new_host(tmp_path, "host")
    second = Host(name="second", dir=host.dir, record=host.dir / "calls2", port=host.port)
    start(host, _config(host, ["steady"], host.record))
    with running(host):
        wait_ready(host)
        assert wait_until(lambda: _event(host, "actor.started"), 10)
        # flappy is served but not watched: nothing may be told about it
        assert not wait_until(lambda: ("ONBATT", "flappy") in host.notes(), 3)

        # the new config's scripts live in v2/ and record to calls2: a notice in
        # calls2 proves the notifier restarted with the new NOTIFYCMD
        (host.dir / "v2").mkdir()
        config = _config(host, ["steady", "flappy"], second.record, scripts=host.dir / "v2")
        _reload(host, config)
        assert wait_until(lambda: _event(host, "config.monitor_reloaded"), 15), host.log_tail()
        assert wait_until(lambda: ("ONBATT", "flappy") in second.notes(), 15), host.log_tail()
        assert ("ONBATT", "flappy") not in host.notes()

        # MINSUPPLIES 5 cannot be met by two supplies: refused, the old monitors go on
        _reload(host, _config(host, ["steady", "flappy"], second.record, minsupplies=5,
                              scripts=host.dir / "v2"))
        assert wait_until(lambda: _event(host, "config.reload_failed"), 15), host.log_tail()
        seen = len(second.notes())
        assert wait_until(lambda: len(second.notes()) > seen + 1, 15), host.log_tail()

    reloaded = _event(host, "config.monitor_reloaded")
    assert reloaded is not None
    assert reloaded["monitors"] == [f"monitor:steady@127.0.0.1:{host.port}",
                                    f"monitor:flappy@127.0.0.1:{host.port}"]
    # SHUTDOWNCMD and POWERDOWNFLAG moved to v2/: kept until a restart, and said so
    kept = _event(host, "config.monitor_restart_needed")
    assert kept is not None and kept["keys"] == ["shutdowncmd", "powerdownflag"]
    failed = _event(host, "config.reload_failed")
    assert failed is not None and "minsupplies" in failed["error"]
    assert host.shutdowns() == [] and second.shutdowns() == []


def test_a_reload_during_a_forced_shutdown_keeps_upsmon(tmp_path: Path) -> None:
    """From FSD to SHUTDOWNCMD upsmon must not be restarted: it would forget the shutdown."""
    host = new_host(tmp_path, "host")
    config = _config(host, ["steady"], host.record).replace("finaldelay = 0", "finaldelay = 3")
    start(host, config)
    with running(host):
        wait_ready(host)
        assert wait_until(lambda: _event(host, "actor.started"), 10)
        assert host.proc is not None
        host.proc.send_signal(signal.SIGUSR1)  # upsmon -c fsd
        assert wait_until(lambda: _event(host, "upsmon.fsd_requested"), 10), host.log_tail()
        _reload(host, _config(host, ["steady", "flappy"], host.record).replace(
            "finaldelay = 0", "finaldelay = 3"))
        assert wait_until(lambda: _event(host, "config.monitor_kept"), 10), host.log_tail()
        assert wait_until(lambda: host.shutdowns(), 15), host.log_tail()
    kept = _event(host, "config.monitor_kept")
    assert kept is not None and kept["reason"] == "a shutdown is under way"
    assert len(host.shutdowns()) == 1
