"""NUT 2.8.0's choice of USB bridge for a Megatec/Q1 UPS, and its rule for USB or serial."""

from __future__ import annotations

import pytest

from nutrio.protocol.devices.megatec.usb_ids import (
    BLAZER_USB_IDS,
    QX_USB_IDS,
    bridge_usb_ids,
    known_ids,
    pick_bridge,
    wants_usb,
)


@pytest.mark.parametrize(("ids", "vendor", "product", "bridge"), [
    ((0x0665, 0x5161), "Cypress Semiconductor", "USB to Serial", "cypress"),
    ((0x06DA, 0x0002), "Phoenixtec Power", "USB Cable (V2.00)", "phoenixtec"),
    ((0x06DA, 0x0002), "PHOENIXTEC POWER", "usb cable (v2.00)", "phoenixtec"),  # any case
    ((0x06DA, 0x0002), "ONEAC", "USB Cable (V2.00)", "cypress"),
    ((0x06DA, 0x0003), None, None, "ippon"),
    ((0x0001, 0x0000), "MEC", "MEC0003", "fabula"),
    ((0x0001, 0x0000), None, "MEC0003", "hunnox"),  # the DigiTECH capture: no manufacturer
    ((0x0001, 0x0000), "ATCL FOR UPS", "ATCL FOR UPS", "fuji"),
    ((0x0001, 0x0000), None, "010937", "krauler"),
    ((0x0001, 0x0000), None, None, "krauler"),
    ((0xFFFF, 0x0000), None, None, "ablerex"),
    ((0x0925, 0x1234), None, None, "armac"),
    ((0x0483, 0x0035), None, None, "sgs"),
    ((0x14F0, 0x00C9), None, None, "phoenix"),
    ((0x0665, 0x5162), None, None, None),
])  # fmt: skip
def test_nutdrv_qx_picks_the_first_row_the_device_fits(
        ids: tuple[int, int], vendor: str | None, product: str | None, bridge: str | None) -> None:
    assert pick_bridge(QX_USB_IDS, *ids, vendor, product) == bridge


def test_blazer_usb_has_its_own_smaller_table() -> None:
    assert pick_bridge(BLAZER_USB_IDS, 0x0001, 0x0000, "MEC", "MEC0003") == "krauler"
    assert pick_bridge(BLAZER_USB_IDS, 0xFFFF, 0x0000) == "krauler"
    assert pick_bridge(BLAZER_USB_IDS, 0x0483, 0x0035) is None
    assert known_ids(QX_USB_IDS, 0x0001, 0x0000) and not known_ids(BLAZER_USB_IDS, 0x0925, 0x1234)


def test_each_bridge_lists_the_ids_that_pick_it_once() -> None:
    assert bridge_usb_ids(QX_USB_IDS, "krauler") == ("1cb0:0035", "0001:0000")
    assert bridge_usb_ids(QX_USB_IDS, "phoenix") == ("06da:0601", "14f0:00c9")
    assert bridge_usb_ids(QX_USB_IDS, "nope") == ()


def test_usb_when_the_port_is_auto_or_a_usb_option_is_set() -> None:
    assert wants_usb("auto", {}) and wants_usb("Auto", {})
    assert wants_usb("/dev/ttyUSB0", {"VendorID": "0665"})
    assert wants_usb("/dev/ttyS0", {"langid_fix": "0x4095"})
    assert not wants_usb("/dev/ttyS0", {"device": "004", "busport": "002", "protocol": "q1"})
