"""`nutrio conf import` of ups.conf sections naming drivers NUT retired for nutdrv_qx protocols."""

from __future__ import annotations

from pathlib import Path

import pytest

from nutrio.conf.nut.importer import import_files

UPS_CONF = b"""\
[old]
    port = /dev/ttyS0
    mfr = Fenton
    ondelay = 3
    battvolts = 21.0:27.2
    sendpace = 100
    driver = megatec
[best]
    driver = bestups
    port = /dev/ttyS1
    ID = FOR,750,120,120,20.0,27.6
    nombattvolt = 24
    protocol = bestups
[fent]
    driver = fentonups
    port = /dev/ttyS2
    offdelay = 30
[must]
    driver = mustek
    port = /dev/ttyS3
[power]
    driver = powermust
    port = /dev/ttyS4
[today]
    driver = nutdrv_qx
    port = /dev/ttyS5
    ondelay = 3
"""


@pytest.fixture
def result():  # type: ignore[no-untyped-def]
    return import_files({"ups.conf": UPS_CONF}, Path("/etc/nut"))


def test_retired_names_become_nutdrv_qx_with_the_protocol_nut_moved_them_to(result) -> None:
    devices = result.config.devices
    assert {name: dev.driver for name, dev in devices.items()} == dict.fromkeys(devices, "nutdrv_qx")
    assert {name: dev.options.get("protocol") for name, dev in devices.items()} == {
        "old": "megatec", "best": "bestups", "fent": "megatec", "must": "megatec",
        "power": "megatec", "today": None,
    }
    driver_lines = {e.line: e for e in result.report if e.directive == "driver"}
    assert driver_lines[7].status == "approximated"
    assert "megatec driver is retired" in driver_lines[7].note
    assert "nutdrv_qx, protocol megatec" in driver_lines[7].note
    assert driver_lines[25].status == "converted"  # nutdrv_qx itself


def test_the_old_drivers_options_move_to_nutdrv_qx_ones_and_the_rest_is_reported(result) -> None:
    old = result.config.devices["old"].options
    assert old == {
        "override.device.mfr": "Fenton", "ondelay": "180", "default.battery.voltage.low": "21.0",
        "default.battery.voltage.high": "27.2", "protocol": "megatec",
    }
    report = {e.line: e for e in result.report}
    assert report[4].status == "approximated" and "minutes" in report[4].note
    assert report[6].status == "unsupported"  # sendpace
    assert report[11].status == "unsupported"  # bestups' ID
    best = result.config.devices["best"].options
    assert best == {"default.battery.voltage.nominal": "24", "protocol": "bestups"}
    # only the retired megatec driver counted its delays in minutes
    assert result.config.devices["fent"].options["offdelay"] == "30"
    assert result.config.devices["today"].options["ondelay"] == "3"
    assert report[17].status == report[27].status == "converted"


def test_megatec_usb_becomes_nutdrv_qx_on_usb_with_its_bridge_renamed() -> None:
    # the Dynamix UPS-1000VA dump's section, as NUT 2.4 wrote it, plus a blazer_usb one
    conf = (b"[dyn]\n    driver = megatec_usb\n    port = /dev/usb/hiddev0\n"
            b"    subdriver = krauler\n    vendorid = 0001\n    productid = 0000\n    ondelay = 2\n"
            b"[agiler]\n    driver = megatec_usb\n    port = auto\n    subdriver = agiler\n"
            b"[bz]\n    driver = blazer_usb\n    port = auto\n    subdriver = ippon\n"
            b"    vendorid = 06da\n    productid = 0003\n")
    result = import_files({"ups.conf": conf}, Path("/etc/nut"))
    devices = result.config.devices
    assert (devices["dyn"].driver, devices["dyn"].port) == ("nutdrv_qx", "auto")
    assert devices["dyn"].options == {"subdriver": "krauler", "vendorid": "0001",
                                      "productid": "0000", "ondelay": "120",
                                      "protocol": "megatec"}
    # without both ids nutdrv_qx takes no bridge: its table picks one
    assert devices["agiler"].options == {"protocol": "megatec"}
    assert (devices["bz"].driver, dict(devices["bz"].options)) == (
        "blazer_usb", {"subdriver": "ippon", "vendorid": "06da", "productid": "0003"})
    report = {(e.line, e.directive): e for e in result.report}
    assert report[(2, "driver")].status == "approximated"
    assert "megatec_usb driver is retired" in report[(2, "driver")].note
    assert report[(3, "port")].status == "approximated" and "USB" in report[(3, "port")].note
    assert report[(4, "subdriver")].status == "approximated"
    assert "krauler" in report[(4, "subdriver")].note
    assert report[(11, "subdriver")].status == "unsupported"
    assert "vendorid and productid" in report[(11, "subdriver")].note
