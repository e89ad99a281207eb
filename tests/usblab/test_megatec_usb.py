"""A Megatec/Q1 UPS behind the Cypress USB bridge, driven by the real NUT 2.8.0 nutdrv_qx and
blazer_usb through real upsd: what upsc shows, and the transfers each driver made.

The UPS is tests/drivers/sim/megatec_sim.MegatecSim (the serial-side simulator the
pty tests use), carried by tests/usblab/bridges.CypressBridge (0665:5161).
"""

from __future__ import annotations

import pytest
from sim.megatec_sim import MegatecSim

from tests.usblab.bridges import CypressBridge
from tests.usblab.calls import Call
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.runners import UsbDriverRun, real_usb_driver
from tests.usblab.server import UsbLab

pytestmark = pytest.mark.e2e

# what MegatecSim answers, as the drivers show it
SHOWN = {
    "input.voltage": "230.4", "output.voltage": "230.4", "ups.load": "14",
    "input.frequency": "50.0", "ups.temperature": "30.0", "ups.status": "OL",
    "ups.vendorid": "0665", "ups.productid": "5161", "device.mfr": "SimuPower",
    "device.model": "SP-1000", "ups.firmware": "VT12046Q",
}


def commands(calls: list[Call]) -> list[bytes]:
    """The command text of every SET_REPORT the bridge got (zero padding dropped)."""
    return [c.out.rstrip(b"\0") for c in calls if c.setup and c.setup.request == 0x09]


def q1_exchange(calls: list[Call]) -> list[tuple[object, ...]]:
    """The transfers of the first Q1 command and its reply, as the bus carried them."""
    start = next(i for i, c in enumerate(calls) if c.setup and c.out.startswith(b"Q1\r"))
    end = next(i for i, c in enumerate(calls[start:], start) if b"\r" in c.back)
    return [c.wire() for c in calls[start:end + 1]]


async def until_status(run: UsbDriverRun, status: str) -> dict[str, str]:
    return await run.wait_values(lambda values: values.get("ups.status") == status)


@requires_nut_driver("nutdrv_qx")
async def test_real_nutdrv_qx_finds_the_megatec_protocol_and_serves_the_ups(usblab: UsbLab) -> None:
    ups = MegatecSim()
    usblab.plug(CypressBridge(ups))
    usblab.timeout_scale = 0.02  # the protocol probe waits out every unanswered command
    async with real_usb_driver(usblab, "nutdrv_qx", {"pollinterval": "1"}) as run:
        values = await until_status(run, "OL")
        assert {k: values.get(k) for k in SHOWN} == SHOWN
        assert values["driver.version.data"].startswith("Megatec")
        assert values["driver.version.usb"].startswith("libusb-1.0.26")
        with usblab.lock:  # no Q1 reply sees half of the change
            ups.on_battery()
        await until_status(run, "OB")  # values follow at the next full update (pollfreq)
    sent = usblab.transfers(client="nutdrv_qx")
    # every command goes out as 8-byte HID SET_REPORTs, every reply comes in 8-byte reads
    assert {str(c.setup)[:-2] for c in sent if c.setup and not c.setup.is_in} == {
        "21 09 0200 0000"}
    assert {(c.endpoint, c.length) for c in sent if c.op == "interrupt"} == {(0x81, 8)}
    assert b"Q1\r" in commands(sent) and b"F\r" in commands(sent) and b"I\r" in commands(sent)
    first = next(c for c in sent if c.op == "control" and c.out.startswith(b"Q1"))
    assert (str(first.setup), first.out, first.status) == (
        "21 09 0200 0000 8", b"Q1\r\0\0\0\0\0", 8)


@requires_nut_driver("blazer_usb")
@requires_nut_driver("nutdrv_qx")
async def test_real_blazer_usb_and_nutdrv_qx_send_the_same_q1_bytes(usblab: UsbLab) -> None:
    usblab.plug(CypressBridge(MegatecSim()))
    async with real_usb_driver(usblab, "blazer_usb") as run:
        values = await until_status(run, "OL")
        assert {k: values.get(k) for k in SHOWN} == SHOWN
    async with real_usb_driver(usblab, "nutdrv_qx", {"protocol": "megatec"}) as run:
        await until_status(run, "OL")
    blazer, qx = usblab.transfers(client="blazer_usb"), usblab.transfers(client="nutdrv_qx")
    assert commands(blazer)[0] == b"Q1\r"  # blazer_usb tries megatec first
    assert len(q1_exchange(blazer)) == 7  # one SET_REPORT, six 8-byte reads up to the CR
    assert q1_exchange(blazer) == q1_exchange(qx)
