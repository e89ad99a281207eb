"""upsmon scenarios end to end: real `nutrio run` processes, real time.

Each host is a `nutrio run --config FILE` subprocess. dummy-ups drivers play
``.seq`` files with short TIMER lines; SHUTDOWNCMD, NOTIFYCMD and CMDSCRIPT
are shell scripts appending one line per call (what, UPSNAME, NOTIFYTYPE,
argument, ``date +%s.%N``), so the tests see what each host did, in which
order and when, across processes. Timings are loose bounds: the machine is
shared, only orders and counts are tight.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from e2e_helpers import (
    USERS,
    Host,
    devices_section,
    follow,
    monitor_section,
    new_host,
    recorder,
    running,
    server_section,
    start,
    wait_ready,
    wait_until,
)

from tests.realnut import numlogins

pytestmark = pytest.mark.e2e

#: seconds a host may take to start, on two busy cores
START = 20


def fails(after: int, status: str = "OB LB DISCHRG", *, middle: str = "") -> str:
    """OL for ``after`` seconds, then ``status`` for good (``middle``: steps in between)."""
    return f"ups.status: OL\nTIMER {after}\n{middle}ups.status: {status}\nTIMER 100000\n"


def standalone(tmp: Path, seqs: dict[str, str], **monitor: object) -> Host:
    """One host serving ``seqs`` and monitoring each of them as primary."""
    host = new_host(tmp, "standalone")
    systems = [(f"{name}@127.0.0.1:{host.port}", "primary") for name in seqs]
    config = (server_section(host) + devices_section(host.dir, seqs) + USERS
              + monitor_section(systems, record_dir=host.dir, record=host.record,
                                **monitor))  # type: ignore[arg-type]
    return start(host, config)


def test_standalone_power_failure_notifies_and_shuts_down_exactly_once(tmp_path: Path):
    seq = fails(2, middle="ups.status: OB DISCHRG\nTIMER 2\n")
    with running(standalone(tmp_path, {"ups": seq}, finaldelay=1)) as (host,):
        wait_ready(host, START)
        assert wait_until(host.shutdowns, 20), host.log_tail()
        time.sleep(1.5)  # a second shutdown would show up now
        # LOWBATT and SHUTDOWN come in the same instant: NOTIFYCMD may run them in either order
        types = host.types()
        assert types[0] == "ONBATT" and sorted(types[1:]) == ["LOWBATT", "SHUTDOWN"]
        names = {c.type: c.upsname for c in host.calls("notify")}
        assert names["ONBATT"] == names["LOWBATT"] == "ups"
        assert names["SHUTDOWN"] == "-"  # upsmon sets no UPSNAME for SHUTDOWN
        assert len(host.shutdowns()) == 1
        assert host.shutdowns()[0] - host.first("SHUTDOWN") >= 0.7  # FINALDELAY 1
        # ONBATT lasted the TIMER 2 of the .seq file before the battery ran low
        assert host.first("LOWBATT") - host.first("ONBATT") > 1.0
        assert (host.dir / "killpower").exists()  # POWERDOWNFLAG


def test_power_back_before_low_battery_means_online_and_no_shutdown(tmp_path: Path):
    seq = fails(2, "OL CHRG", middle="ups.status: OB DISCHRG\nTIMER 2\n")
    with running(standalone(tmp_path, {"ups": seq})) as (host,):
        wait_ready(host, START)
        assert wait_until(lambda: "ONLINE" in host.types(), 20), host.log_tail()
        time.sleep(2)
        assert host.types() == ["ONBATT", "ONLINE"]
        assert host.shutdowns() == []


def test_big_box_stays_up_on_one_lost_ups_and_shuts_down_on_two(tmp_path: Path):
    seqs = {"a": fails(2), "b": fails(6), "c": "ups.status: OL\nTIMER 100000\n"}
    with running(standalone(tmp_path, seqs, minsupplies=2)) as (host,):
        wait_ready(host, START)
        assert wait_until(host.shutdowns, 25), host.log_tail()
        time.sleep(1)
        notes = host.notes()
        # NOTIFYCMD runs concurrently (upsmon forks one per event): events of one
        # instant are recorded in either order
        assert sorted(notes[:2]) == [("LOWBATT", "a"), ("ONBATT", "a")]
        assert ("LOWBATT", "b") in notes and not any(u == "c" for _, u in notes)
        lost_a = max(c.at for c in host.calls("notify")[:2])
        lost_b = next(c.at for c in host.calls("notify") if c.upsname == "b")
        assert len(host.shutdowns()) == 1
        down = host.shutdowns()[0]
        assert down - lost_a > 2.5  # a alone stayed lost for seconds: no shutdown for it
        # the second lost supply did it (both scripts start on the same event; 0.5 s of slack
        # for the order in which the two shells get to run)
        assert down > lost_b - 0.5


def test_fsd_takes_both_secondaries_down_before_the_primary(tmp_path: Path):
    primary = new_host(tmp_path, "primary", "127.0.0.1")
    system = f"ups@127.0.0.1:{primary.port}"
    hostsync = 10
    config = (server_section(primary) + devices_section(primary.dir, {"ups": fails(6)}) + USERS
              + monitor_section([(system, "primary")], record_dir=primary.dir,
                                record=primary.record, hostsync=hostsync))
    secondaries = [new_host(tmp_path, f"secondary{i}", f"127.0.0.{i + 2}") for i in range(2)]
    with running(start(primary, config), *secondaries):
        for sec in secondaries:  # no devices of their own: only [monitor]
            start(sec, server_section(sec) + monitor_section(
                [(system, "secondary")], record_dir=sec.dir, record=sec.record))
        wait_ready(primary, START)
        follow(primary, *secondaries)
        for host in secondaries:
            wait_ready(host, START)
        assert wait_until(lambda: numlogins(primary.port, "ups") == 3, 10), \
            [h.log_tail(1500) for h in secondaries]
        assert not primary.calls()  # every host logged in while the UPS was still on line
        assert wait_until(lambda: all(h.shutdowns() for h in (primary, *secondaries)), 30), \
            primary.log_tail()
        time.sleep(1)
        for host in (primary, *secondaries):
            assert len(host.shutdowns()) == 1, host.name
        for sec in secondaries:
            assert "FSD" in sec.types(), sec.name
            assert sec.shutdowns()[0] < primary.shutdowns()[0], sec.name
        assert "FSD" not in primary.types()
        # the primary went when the secondaries logged out, HOSTSYNC at the latest
        assert primary.shutdowns()[0] - primary.first("LOWBATT") <= hostsync + 2


def test_lost_contact_with_a_ups_on_battery_shuts_down_after_deadtime(tmp_path: Path):
    server = new_host(tmp_path, "server")
    watcher = new_host(tmp_path, "watcher", "127.0.0.2")
    deadtime, hostsync = 3, 1
    system = f"ups@127.0.0.1:{server.port}"
    with running(server, watcher):
        start(server, server_section(server) + devices_section(server.dir, {
            "ups": fails(1, "OB DISCHRG")}) + USERS)
        start(watcher, server_section(watcher) + monitor_section(
            [(system, "secondary")], record_dir=watcher.dir, record=watcher.record,
            deadtime=deadtime, hostsync=hostsync))
        wait_ready(server, START)
        follow(server, watcher)
        wait_ready(watcher, START)
        assert wait_until(lambda: "ONBATT" in watcher.types(), 15), watcher.log_tail()
        time.sleep(1)
        assert watcher.shutdowns() == []  # on battery alone is no reason
        server.kill()  # upsd and driver gone without a word
        lost = time.time()
        assert wait_until(watcher.shutdowns, deadtime + hostsync + 10), watcher.log_tail()
        # the notification is delivered beside the shutdown command, not before it
        assert wait_until(lambda: "SHUTDOWN" in watcher.types(), 5), watcher.types()
        assert "COMMBAD" in watcher.types()
        assert watcher.types()[-1] == "SHUTDOWN"
        # the last good poll was at most POLLFREQ (1 s) before the loss; as upsmon does,
        # a secondary then gives the primary HOSTSYNC more to set FSD before it gives up
        assert deadtime - 1.5 <= watcher.shutdowns()[0] - lost <= deadtime + hostsync + 4
        assert len(watcher.shutdowns()) == 1


def test_dampened_on_battery_alert_is_cancelled_by_a_blip_and_fires_when_it_lasts(
        tmp_path: Path):
    host = new_host(tmp_path, "dampened")
    cmdscript = recorder(host.dir / "cmdscript.sh", host.record, "cmdscript")
    # a 1 s blip, 2 s back on line, then on battery for good
    seq = ("ups.status: OL\nTIMER 2\nups.status: OB DISCHRG\nTIMER 1\nups.status: OL\nTIMER 2\n"
           "ups.status: OB DISCHRG\nTIMER 100000\n")
    rules = ('[scheduler]\ncmdscript = "' + str(cmdscript) + '"\n\n'
             '[[scheduler.at]]\nnotify_type = "ONBATT"\nups = "*"\naction = "START-TIMER"\n'
             'timer = "onbatt"\nseconds = 3\n\n'
             '[[scheduler.at]]\nnotify_type = "ONLINE"\nups = "*"\naction = "CANCEL-TIMER"\n'
             'timer = "onbatt"\n')
    config = (server_section(host) + devices_section(host.dir, {"ups": seq}) + USERS
              + monitor_section([(f"ups@127.0.0.1:{host.port}", "primary")],
                                record_dir=host.dir, record=host.record) + rules)
    with running(start(host, config)):
        wait_ready(host, START)
        assert wait_until(lambda: host.calls("cmdscript"), 20), host.log_tail()
        time.sleep(1.5)
        assert host.types() == ["ONBATT", "ONLINE", "ONBATT"]
        calls = host.calls("cmdscript")
        assert [(c.arg, c.upsname, c.type) for c in calls] == [("onbatt", "ups", "ONBATT")]
        blip, _, lasting = (c.at for c in host.calls("notify"))
        # the blip's timer was cancelled: the one run came 3 s after the lasting outage
        assert 2.5 <= calls[0].at - lasting <= 5
        assert calls[0].at - blip > 4
        assert host.shutdowns() == []
