"""USB HID Power Device Class: descriptor parsing, value decoding and NUT mapping (usbhid-ups).

Pure: no USB and no trio here. ``actors/drivers/usbhid.py`` does the I/O.
"""

from __future__ import annotations

from nutrio.protocol.devices.hid.apc import APC
from nutrio.protocol.devices.hid.cps import CPS
from nutrio.protocol.devices.hid.descriptor import (
    ATTR_CONSTANT,
    INDEX_NODE,
    FieldKind,
    HidField,
    ReportDescriptor,
    parse_descriptor,
)
from nutrio.protocol.devices.hid.explore import EXPLORE
from nutrio.protocol.devices.hid.hid2nut import Hid2Nut, HuFlag, Lookup
from nutrio.protocol.devices.hid.mge import MGE
from nutrio.protocol.devices.hid.reports import ReportBuffer, ReportIO, ReportUnavailable
from nutrio.protocol.devices.hid.session import HidSession, SessionOptions
from nutrio.protocol.devices.hid.status import StatusBits, alarm_texts, status_words
from nutrio.protocol.devices.hid.subdriver import DeviceInfo, Subdriver
from nutrio.protocol.devices.hid.usages import STANDARD, UsageTable, path_to_string, string_to_path
from nutrio.protocol.devices.hid.values import get_value, set_value, to_logical, to_physical

__all__ = [
    "APC",
    "ATTR_CONSTANT",
    "CPS",
    "EXPLORE",
    "INDEX_NODE",
    "MGE",
    "STANDARD",
    "SUBDRIVERS",
    "DeviceInfo",
    "FieldKind",
    "Hid2Nut",
    "HidField",
    "HidSession",
    "HuFlag",
    "Lookup",
    "ReportBuffer",
    "ReportDescriptor",
    "ReportIO",
    "ReportUnavailable",
    "SessionOptions",
    "StatusBits",
    "Subdriver",
    "UsageTable",
    "alarm_texts",
    "get_value",
    "parse_descriptor",
    "path_to_string",
    "select_subdriver",
    "set_value",
    "status_words",
    "string_to_path",
    "to_logical",
    "to_physical",
]

#: In NUT's order (usbhid-ups.c subdriver_list, the ones nutrio has).
SUBDRIVERS: tuple[Subdriver, ...] = (MGE, APC, CPS)


def select_subdriver(info: DeviceInfo, *, productid_given: bool = False) -> Subdriver | None:
    """The first subdriver that claims the device, or None."""
    return next((s for s in SUBDRIVERS if s.claim(info, productid_given=productid_given)), None)
