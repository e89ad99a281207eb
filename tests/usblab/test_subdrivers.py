"""usbhid-ups subdrivers: the Arduino configuration case, and that the side-by-side
comparisons of every subdriver (tests/usblab/subdriver_compare.py, run by the
test_subdrivers_part<N>.py modules) leave none out."""

from __future__ import annotations

import importlib

import trio

from tests.usblab.hidcases import CASES, arduino_unit
from tests.usblab.runners import nutrio_usb, real_usb_driver
from tests.usblab.server import UsbLab
from tests.usblab.subdriver_compare import GROUPS, MARKS, OPTIONS, PARTS

pytestmark = MARKS


def test_each_subdriver_is_compared_in_exactly_one_part_module() -> None:
    assert len(GROUPS) >= 16
    here = [importlib.import_module(f"tests.usblab.test_subdrivers_part{n}").HERE
            for n in range(1, len(PARTS) + 1)]
    assert here == list(PARTS)
    assert sorted(group for part in here for group in part) == GROUPS


async def test_an_arduino_with_one_configuration_opens_in_nutrio_not_in_nut_2_8_0(
        usblab: UsbLab) -> None:
    """NUT 2.8.0 reads configuration number <interface> (2 for the Arduino subdriver), which
    a one-configuration Leonardo does not have: "No matching HID UPS found" (fixed in NUT
    2.8.2). nutrio reads the active configuration and serves the unit."""
    case = next(c for c in CASES if c.id == "arduino-leonardo")
    usblab.plug(arduino_unit(case.sim(), configurations=1))
    async with real_usb_driver(usblab, "usbhid-ups", upsd=False, debug="") as real:
        with trio.fail_after(15):
            while real.exited() is None:
                await trio.sleep(0.05)
    assert real.exited() == 1 and "No matching HID UPS found" in real.log_text()
    async with nutrio_usb(usblab, "usbhid-ups", OPTIONS) as ours:
        values = await ours.wait_values()
    assert values["driver.version.data"] == "Arduino HID 0.2"
    assert values["ups.timer.shutdown"] == "-1" and values["ups.status"] == "OB"
