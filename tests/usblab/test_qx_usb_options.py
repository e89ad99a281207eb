"""nutdrv_qx's and blazer_usb's USB options on the lab: which device they take, which bridge,
and the sentences NUT 2.8.0 says when the options cannot work.

nutrio's drivers run in this process (the ``usblab`` fixture points pyusb at the lab);
where NUT refuses a configuration, the real driver runs too and must say the same.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
import structlog
import trio
from driver_helpers import Device
from sim.megatec_sim import MegatecSim

from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.megatec.blazer_usb import BlazerUsb
from nutrio.actors.drivers.megatec.driver import NutdrvQx, default_transport
from nutrio.actors.drivers.megatec.renamed import RetiredMegatecUsb
from nutrio.actors.drivers.megatec.transport import SerialTransport
from nutrio.actors.drivers.megatec.usb import BLAZER_USB, NUTDRV_QX, UsbTransport
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.megatec.usb_ids import BLAZER_BRIDGES, QX_BRIDGES
from tests.usblab import usb_cases as dumps
from tests.usblab.bridges import CypressBridge, PhoenixtecBridge
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.runners import real_usb_driver
from tests.usblab.server import UsbLab
from tests.usblab.string_bridges import FabulaBridge, HunnoxBridge, KraulerBridge


def qx(port: str = "auto", driver: str = "nutdrv_qx", **options: str) -> Device:
    return Device(name="ups", port=port, config_dir=Path("/tmp"), driver=driver,
                  pollinterval=1.0, options=MappingProxyType({"protocol": "megatec", **options}))


async def opened(driver: NutdrvQx) -> dict[str, str]:
    state = DeviceVars()
    await driver.open(state)
    await driver.close()
    return dict(state.freeze().vars)


def test_each_driver_carries_every_bridge_nut_lists_in_nuts_order() -> None:
    assert tuple(NUTDRV_QX.bridges) == QX_BRIDGES and tuple(BLAZER_USB.bridges) == BLAZER_BRIDGES


def test_usb_or_serial_is_decided_by_nuts_rule() -> None:
    for port, options in (("auto", {}), ("/dev/ttyUSB0", {"vendorid": "0665"}),
                          ("/dev/bus/usb/001/002", {"langid_fix": "0x0409"}),
                          ("AUTO", {})):  # fmt: skip
        assert isinstance(default_transport(qx(port, **options)), UsbTransport), (port, options)
    for port, options in (("/dev/ttyS0", {}), ("/dev/ttyS0", {"device": "002"}),
                          ("/dev/ttyS0", {"busport": "001"})):  # fmt: skip
        assert isinstance(default_transport(qx(port, **options)), SerialTransport), (port, options)


async def test_matching_options_pick_one_of_several_units(usblab: UsbLab) -> None:
    usblab.timeout_scale = 0.05
    for bus, serial in ((1, "AAAA0001"), (2, "BBBB0002")):
        usblab.plug(CypressBridge(MegatecSim(), strings={1: "Cypress Semiconductor",
                                                         2: "USB to Serial", 3: serial}),
                    bus=bus, ports=(bus + 4,))
    for options in ({"serial": "bbbb.*"}, {"bus": "002"}, {"device": "002", "bus": "00[2]"},
                    {"busport": "006"}, {"vendor": "cypress semiconductor", "serial": ".*2"}):
        values = await opened(NutdrvQx(qx(**options)))
        assert values["ups.vendorid"] == "0665", options
        claimed = usblab.calls(client="nutrio-test", op="claim")[-1]
        assert claimed.device == "002:002", options


async def test_the_id_table_picks_each_0001_0000_bridge_by_its_strings(usblab: UsbLab) -> None:
    usblab.timeout_scale = 0.05
    chips = {"fabula": FabulaBridge, "hunnox": HunnoxBridge, "krauler": KraulerBridge}
    for bridge, chip in chips.items():
        plugged = usblab.plug(chip(MegatecSim()))
        driver = NutdrvQx(qx())
        await opened(driver)
        assert isinstance(driver.transport, UsbTransport)
        assert driver.transport.bridge == bridge
        plugged.unplug()
    usblab.plug(PhoenixtecBridge(MegatecSim()))
    driver = NutdrvQx(qx())
    await opened(driver)
    assert isinstance(driver.transport, UsbTransport) and driver.transport.bridge == "phoenixtec"


@pytest.mark.e2e
@requires_nut_driver("nutdrv_qx")
@requires_nut_driver("blazer_usb")
@pytest.mark.parametrize(("driver", "options", "said"), [
    ("nutdrv_qx", {"subdriver": "cypress"},
     "When specifying a subdriver, 'vendorid' and 'productid' are mandatory."),
    ("nutdrv_qx", {"subdriver": "nope", "vendorid": "0665", "productid": "5161"},
     "Subdriver 'nope' not found!"),
    ("blazer_usb", {"subdriver": "fabula", "vendorid": "0001", "productid": "0000"},
     'Subdriver "fabula" not found!'),
    # NUT names the wrong one of its seven expressions ("(null)"), nutrio the bad one
    ("nutdrv_qx", {"vendor": "(unclosed"}, "Invalid regular expression: "),
])  # fmt: skip
async def test_impossible_options_are_refused_with_nuts_words(
        usblab: UsbLab, driver: str, options: dict[str, str], said: str) -> None:  # fmt: skip
    usblab.plug(CypressBridge(MegatecSim()))
    async with real_usb_driver(usblab, driver, options, upsd=False, debug="") as real:
        while real.exited() is None:
            await trio.sleep(0.05)
    assert said.lower() in real.log_text().lower()
    ours = BlazerUsb if driver == "blazer_usb" else NutdrvQx
    with pytest.raises(DriverConfigError) as refused:
        ours(qx(driver=driver, **options))
    assert said in str(refused.value)


def test_snr_without_langid_fix_is_refused_at_once() -> None:
    """NUT 2.8.0 hands libusb a language id of -1 and dies at the first query."""
    with pytest.raises(DriverConfigError, match="langid_fix"):
        NutdrvQx(qx(subdriver="snr", vendorid="0001", productid="0000"))


async def test_no_supported_device_is_nuts_sentence(usblab: UsbLab) -> None:
    usblab.plug(CypressBridge(MegatecSim(), vendor_id=0x1234))
    with pytest.raises(DriverIOError, match="No supported devices found"):
        await opened(NutdrvQx(qx()))


async def test_megatec_usb_runs_as_nutdrv_qx_over_usb_and_says_so(usblab: UsbLab) -> None:
    usblab.plug(KraulerBridge(MegatecSim(**dumps.DYNAMIX_KEBO)))
    # the Dynamix dump's ups.conf, with megatec_usb's own options
    device = Device(name="ups", port="/dev/usb/hiddev0", config_dir=Path("/tmp"),
                    driver="megatec_usb", options=MappingProxyType({
                        "subdriver": "krauler", "vendorid": "0001", "productid": "0000",
                        "ondelay": "2", "mfr": "KEBO"}))  # fmt: skip
    with structlog.testing.capture_logs() as logs:
        driver = RetiredMegatecUsb(device)
    renamed = next(e for e in logs if e["event"] == "driver.renamed")
    assert (renamed["driver"], renamed["use"], renamed["protocol"]) == (
        "megatec_usb", "nutdrv_qx", "megatec")
    assert driver.device.port == "auto" and driver.options["subdriver"] == "krauler"
    values = await opened(driver)
    assert (values["device.mfr"], values["input.voltage"]) == ("KEBO", "228.0")
    assert isinstance(driver.transport, UsbTransport) and driver.transport.bridge == "krauler"
