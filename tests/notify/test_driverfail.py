"""DRIVERFAIL / DRIVEROK: a driver's crash loop is told once, and its end once."""

from __future__ import annotations

import trio
from structlog.testing import capture_logs

from nutrio import conf
from nutrio.actors.control import ErrorBook
from nutrio.actors.upsmon.driverfail import DriverWatch
from nutrio.protocol.notify.driverfail import CrashLedger, DriverFailSettings
from nutrio.protocol.notify.events import Notification, NotifyType, message_for

FIVE_IN_TEN_MINUTES = DriverFailSettings()


def test_the_defaults_are_five_crashes_in_ten_minutes() -> None:
    assert (FIVE_IN_TEN_MINUTES.restarts, FIVE_IN_TEN_MINUTES.window) == (5, 600.0)
    notify = conf.loads("").notify
    assert notify.driverfail == FIVE_IN_TEN_MINUTES
    # nutrio's own types get NUT's default flags, and NOTIFYFLAG/NOTIFYMSG keys work for them
    assert notify.flags_for("DRIVERFAIL") == frozenset({"SYSLOG", "WALL"})
    custom = conf.loads('[notify]\ndriverfail_restarts = 3\ndriverfail_window = 60\n'
                        '[notify.flags]\nDRIVERFAIL = "EXEC"\n'
                        '[notify.messages]\nDRIVEROK = "%s is back"\n').notify
    assert custom.driverfail == DriverFailSettings(restarts=3, window=60.0)
    assert custom.flags_for("driverfail") == frozenset({"EXEC"})
    ok = Notification(type=NotifyType.DRIVEROK, ups="rack", at=0.0)
    assert message_for(ok, custom.messages) == "rack is back"


def test_the_fifth_crash_in_the_window_raises_driverfail_once() -> None:
    ledger = CrashLedger(FIVE_IN_TEN_MINUTES)
    alarms = [ledger.crashed("rack", f"DriverIOError: try {i}", now=i * 10.0) for i in range(8)]
    assert alarms[:4] == [None] * 4 and alarms[5:] == [None] * 3
    fail = alarms[4]
    assert fail is not None and (fail.ups, fail.failing, fail.restarts) == ("rack", True, 5)
    text = message_for(fail.notification(at=0.0))
    assert text == ("UPS rack: driver keeps failing: 5 restarts in 600 s, "
                    "last error: DriverIOError: try 4")
    assert ledger.failing() == ["rack"]


def test_crashes_spread_wider_than_the_window_never_raise() -> None:
    ledger = CrashLedger(FIVE_IN_TEN_MINUTES)
    assert all(ledger.crashed("rack", "x", now=i * 151.0) is None for i in range(40))
    assert ledger.failing() == []


def test_driverok_once_a_whole_window_passed_without_a_crash() -> None:
    ledger = CrashLedger(DriverFailSettings(restarts=2, window=60))
    ledger.crashed("rack", "x", now=0)
    ledger.crashed("rack", "y", now=1)
    ledger.crashed("rack", "z", now=30)  # still failing: the window restarts from here
    assert ledger.next_deadline() == 90
    assert ledger.due(89) == []
    [ok] = ledger.due(90)
    assert (ok.ups, ok.failing) == ("rack", False)
    assert message_for(ok.notification(at=0.0)) == "UPS rack: driver runs again: no crash for 60 s"
    assert ledger.due(1000) == [] and ledger.next_deadline() is None
    # a new loop later is a new DRIVERFAIL
    assert ledger.crashed("rack", "x", now=2000) is None
    assert ledger.crashed("rack", "x", now=2001) is not None


def test_a_driver_that_never_failed_gets_no_driverok() -> None:
    ledger = CrashLedger(FIVE_IN_TEN_MINUTES)
    ledger.crashed("rack", "x", now=0)
    assert ledger.due(10_000) == [] and ledger.next_deadline() is None


def test_zero_restarts_turns_it_off() -> None:
    ledger = CrashLedger(DriverFailSettings(restarts=0))
    assert all(ledger.crashed("rack", "x", now=float(i)) is None for i in range(100))


async def test_the_watch_logs_and_delivers_both_events_on_the_trio_clock(autojump_clock) -> None:
    sent: list[Notification] = []
    watch = DriverWatch(DriverFailSettings(restarts=3, window=60), sent.append)
    book = ErrorBook(on_failure=watch.crashed)
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            await nursery.start(watch.run)
            for delay in (0.1, 0.2, 0.4, 0.8):  # the drivers' back-off
                await trio.sleep(delay)
                book.record("driver:rack", OSError(2, "No such file or directory"))
            assert [n.type for n in sent] == [NotifyType.DRIVERFAIL]
            last_crash = trio.current_time()
            await trio.sleep(59)
            assert len(sent) == 1
            await trio.sleep(2)
            assert [n.type for n in sent] == [NotifyType.DRIVERFAIL, NotifyType.DRIVEROK]
            assert trio.current_time() - last_crash >= 60
            await trio.sleep(3600)
            nursery.cancel_scope.cancel()
    assert len(sent) == 2 and {n.ups for n in sent} == {"rack"}
    [failing] = [e for e in logs if e["event"] == "driver.failing"]
    assert failing["ups"] == "rack" and failing["restarts"] == 3 and failing["window"] == 60
    assert failing["last_error"] == "FileNotFoundError: [Errno 2] No such file or directory"
    assert [e["ups"] for e in logs if e["event"] == "driver.recovered"] == ["rack"]
    assert book.last("driver:rack") == failing["last_error"]  # `nutrio drivers status` still


async def test_new_settings_on_reload_apply_to_the_next_crashes(autojump_clock) -> None:
    sent: list[Notification] = []
    watch = DriverWatch(DriverFailSettings(restarts=0), sent.append)
    for _ in range(10):
        watch.crashed("driver:rack", "x")
    assert sent == []
    watch.configure(DriverFailSettings(restarts=2, window=60))
    watch.crashed("driver:rack", "x")
    assert sent == []
    watch.crashed("driver:rack", "x")
    assert [n.type for n in sent] == [NotifyType.DRIVERFAIL]
