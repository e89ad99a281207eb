"""Notifications of a real `nutrio run`: `upsmon -c test`, threshold rules and DRIVERFAIL.

Each test starts `nutrio run --config FILE` as a subprocess serving dummy-ups
devices; its NOTIFYCMDs are recording scripts (notify_helpers) and its
webhook, ntfy and Telegram channels all point at one local HTTP receiver
(run_helpers). `nutrio upsmon -c test` runs as its own process, as an
operator would run it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from notify_helpers import calls, recorder
from run_helpers import (
    BOT_TOKEN,
    START,
    channels,
    nutrio_upsmon,
    primary_monitor,
    receiver,
)

from nutrio.actors.control import control_socket_path
from tests.monitor.e2e_helpers import (
    USERS,
    Host,
    devices_section,
    new_host,
    running,
    server_section,
    start,
    wait_ready,
    wait_until,
)

ON_LINE = "ups.status: OL\nTIMER 100000\n"
SEND_MESSAGE = f"/bot{BOT_TOKEN}/sendMessage"


def ready(host: Host) -> Path:
    """Until upsd answers and the control socket is there; the config file."""
    config = host.dir / "nutrio.toml"
    wait_ready(host, START)
    assert wait_until(control_socket_path(None, config).exists, START), host.log_tail()
    return config


@pytest.mark.e2e
def test_upsmon_test_reaches_every_channel_and_reports_each(tmp_path: Path) -> None:
    first, first_record = recorder(tmp_path, "notify-a")
    second, second_record = recorder(tmp_path, "notify-b")
    host = new_host(tmp_path, "host")
    with receiver() as rx:
        text = (server_section(host) + devices_section(host.dir, {"ups": ON_LINE}) + USERS
                + primary_monitor(host.port)
                + f'[notify]\nnotifycmd = ["{first}", "{second} --page"]\n\n'
                + '[notify.flags]\nTEST = "EXEC"\nONBATT = "EXEC"\n\n'
                + channels(rx, ntfy_events='events = ["FSD"]\n'))
        with running(start(host, text)):
            config = ready(host)
            done = nutrio_upsmon(config, "-c", "test")
            assert done.returncode == 0, done.stderr + host.log_tail()
            system = f"ups@127.0.0.1:{host.port}"
            assert done.stdout.splitlines() == [
                f"test notification TEST for {system}:",
                "syslog: not sent (TEST is not flagged SYSLOG)",
                "wall: not sent (TEST is not flagged WALL)",
                f"notifycmd {first}: sent",
                f"notifycmd {second} --page: sent",
                "webhook: sent",
                "ntfy: sent",  # TEST goes everywhere, whatever the events list
                "telegram: sent",
            ]
            for record in (first_record, second_record):
                [call] = calls(record)
                assert (call["NOTIFYTYPE"], call["UPSNAME"], call["NUTRIO_TEST"]) == (
                    "TEST", system, "1")
                assert call["argv"][-1] == f"UPS {system}: test notification from nutrio"
            [hook] = rx.bodies("/hook")
            assert (hook["type"], hook["ups"], hook["test"]) == ("TEST", system, True)
            [push] = rx.bodies("/")
            assert (push["topic"], push["title"]) == ("ups", f"TEST {system}")
            assert rx.headers("/")[0]["authorization"] == "Bearer tk_1"
            [chat] = rx.bodies(SEND_MESSAGE)
            assert chat["chat_id"] == "77" and chat["text"].startswith(f"UPS {system}: test")

            # a rehearsed ONBATT: marked as a test, routed as ONBATT is (ntfy takes FSD only)
            done = nutrio_upsmon(config, "-c", "test", "onbatt")
            assert done.returncode == 0, done.stderr
            assert "ntfy: not sent (its events list leaves out ONBATT)" in done.stdout
            assert calls(first_record)[-1]["argv"] == [f"TEST: UPS {system} on battery"]
            assert rx.bodies("/hook")[-1]["message"] == f"TEST: UPS {system} on battery"

            # a channel that refuses: said, and the exit status is 1
            rx.statuses[SEND_MESSAGE] = 401
            done = nutrio_upsmon(config, "-c", "test", "FSD", "--ups", "other@host")
            assert done.returncode == 1
            assert done.stdout.splitlines()[0] == "test notification FSD for other@host:"
            assert "telegram: failed: HTTP 401" in done.stdout
            assert BOT_TOKEN not in host.log_tail(100_000)
        sent = host.events("notify.test_sent")
        assert [(e["notify_type"], e["delivered"]) for e in sent] == [
            ("TEST", True), ("ONBATT", True), ("FSD", False)]
        assert host.events("upsmon.fsd_requested") == []


def test_upsmon_test_needs_a_notifier_and_a_known_type(tmp_path: Path) -> None:
    host = new_host(tmp_path, "bare")
    config = host.dir / "nutrio.toml"
    config.write_text(server_section(host) + devices_section(host.dir, {"ups": ON_LINE}))
    done = nutrio_upsmon(config, "-c", "test")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("nutrio upsmon: ") and "runs no notifier" in done.stderr
    done = nutrio_upsmon(config, "-c", "fsd", "ONBATT")
    assert done.returncode == 1 and "go with -c test only" in done.stderr


def test_a_threshold_rule_raises_and_clears_once_without_a_monitor(tmp_path: Path) -> None:
    script, record = recorder(tmp_path, "notify")
    host = new_host(tmp_path, "host")
    dev = host.dir / "ups.dev"
    dev.write_text("ups.status: OL\nups.load: 91\n")
    text = (server_section(host)
            + '[devices.ups]\ndriver = "dummy-ups"\nport = "ups.dev"\npollinterval = 0.5\n\n'
            + f'[notify]\nnotifycmd = "{script}"\n\n'
            + '[notify.flags]\nTHRESHOLD = "EXEC"\nNOTTHRESHOLD = "EXEC"\nTEST = "EXEC"\n\n'
            + '[[notify.threshold]]\nname = "load_high"\nups = "ups"\nvariable = "ups.load"\n'
            + 'above = 80\nseconds = 2\n')
    with running(start(host, text)):
        config = ready(host)
        assert wait_until(lambda: len(calls(record)) >= 1, START), host.log_tail()
        dev.write_text("ups.status: OL\nups.load: 12\n")
        assert wait_until(lambda: len(calls(record)) >= 2, START), host.log_tail()
        # a notifier runs for the rules alone, so the channels can be tested too
        done = nutrio_upsmon(config, "-c", "test")
        assert done.returncode == 0 and "notifycmd: sent" in done.stdout, done.stderr
        assert wait_until(lambda: len(calls(record)) >= 3, 5)
    raised, cleared, test = calls(record)
    assert (raised["NOTIFYTYPE"], raised["UPSNAME"], raised["NUTRIO_EVENT"]) == (
        "THRESHOLD", "ups", "threshold.load_high")
    assert raised["argv"] == ["UPS ups: ups.load above 80 for 2 s (now 91)"]
    assert (cleared["NOTIFYTYPE"], cleared["NUTRIO_EVENT"]) == (
        "NOTTHRESHOLD", "threshold.load_high.cleared")
    assert cleared["argv"] == ["UPS ups: ups.load no longer above 80 (now 12)"]
    assert test["NOTIFYTYPE"] == "TEST" and test["UPSNAME"] == "ups"  # the first device
    assert len(host.events("threshold.raised")) == 1
    assert len(host.events("threshold.cleared")) == 1


def driverfail_config(host: Host, notify: str) -> str:
    """``ups`` on line and ``broken``, whose .dev file does not exist (yet)."""
    return (server_section(host) + devices_section(host.dir, {"ups": ON_LINE}) + USERS
            + '[devices.broken]\ndriver = "dummy-ups"\nport = "broken.dev"\n\n'
            + f"[notify]\ndriverfail_restarts = 3\ndriverfail_window = 4\n{notify}\n")


def test_a_driver_in_a_crash_loop_raises_driverfail_once_then_driverok(tmp_path: Path) -> None:
    script, record = recorder(tmp_path, "notify")
    host = new_host(tmp_path, "host")
    notify = (f'notifycmd = "{script}"\n\n'
              '[notify.flags]\nDRIVERFAIL = "EXEC"\nDRIVEROK = "EXEC"\n')
    with running(start(host, driverfail_config(host, notify) + primary_monitor(host.port))):
        ready(host)
        assert wait_until(lambda: calls(record), START), host.log_tail()
        assert [c["NOTIFYTYPE"] for c in calls(record)] == ["DRIVERFAIL"]
        (host.dir / "broken.dev").write_text(ON_LINE)  # the device is back
        assert wait_until(lambda: len(calls(record)) >= 2, START), host.log_tail()
    failed, recovered = calls(record)
    assert (failed["UPSNAME"], recovered["NOTIFYTYPE"], recovered["UPSNAME"]) == (
        "broken", "DRIVEROK", "broken")
    assert failed["argv"][0].startswith(
        "UPS broken: driver keeps failing: 3 restarts in 4 s, last error: ")
    assert "broken.dev" in failed["argv"][0]
    [line] = host.events("driver.failing")
    assert (line["ups"], line["restarts"], line["window"]) == ("broken", 3, 4.0)
    assert "broken.dev" in line["last_error"]
    assert len(host.events("driver.recovered")) == 1


def test_without_a_notifier_a_crash_loop_is_still_logged_once(tmp_path: Path) -> None:
    host = new_host(tmp_path, "host")
    with running(start(host, driverfail_config(host, ""))):
        ready(host)
        assert wait_until(lambda: host.events("driver.failing"), START), host.log_tail()
        wait_until(lambda: len(host.events("driver.failing")) > 1, 3)  # give it time
        assert [e["ups"] for e in host.events("driver.failing")] == ["broken"]
        assert host.events("notify.overflow") == []
