"""`nutrio run` under a stand-in for systemd: READY, WATCHDOG, RELOADING and STOPPING arrive.

Each test binds a real AF_UNIX datagram socket, passes it as NOTIFY_SOCKET and
starts `nutrio run` as a subprocess on 127.0.0.1:0; the upsd port is learnt
from the STATUS line sent with READY=1, as `systemctl status` would show it.
"""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import pytest
from systemd_helpers import (
    TIMEOUT,
    ask,
    datagram_sink,
    has,
    notifications,
    nutrio_service,
    service_env,
    stderr_of,
)

pytestmark = pytest.mark.e2e


def _port(status: str) -> int:
    match = re.search(r"upsd port\(s\) (\d+)", status)
    assert match, status
    return int(match.group(1))


def test_ready_comes_once_upsd_answers_and_names_port_and_devices(tmp_path: Path) -> None:
    with datagram_sink() as sink, nutrio_service(
        tmp_path, env=service_env(NOTIFY_SOCKET=sink.address)
    ) as proc:
        got = sink.wait_for(has("READY"), proc)
        # asked right away: READY=1 promises drivers and listeners are up
        port = _port(notifications(got)[-1]["STATUS"])
        reply = ask(port, "LIST UPS")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=TIMEOUT)
    ready = [m for m in notifications(got) if "READY" in m]
    assert ready == [{"READY": "1", "STATUS": f"serving 1 device(s); upsd port(s) {port}"}]
    expected = 'BEGIN LIST UPS\nUPS ups1 "systemd test UPS"\nEND LIST UPS\n'
    assert reply == expected, stderr_of(tmp_path)


def test_watchdog_pings_every_half_period(tmp_path: Path) -> None:
    # the abstract namespace ("@name") is what systemd itself uses in containers
    with datagram_sink(abstract=True) as sink, nutrio_service(
        tmp_path, env=service_env(NOTIFY_SOCKET=sink.address, WATCHDOG_USEC="200000")
    ) as proc:
        got = sink.wait_for(has("READY"), proc)
        pings_at_ready = sum("WATCHDOG" in m for m in notifications(got))
        got = sink.wait_for(has("WATCHDOG", pings_at_ready + 3), proc)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=TIMEOUT)
    pings = [m for m in notifications(got) if "WATCHDOG" in m]
    assert all(m == {"WATCHDOG": "1"} for m in pings)
    assert len(pings) >= 3


def test_watchdog_stays_off_for_another_pid(tmp_path: Path) -> None:
    # WATCHDOG_PID names the process meant to ping; pid 1 is never us
    with datagram_sink() as sink, nutrio_service(
        tmp_path, env=service_env(NOTIFY_SOCKET=sink.address, WATCHDOG_USEC="100000",
                                  WATCHDOG_PID="1")
    ) as proc:
        sink.wait_for(has("READY"), proc)
        time.sleep(0.5)  # five would-be periods
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=TIMEOUT)
        got = list(sink.received)
    assert not [m for m in notifications(got) if "WATCHDOG" in m]


def test_sighup_reports_reloading_then_ready(tmp_path: Path) -> None:
    with datagram_sink() as sink, nutrio_service(
        tmp_path, env=service_env(NOTIFY_SOCKET=sink.address)
    ) as proc:
        sink.wait_for(has("READY"), proc)
        proc.send_signal(signal.SIGHUP)
        got = sink.wait_for(has("READY", 2), proc)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=TIMEOUT)
    kinds = ("READY", "RELOADING", "STOPPING")
    states = [k for m in notifications(got) for k in m if k in kinds]
    assert states == ["READY", "RELOADING", "READY"]
    reloading = next(m for m in notifications(got) if "RELOADING" in m)
    assert reloading["RELOADING"] == "1"
    assert int(reloading["MONOTONIC_USEC"]) > 0  # CLOCK_MONOTONIC in microseconds
    assert "config.reloaded" in stderr_of(tmp_path)


def test_sigterm_reports_stopping_and_exits_zero(tmp_path: Path) -> None:
    with datagram_sink() as sink, nutrio_service(
        tmp_path, env=service_env(NOTIFY_SOCKET=sink.address)
    ) as proc:
        sink.wait_for(has("READY"), proc)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=TIMEOUT)
        got = sink.wait_for(has("STOPPING"))
    assert code == 0, stderr_of(tmp_path)
    stopping = [m for m in notifications(got) if "STOPPING" in m]
    assert [m["STOPPING"] for m in stopping] == ["1"]
    assert "nutrio.stopped" in stderr_of(tmp_path)


def test_without_notify_socket_nothing_changes(tmp_path: Path) -> None:
    """Run by hand (no NOTIFY_SOCKET): no notify errors, a clean stop as before."""
    with nutrio_service(tmp_path, "--log-format", "json", env=service_env()) as proc:
        proc.wait_for_event("nutrio.ready", TIMEOUT)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=TIMEOUT)
    assert code == 0
    assert "systemd." not in stderr_of(tmp_path)
