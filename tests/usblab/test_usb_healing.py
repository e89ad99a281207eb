"""USB faults that heal, for nutrio's usbhid-ups, with the real usbhid-ups 2.8.0 beside it
where it tells something: a stalled interrupt pipe, a unit that resets its USB when it
goes on battery, a unit unplugged for a while (one warning, not one per poll), pollonly
with the cable pulled, a burst of I/O errors, garbage after a resume. And how fast an
interrupt report reaches ups.status in upsd.

Each fault test prints one ``heal:`` line: seconds from the fault to DATA-STALE and from
the device being usable again to fresh data (docs/usb-troubleshooting.md quotes them).
"""

from __future__ import annotations

import json
import statistics

import pytest
import trio

from tests.usblab.compare import set_status, status
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.hidcases import CASES
from tests.usblab.hidups import SimUps
from tests.usblab.runners import UsbDriverRun, nutrio_usb, real_usb_driver
from tests.usblab.server import UsbLab
from tests.usblab.wire import UsbStatus

ES850 = next(c for c in CASES if c.id == "apc-back-ups-es-850g2")
FAST = {"pollinterval": "1"}
#: the fault tests: a poll a second, stale after 5 s without fresh data
HEAL = {"pollinterval": "1", "maxage": "5"}
STALE = "ERR DATA-STALE"


def unit() -> tuple[SimUps, object]:
    sim = ES850.sim()
    return ES850.make(sim)(), sim


async def until(run: UsbDriverRun, want: str, timeout: float = 20.0) -> float:
    """Seconds until upsd answers ``want`` for ups.status (a value or an ERR line)."""
    started = trio.current_time()
    with trio.fail_after(timeout):
        while await status(run) != want:
            await trio.sleep(0.05)
    return trio.current_time() - started


def heal_report(case: str, stale: float | None, fresh: float) -> None:
    stale_text = "never stale" if stale is None else f"stale after {stale:.2f} s"
    print(f"\nheal: {case}: {stale_text}; fresh {fresh:.2f} s after the device is usable")


def events(run: UsbDriverRun) -> list[dict[str, str]]:
    return [json.loads(line) for line in run.log_text().splitlines() if line.startswith("{")]


async def test_a_halted_interrupt_pipe_is_cleared_and_read_again(usblab: UsbLab) -> None:
    ups, sim = unit()
    plugged = usblab.plug(ups)
    async with nutrio_usb(usblab, "usbhid-ups", FAST) as ours:
        await ours.wait_values()
        plugged.halt(0x81)
        await trio.to_thread.run_sync(
            usblab.wait_for, lambda calls: any(c.op == "clear_halt" for c in calls))
        set_status(usblab, sim, ups, "OB DISCHRG")  # type: ignore[arg-type]
        await until(ours, "OB DISCHRG")
    pipe = [c for c in usblab.calls(client="nutrio") if c.op in ("interrupt", "clear_halt")]
    first = next(i for i, c in enumerate(pipe) if c.status == -9)
    assert (pipe[first + 1].op, pipe[first + 1].args) == ("clear_halt", (0x81,))
    assert all(c.status != -9 for c in pipe[first + 1:])
    # the report came through the pipe again, not from a poll reading it
    assert any(c.op == "interrupt" and c.back for c in pipe[first + 1:])


async def test_unplugged_for_a_while_one_warning_when_it_goes_one_line_when_back(
        usblab: UsbLab) -> None:
    ups, _ = unit()
    plugged = usblab.plug(ups)
    async with nutrio_usb(usblab, "usbhid-ups", FAST) as ours:
        await ours.wait_values()
        plugged.unplug()
        stale = await until(ours, STALE)
        await trio.sleep(5)  # five more polls without the unit
        plugged.replug()
        fresh = await until(ours, "OL")
    heal_report("replug with a new device number", stale, fresh)
    warned = [e["event"] for e in events(ours)
              if e.get("level") in ("warning", "error") and e["event"].startswith("driver.")]
    assert warned == ["driver.poll_failed", "driver.stale"]
    told = [e["event"] for e in events(ours) if e.get("level") == "info"]
    assert told.count("driver.usb_reconnected") == 1 and told.count("driver.recovered") == 1


class Window:
    """A fault that holds while open (a predicate for PluggedDevice.fail's ``on``)."""

    def __init__(self) -> None:
        self.open = False

    def __call__(self, _call: object) -> bool:
        return self.open


@pytest.mark.e2e  # nutrio run for ~10 s
async def test_a_burst_of_io_errors_goes_stale_then_fresh_within_two_polls(
        usblab: UsbLab) -> None:
    ups, _ = unit()
    plugged = usblab.plug(ups)
    burst = Window()
    plugged.fail(UsbStatus.IO, on=burst, count=10**9)
    async with nutrio_usb(usblab, "usbhid-ups", HEAL) as ours:
        await ours.wait_values()
        burst.open = True  # every transfer fails, descriptors included, until closed
        stale = await until(ours, STALE)
        burst.open = False
        fresh = await until(ours, "OL")
    heal_report("burst of I/O errors", stale, fresh)
    assert stale <= 5 + 1 + 0.5  # maxage, one poll, and upsd's answer
    assert fresh <= 2 * 1 + 0.5  # two poll intervals
    assert not [e for e in events(ours) if e["event"] in ("actor.crashed", "driver.crashed")]


