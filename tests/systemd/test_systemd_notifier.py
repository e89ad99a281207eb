"""SystemdNotifier and run_watchdog in-process, against a real datagram socket."""

from __future__ import annotations

import os

import trio
import trio.testing
from systemd_helpers import datagram_sink, has, notifications

from nutrio.systemd import SystemdNotifier, run_watchdog


def test_without_notify_socket_every_call_is_a_no_op() -> None:
    sd = SystemdNotifier.from_environ({})
    assert not sd.enabled and sd.watchdog_interval is None
    assert not sd.ready("x") and not sd.stopping() and not sd.watchdog()


def test_messages_are_key_value_lines_in_one_datagram() -> None:
    with datagram_sink(abstract=True) as sink:
        sd = SystemdNotifier.from_environ({"NOTIFY_SOCKET": sink.address})
        assert sd.ready("serving 2 device(s)\nwith a newline")
        assert sd.reloading()
        got = sink.wait_for(lambda r: len(r) >= 2)
        sd.close()
    assert got[0].data == b"READY=1\nSTATUS=serving 2 device(s) with a newline\n"
    assert got[1].data.startswith(b"RELOADING=1\nMONOTONIC_USEC=")


def test_from_environ_reads_watchdog_and_can_unset_the_variables() -> None:
    env = {"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}
    sd = SystemdNotifier.from_environ(env, unset=True)
    assert sd.watchdog_interval == 15.0  # half the period
    assert env == {}  # NOTIFYCMD and SHUTDOWNCMD never speak for us
    other = SystemdNotifier.from_environ({**env, "NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "1",
                                          "WATCHDOG_PID": str(os.getpid() + 1)})
    assert other.watchdog_interval is None
    relative = SystemdNotifier.from_environ({"NOTIFY_SOCKET": "run/x"})
    assert not relative.enabled  # neither a path nor "@name"


def test_a_failed_send_returns_false_and_never_raises() -> None:
    sd = SystemdNotifier("/nonexistent/notify.sock")
    assert sd.enabled and sd.ready() is False and sd.watchdog() is False


async def test_watchdog_pings_until_not_alive(autojump_clock: trio.testing.MockClock) -> None:
    with datagram_sink() as sink:
        sd = SystemdNotifier(sink.address, watchdog_usec=2_000_000)
        alive = True
        async with trio.open_nursery() as nursery:
            await nursery.start(lambda task_status: run_watchdog(
                sd, alive=lambda: alive, task_status=task_status))
            await trio.sleep(3.5)  # pings at 0, 1, 2, 3
            alive = False  # e.g. the root supervisor gave up
            await trio.sleep(5)
        got = await trio.to_thread.run_sync(sink.wait_for, has("WATCHDOG", 4))
    assert notifications(got) == [{"WATCHDOG": "1"}] * 4


async def test_watchdog_off_returns_at_once() -> None:
    with trio.fail_after(5):
        await run_watchdog(SystemdNotifier(None, watchdog_usec=1000))
        await run_watchdog(SystemdNotifier("/run/x"))  # no WATCHDOG_USEC
