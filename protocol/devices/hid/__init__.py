"""USB HID Power Device Class: descriptor parsing, value decoding and NUT mapping (usbhid-ups).

Pure: no USB and no trio here. ``actors/drivers/usbhid/`` does the I/O. One module per
NUT 2.8.0 subdriver (drivers/<short>-hid.c), all in :data:`SUBDRIVERS`, in the order
NUT asks them whether they take a device.
"""

from __future__ import annotations

import re

from nutrio.protocol.devices.hid.apc import APC
from nutrio.protocol.devices.hid.arduino import ARDUINO
from nutrio.protocol.devices.hid.belkin import BELKIN
from nutrio.protocol.devices.hid.control import instcmd, setvar
from nutrio.protocol.devices.hid.cps import CPS
from nutrio.protocol.devices.hid.delta_ups import DELTA_UPS
from nutrio.protocol.devices.hid.ecoflow import ECOFLOW
from nutrio.protocol.devices.hid.descriptor import (
    ATTR_CONSTANT,
    INDEX_NODE,
    FieldKind,
    HidField,
    ReportDescriptor,
    parse_descriptor,
)
from nutrio.protocol.devices.hid.ever import EVER
from nutrio.protocol.devices.hid.explore import EXPLORE
from nutrio.protocol.devices.hid.hid2nut import Hid2Nut, HuFlag, Lookup
from nutrio.protocol.devices.hid.idowell import IDOWELL
from nutrio.protocol.devices.hid.legrand import LEGRAND
from nutrio.protocol.devices.hid.liebert import LIEBERT
from nutrio.protocol.devices.hid.mge import MGE
from nutrio.protocol.devices.hid.openups import OPENUPS
from nutrio.protocol.devices.hid.powercom import POWERCOM
from nutrio.protocol.devices.hid.powervar import POWERVAR
from nutrio.protocol.devices.hid.reports import ReportBuffer, ReportIO, ReportUnavailable
from nutrio.protocol.devices.hid.salicru import SALICRU
from nutrio.protocol.devices.hid.session import HidSession, SessionOptions
from nutrio.protocol.devices.hid.status import StatusBits, alarm_texts, status_words
from nutrio.protocol.devices.hid.subdriver import Claim, ClaimContext, DeviceInfo, Subdriver
from nutrio.protocol.devices.hid.tripplite import TRIPPLITE
from nutrio.protocol.devices.hid.usages import STANDARD, UsageTable, path_to_string, string_to_path
from nutrio.protocol.devices.hid.values import get_value, set_value, to_logical, to_physical

__all__ = [
    "APC",
    "ARDUINO",
    "ATTR_CONSTANT",
    "BELKIN",
    "CPS",
    "DELTA_UPS",
    "ECOFLOW",
    "EVER",
    "EXPLORE",
    "IDOWELL",
    "INDEX_NODE",
    "LEGRAND",
    "LIEBERT",
    "MGE",
    "OPENUPS",
    "POWERCOM",
    "POWERVAR",
    "SALICRU",
    "STANDARD",
    "SUBDRIVERS",
    "TRIPPLITE",
    "Claim",
    "ClaimContext",
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
    "claim_subdriver",
    "get_value",
    "instcmd",
    "parse_descriptor",
    "path_to_string",
    "select_subdriver",
    "set_value",
    "setvar",
    "status_words",
    "string_to_path",
    "subdriver_named",
    "to_logical",
    "to_physical",
]

#: NUT 2.8.0's subdriver_list (usbhid-ups.c), in its order: the first to claim wins; and
#: EcoFlow of NUT 2.8.3 where 2.8.3 puts it (``Subdriver.later``: no 2.8.0 oracle).
SUBDRIVERS: tuple[Subdriver, ...] = (
    EXPLORE, MGE, APC, ARDUINO, BELKIN, CPS, DELTA_UPS, ECOFLOW, EVER, IDOWELL, LEGRAND,
    LIEBERT, OPENUPS, POWERCOM, POWERVAR, SALICRU, TRIPPLITE,
)


def claim_subdriver(info: DeviceInfo, ctx: ClaimContext) -> tuple[Subdriver, Claim] | None:
    """The first subdriver that claims the device, with its claim, or None."""
    for sub in SUBDRIVERS:
        claim = sub.claim(info, ctx)
        if claim is not None:
            return sub, claim
    return None


def select_subdriver(info: DeviceInfo, *, productid_given: bool = False,
                     explore: bool = False) -> Subdriver | None:
    """The first subdriver that claims the device, or None."""
    found = claim_subdriver(info, ClaimContext(productid_given, explore))
    return None if found is None else found[0]


def subdriver_named(name: str) -> Subdriver | None:
    """The ``subdriver`` option (NUT 2.8.1): nutrio's short name ("cps"), else NUT's rules:
    the exact name ("CyberPower HID 0.6"), then a case-insensitive regular expression on
    the whole name, as given and then with ".*" added ("cyberpower" finds it)."""
    for sub in SUBDRIVERS:
        if name.lower() == sub.short or name == sub.name:
            return sub
    patterns = [name] if name.endswith(".*") else [name, f"{name}.*"]
    for pattern in patterns:
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except re.error:
            continue
        for sub in SUBDRIVERS:
            if regex.fullmatch(sub.name):
                return sub
    return None