@pytest.mark.e2e  # nutrio run for ~10 s
async def test_garbage_after_a_resume_is_never_served_and_heals(usblab: UsbLab) -> None:
    """After a suspend the unit re-enumerates and its first replies are junk: nutrio
    serves DATA-STALE or the truth (OL), never a value made of the junk."""
    ups, _ = unit()
    plugged = usblab.plug(ups)
    async with nutrio_usb(usblab, "usbhid-ups", HEAL) as ours:
        await ours.wait_values()
        plugged.unplug()  # suspended
        stale = await until(ours, STALE)
        plugged.garble(on="in", count=40)
        plugged.replug()
        seen: set[str] = set()
        with trio.fail_after(30):
            while plugged.faults:  # the junk replies are not all used up yet
                seen.add(await status(ours))
                await trio.sleep(0.05)
            usable = trio.current_time()
            while (now := await status(ours)) != "OL":
                seen.add(now)
                await trio.sleep(0.05)
        fresh = trio.current_time() - usable
        for _ in range(20):  # and it stays the truth
            seen.add(await status(ours))
            await trio.sleep(0.05)
    heal_report("garbage after a resume", stale, fresh)
    assert seen <= {STALE, "OL", "ERR DRIVER-NOT-CONNECTED"}, seen
    assert fresh <= 2 * 1 + 0.5  # two poll intervals once the junk is used up


@requires_nut_driver("usbhid-ups")
async def test_a_unit_that_resets_its_usb_when_it_goes_on_battery(usblab: UsbLab) -> None:
    """NUT's most reported "data stale": the unit drops off the bus at the switch and comes
    back at a new device number. Both drivers find it again and show it on battery."""
    theirs, sim = unit()
    ours_ups, _ = unit()
    their_plug, our_plug = usblab.plug(theirs, bus=1), usblab.plug(ours_ups, bus=2)
    async with real_usb_driver(usblab, "usbhid-ups", {**FAST, "bus": "001"}) as real, \
            nutrio_usb(usblab, "usbhid-ups", {**FAST, "bus": "002"}) as ours:
        for run in (real, ours):
            await run.wait_values()
        before = (their_plug.name, our_plug.name)
        for plug, ups in ((their_plug, theirs), (our_plug, ours_ups)):
            plug.unplug()
            set_status(usblab, sim, ups, "OB DISCHRG")  # type: ignore[arg-type]
        stale = await until(ours, STALE)
        await trio.sleep(0.5)
        their_plug.replug()
        our_plug.replug()
        assert (their_plug.name, our_plug.name) != before
        fresh = await until(ours, "OB DISCHRG")
        await until(real, "OB DISCHRG")
    heal_report("USB reset at the switch to battery", stale, fresh)


@requires_nut_driver("usbhid-ups")
async def test_pollonly_with_the_cable_pulled_goes_stale_and_recovers(usblab: UsbLab) -> None:
    theirs, _ = unit()
    ours_ups, _ = unit()
    their_plug, our_plug = usblab.plug(theirs, bus=1), usblab.plug(ours_ups, bus=2)
    options = {**FAST, "pollonly": ""}
    async with real_usb_driver(usblab, "usbhid-ups", {**options, "bus": "001"}) as real, \
            nutrio_usb(usblab, "usbhid-ups", {**options, "bus": "002"}) as ours:
        for run in (real, ours):
            await run.wait_values()
        their_plug.unplug()
        our_plug.unplug()
        stale = await until(ours, STALE)
        await trio.sleep(3)
        real_while_away = await status(real)
        their_plug.replug()
        our_plug.replug()
        fresh = await until(ours, "OL")
        await until(real, "OL")
    heal_report("pollonly with the cable pulled", stale, fresh)
    assert not any(c.op == "interrupt" for c in usblab.calls(client="nutrio"))
    # NUT 2.8.0 reads no interrupt pipe with pollonly, and its feature reads do not see the
    # unit gone (their errors come back as errno, not as libusb's codes): it serves the
    # last values as fresh while the cable is out; nutrio says DATA-STALE
    assert real_while_away == "OL"


async def _latency(lab: UsbLab, run: UsbDriverRun, ups: SimUps, sim: object,
                   rounds: int) -> list[float]:
    """Seconds from a status change sent on the interrupt pipe to upsd serving it."""
    seen = []
    for i in range(rounds):
        words = "OB DISCHRG" if i % 2 == 0 else "OL"
        await trio.sleep(0.37 * (i % 3))  # not in step with the polls
        started = trio.current_time()
        set_status(lab, sim, ups, words)  # type: ignore[arg-type]
        with trio.fail_after(10):
            while await status(run) != words:
                await trio.sleep(0.005)
        seen.append(trio.current_time() - started)
    return seen


@pytest.mark.e2e
@requires_nut_driver("usbhid-ups")
async def test_interrupt_reports_reach_upsd_before_the_next_poll(usblab: UsbLab) -> None:
    """With NUT's default pollinterval (2 s): the real driver reads the pipe once per poll,
    nutrio as soon as a report comes."""
    theirs, sim = unit()
    ours_ups, _ = unit()
    usblab.plug(theirs, bus=1)
    usblab.plug(ours_ups, bus=2)
    options = {"pollinterval": "2"}
    async with real_usb_driver(usblab, "usbhid-ups", {**options, "bus": "001"}, debug="") as real, \
            nutrio_usb(usblab, "usbhid-ups", {**options, "bus": "002"}) as ours:
        await real.wait_values()
        await ours.wait_values()
        real_s = await _latency(usblab, real, theirs, sim, 8)
        ours_s = await _latency(usblab, ours, ours_ups, sim, 8)
    print(f"\ninterrupt -> upsd ups.status, pollinterval 2 s: "
          f"real usbhid-ups median {statistics.median(real_s):.3f} s max {max(real_s):.3f} s; "
          f"nutrio median {statistics.median(ours_s):.3f} s max {max(ours_s):.3f} s")
    assert max(ours_s) < 2.0  # before the next poll
    assert statistics.median(ours_s) < statistics.median(real_s)
