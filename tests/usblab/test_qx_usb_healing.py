"""nutdrv_qx over USB heals itself: a bridge unplugged and plugged back at a new device number,
and a bridge the user may not open (LIBUSB_ERROR_ACCESS), with `nutrio run` and its upsd.

Issue 15's promises, measured: DATA-STALE within maxage of the unplug; the same unit
found again by its match keys (ids and strings, wherever it sits now) and fresh values
within two poll intervals of the replug, with no restart by hand; on ACCESS, one line
naming the bus/device and the fix, no traceback. The real nutdrv_qx 2.8.0 runs beside
nutrio on a twin unit (told apart by serial number) for the same faults.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import pytest
import trio
from sim.megatec_sim import MegatecSim

from tests.usblab.bridges import CypressBridge
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.runners import UsbDriverRun, nutrio_usb, real_usb_driver
from tests.usblab.server import UsbLab
from tests.usblab.string_bridges import KraulerBridge

pytestmark = pytest.mark.e2e

STALE = "Error: Data stale"
POLLINTERVAL, MAXAGE = 1.0, 5.0
#: nutrio's section; ups.conf has no maxage (upsd.conf's MAXAGE stays 15 for the real upsd)
FAST = {"pollinterval": "1", "maxage": "5", "protocol": "megatec"}
REAL = {"pollinterval": "1", "protocol": "megatec"}
#: upsc is asked every 0.1 s and takes a few hundredths to answer
SLACK = 0.5
DENIED = ("USB device 001/002 (0665:5161): permission denied: install nutrio's udev rules"
          " (nutrio install-service) or add the user to group nut")


def cypress(serial: str) -> CypressBridge:
    return CypressBridge(MegatecSim(), strings={1: "Cypress Semiconductor", 2: "USB to Serial",
                                                3: serial})


async def until(probe: Callable[[], Awaitable[str]], want: str, timeout: float = 30.0) -> float:
    """Seconds until ``probe()`` says ``want``."""
    started = trio.current_time()
    with trio.fail_after(timeout):
        while await probe() != want:
            await trio.sleep(0.1)
    return trio.current_time() - started


def events(run: UsbDriverRun) -> list[dict[str, object]]:
    return [json.loads(line) for line in run.log_text().splitlines() if line.startswith("{")]


@requires_nut_driver("nutdrv_qx")
async def test_a_replugged_bridge_goes_stale_within_maxage_and_is_fresh_two_polls_after(
        usblab: UsbLab) -> None:  # fmt: skip
    usblab.timeout_scale = 0.05
    theirs, ours = usblab.plug(cypress("AAAA0001")), usblab.plug(cypress("BBBB0002"))
    async with real_usb_driver(usblab, "nutdrv_qx", {**REAL, "serial": "AAAA0001"}) as real, \
            nutrio_usb(usblab, "nutdrv_qx", {**FAST, "serial": "BBBB0002"}) as nutrio:
        for run in (real, nutrio):
            await run.wait_values(lambda v: v.get("ups.status") == "OL")
        before = ours.name
        taken: dict[str, float] = {}

        async def measure(key: str, run: UsbDriverRun, want: str) -> None:
            taken[key] = await until(run.status, want)

        theirs.unplug()
        ours.unplug()
        async with trio.open_nursery() as both:
            both.start_soon(measure, "stale", nutrio, STALE)
            both.start_soon(measure, "real stale", real, STALE)
        theirs.replug()
        ours.replug()
        async with trio.open_nursery() as both:
            both.start_soon(measure, "fresh", nutrio, "OL")
            both.start_soon(measure, "real fresh", real, "OL")
        assert ours.name != before  # a new device number on the same bus
        assert (await nutrio.upsc())["ups.vendorid"] == "0665"
    stale, fresh = taken["stale"], taken["fresh"]
    assert stale <= MAXAGE + SLACK, stale
    assert fresh <= 2 * POLLINTERVAL + SLACK, fresh
    assert ours.name in {c.device for c in usblab.calls(client="nutrio", op="claim")}
    found = [e for e in events(nutrio) if e.get("event") == "driver.usb_reconnected"]
    assert [e["device"] for e in found] == [f"{ours.name.replace(':', '/')} (0665:5161)"]
    assert not any("Traceback" in str(e) or e.get("exception") for e in events(nutrio))


async def test_a_string_bridge_is_found_again_by_its_product_string(usblab: UsbLab) -> None:
    usblab.timeout_scale = 0.05
    chip = usblab.plug(KraulerBridge(MegatecSim()))
    usblab.plug(KraulerBridge(MegatecSim(), strings={2: "another"}), bus=2)
    options = {**FAST, "product": "010937"}
    async with nutrio_usb(usblab, "nutdrv_qx", options) as nutrio:
        await nutrio.wait_values(lambda v: v.get("ups.status") == "OL")
        chip.replug(bus=3)
        await until(nutrio.status, "OL")
        chip.unplug()
        await until(nutrio.status, STALE)
        chip.replug(bus=4)
        assert await until(nutrio.status, "OL") <= 2 * POLLINTERVAL + SLACK
    claimed = {c.device for c in usblab.calls(client="nutrio", op="claim")}
    assert chip.name in claimed and not any(name.startswith("002:") for name in claimed)


async def test_access_denied_at_start_is_one_line_naming_the_device_and_the_fix(
        usblab: UsbLab) -> None:  # fmt: skip
    usblab.plug(cypress("AAAA0001")).deny_open()
    async with nutrio_usb(usblab, "nutdrv_qx", FAST) as nutrio:
        await until(nutrio.status, "Error: Driver not connected")
        await trio.sleep(1.5)  # a restart or two
    crashed = [e for e in events(nutrio) if e.get("event") == "actor.crashed"]
    assert crashed and {e["error"] for e in crashed} == {DENIED}
    assert "Traceback" not in nutrio.log_text()


async def test_access_denied_after_a_replug_is_said_once_then_heals(usblab: UsbLab) -> None:
    usblab.timeout_scale = 0.05
    chip = usblab.plug(cypress("AAAA0001"))
    async with nutrio_usb(usblab, "nutdrv_qx", FAST) as nutrio:
        await nutrio.wait_values(lambda v: v.get("ups.status") == "OL")
        chip.unplug()
        chip.replug(address=2)  # the same number: the message names it
        chip.deny_open()
        await until(nutrio.status, STALE)
        await trio.sleep(3)  # several polls meet the denial
        chip.allow_open()
        await until(nutrio.status, "OL")
    said = [e for e in events(nutrio) if e.get("event") == "driver.usb_reopen_failed"]
    assert [e["error"] for e in said] == [DENIED]
    assert "Traceback" not in nutrio.log_text()
