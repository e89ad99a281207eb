"""upsmon scenarios end to end in one process, on the mock clock.

Real dummy-ups driver actors play .seq files, our listener serves them, and
monitored "hosts" (a coordinator with its monitor actors, as nutrio builds
them) decide; each host's SHUTDOWNCMD records when it was called.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
from monitor_helpers import monitor_config, start_driver, start_host, start_upsd, watch

from nutrio.actors.registry import Registry
from nutrio.protocol.notify.events import NotifyType as N

POWER_FAIL = ("ups.status: OL\nbattery.charge: 100\nTIMER 10\n"
              "ups.status: OB DISCHRG\nbattery.charge: 60\nTIMER 20\n"
              "ups.status: OB LB DISCHRG\nbattery.charge: 10\nTIMER 100000\n")
BLIP = ("ups.status: OL\nTIMER 10\nups.status: OB DISCHRG\nTIMER 20\n"
        "ups.status: OL CHRG\nTIMER 100000\n")
STEADY = "ups.status: OL\nTIMER 100000\n"


def fails_at(seconds: float, status: str = "OB LB DISCHRG") -> str:
    return f"ups.status: OL\nTIMER {seconds}\nups.status: {status}\nTIMER 100000\n"


@pytest.fixture
def clock(autojump_clock):
    return autojump_clock


async def test_standalone_power_failure_shuts_down_exactly_once(nursery, tmp_path: Path, clock):
    registry = Registry()
    await start_driver(nursery, registry, tmp_path, "ups", POWER_FAIL)
    port, _ = await start_upsd(nursery, registry)
    t0 = trio.current_time()
    host = await start_host(nursery, "standalone", monitor_config(watch(f"ups@127.0.0.1:{port}")),
                            registry)
    await trio.sleep(300)
    assert host.types() == [N.ONBATT, N.LOWBATT, N.SHUTDOWN]
    assert len(host.shutdown.calls) == 1
    # the push path sees the driver at once, not at the next 5 s poll
    assert 10 <= host.first(N.ONBATT) - t0 < 11.5
    assert 30 <= host.first(N.LOWBATT) - t0 < 31.5
    # FINALDELAY after the SHUTDOWN notification
    assert host.shutdown.calls[0] - host.first(N.SHUTDOWN) == pytest.approx(5.0)


async def test_power_back_before_low_battery_means_no_shutdown(nursery, tmp_path: Path, clock):
    registry = Registry()
    await start_driver(nursery, registry, tmp_path, "ups", BLIP)
    port, _ = await start_upsd(nursery, registry)
    host = await start_host(nursery, "standalone", monitor_config(watch(f"ups@127.0.0.1:{port}")),
                            registry)
    await trio.sleep(300)
    assert host.types() == [N.ONBATT, N.ONLINE]
    assert host.shutdown.calls == []


async def test_over_the_network_polls_at_pollfreq(nursery, tmp_path: Path, clock):
    registry = Registry()
    await start_driver(nursery, registry, tmp_path, "ups", POWER_FAIL)
    port, _ = await start_upsd(nursery, registry)
    t0 = trio.current_time()
    cfg = monitor_config(watch(f"ups@127.0.0.1:{port}"), pollfreq=30.0, pollfreqalert=2.0)
    host = await start_host(nursery, "remote", cfg, registry=None)  # no push path
    await trio.sleep(100)
    onbatt, lowbatt = host.first(N.ONBATT) - t0, host.first(N.LOWBATT) - t0
    assert 30 <= onbatt <= 31  # the next POLLFREQ poll after the outage at 10 s
    assert 30 <= lowbatt <= 33  # polled every POLLFREQALERT now
    assert len(host.shutdown.calls) == 1


async def test_big_box_survives_one_lost_ups_and_shuts_down_on_two(nursery, tmp_path, clock):
    registry = Registry()
    await start_driver(nursery, registry, tmp_path, "a", fails_at(10))
    await start_driver(nursery, registry, tmp_path, "b", fails_at(100))
    await start_driver(nursery, registry, tmp_path, "c", STEADY)
    port, _ = await start_upsd(nursery, registry)
    t0 = trio.current_time()
    cfg = monitor_config(*(watch(f"{n}@127.0.0.1:{port}") for n in "abc"), minsupplies=2)
    host = await start_host(nursery, "bigbox", cfg, registry)
    await trio.sleep(90)
    assert [(n.type, n.ups.split("@")[0]) for _, n in host.notes] == [(N.ONBATT, "a"),
                                                                      (N.LOWBATT, "a")]
    assert host.shutdown.calls == []  # two of three supplies still fed
    await trio.sleep(100)
    assert len(host.shutdown.calls) == 1
    assert 100 <= host.shutdown.calls[0] - t0 <= 107


async def test_fsd_from_the_primary_takes_secondaries_down_first(nursery, tmp_path, clock):
    registry = Registry()
    await start_driver(nursery, registry, tmp_path, "ups", POWER_FAIL)
    port, _ = await start_upsd(nursery, registry)
    system = f"ups@127.0.0.1:{port}"
    primary = await start_host(nursery, "primary", monitor_config(watch(system), hostsync=60),
                               registry)
    secondaries = [await start_host(nursery, f"s{i}", monitor_config(watch(system,
                   role="secondary"))) for i in range(2)]
    await trio.sleep(200)
    for host in (primary, *secondaries):
        assert len(host.shutdown.calls) == 1, host.name
    for sec in secondaries:
        assert N.FSD in sec.types()
        assert sec.shutdown.calls[0] < primary.shutdown.calls[0]
    # the primary went when the secondaries logged out, long before HOSTSYNC
    assert primary.shutdown.calls[0] - primary.first(N.LOWBATT) < 30
    assert primary.shutdown.calls[0] - max(s.shutdown.calls[0] for s in secondaries) < 7


async def test_primary_stops_waiting_for_a_stuck_secondary_after_hostsync(nursery, tmp_path,
                                                                         clock):
    from tests_client import stuck_secondary

    registry = Registry()
    await start_driver(nursery, registry, tmp_path, "ups", POWER_FAIL)
    port, _ = await start_upsd(nursery, registry)
    await stuck_secondary(nursery, port, "ups")
    primary = await start_host(nursery, "primary",
                               monitor_config(watch(f"ups@127.0.0.1:{port}"), hostsync=40),
                               registry)
    await trio.sleep(200)
    assert len(primary.shutdown.calls) == 1
    waited = primary.shutdown.calls[0] - primary.first(N.LOWBATT)
    assert 45 <= waited <= 47  # HOSTSYNC 40 + FINALDELAY 5 (+ one poll of NUMLOGINS)


async def test_comm_lost_while_on_battery_shuts_down_after_deadtime(nursery, tmp_path, clock):
    registry = Registry()
    await start_driver(nursery, registry, tmp_path, "ups", fails_at(10, "OB DISCHRG"))
    port, upsd = await start_upsd(nursery, registry)
    host = await start_host(nursery, "h", monitor_config(watch(f"ups@127.0.0.1:{port}"),
                                                         deadtime=15), registry)
    await trio.sleep(20)
    assert host.types() == [N.ONBATT]
    upsd.cancel()  # the server goes away while the UPS is on battery
    lost = trio.current_time()
    await trio.sleep(100)
    assert host.types()[:2] == [N.ONBATT, N.COMMBAD]
    assert len(host.shutdown.calls) == 1
    # last good poll <= 5 s before the loss; DEADTIME 15, then FINALDELAY 5
    assert 15 <= host.shutdown.calls[0] - lost <= 15 + 5 + 1


async def test_comm_lost_while_online_keeps_the_host_up(nursery, tmp_path, clock):
    registry = Registry()
    await start_driver(nursery, registry, tmp_path, "ups", STEADY)
    port, upsd = await start_upsd(nursery, registry)
    host = await start_host(nursery, "h", monitor_config(watch(f"ups@127.0.0.1:{port}")),
                            registry)
    await trio.sleep(10)
    upsd.cancel()
    await trio.sleep(1000)
    assert host.types() == [N.COMMBAD, N.NOCOMM, N.NOCOMM, N.NOCOMM]
    assert host.shutdown.calls == []
