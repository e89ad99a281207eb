"""Eaton / MGE UPS SYSTEMS units (and Dell, HP, IBM, AEG ones made by them) over USB
(NUT 2.8.0 mge-hid.c, "MGE HID 1.46").

The table is in _mge_table.py and its conversions in _mge_lookups.py. Here: the
model names, which also give each unit its family (some values are served only
for some families), and the claim: Phoenixtec's 06da:ffff is MGE's only when
its strings name AEG (else it is the liebert subdriver's).
"""

from __future__ import annotations

from nutrio.protocol.devices.hid._mge_lookups import (
    EATON_5P,
    MGE_3S,
    MGE_DEFAULT,
    MGE_DEFAULT_OFFLINE,
    MGE_EVOLUTION_650,
    MGE_EVOLUTION_850,
    MGE_EVOLUTION_1150,
    MGE_EVOLUTION_1550,
    MGE_EVOLUTION_2000,
    MGE_EVOLUTION_S_1250,
    MGE_EVOLUTION_S_1750,
    MGE_EVOLUTION_S_2500,
    MGE_EVOLUTION_S_3000,
    MGE_PEGASUS,
    MGE_PULSAR_M_2200,
    MGE_PULSAR_M_3000,
    MGE_PULSAR_M_3000_XL,
)
from nutrio.protocol.devices.hid._mge_table import MGE_TABLE, MGE_USAGES
from nutrio.protocol.devices.hid.subdriver import (
    Claim,
    ClaimContext,
    DescribeIO,
    DeviceInfo,
    Subdriver,
    Support,
    UsbId,
    supported,
    vendor_format,
)
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable

__all__ = ["MGE", "MODELS"]

MGE_VENDOR, DELL_VENDOR, POWERWARE_VENDOR = 0x0463, 0x047C, 0x0592
HP_VENDOR, AEG_VENDOR, PHOENIXTEC_VENDOR, IBM_VENDOR = 0x03F0, 0x2B2D, 0x06DA, 0x04B3

#: (iProduct, iModel, family, name NUT serves, or None for "iProduct iModel")
MODELS: tuple[tuple[str, str, int, str | None], ...] = (
    ("ELLIPSE", "300", MGE_DEFAULT_OFFLINE, "ellipse 300"),
    ("ELLIPSE", "500", MGE_DEFAULT_OFFLINE, "ellipse 500"),
    ("ELLIPSE", "650", MGE_DEFAULT_OFFLINE, "ellipse 650"),
    ("ELLIPSE", "800", MGE_DEFAULT_OFFLINE, "ellipse 800"),
    ("ELLIPSE", "1200", MGE_DEFAULT_OFFLINE, "ellipse 1200"),
    ("ellipse", "PR500", MGE_DEFAULT_OFFLINE, "ellipse premium 500"),
    ("ellipse", "PR650", MGE_DEFAULT_OFFLINE, "ellipse premium 650"),
    ("ellipse", "PR800", MGE_DEFAULT_OFFLINE, "ellipse premium 800"),
    ("ellipse", "PR1200", MGE_DEFAULT_OFFLINE, "ellipse premium 1200"),
    ("ELLIPSE", "600", MGE_DEFAULT_OFFLINE, "Ellipse 600"),
    ("ELLIPSE", "750", MGE_DEFAULT_OFFLINE, "Ellipse 750"),
    ("ELLIPSE", "1000", MGE_DEFAULT_OFFLINE, "Ellipse 1000"),
    ("ELLIPSE", "1500", MGE_DEFAULT_OFFLINE, "Ellipse 1500"),
    ("Ellipse MAX", "600", MGE_DEFAULT_OFFLINE, None),
    ("Ellipse MAX", "850", MGE_DEFAULT_OFFLINE, None),
    ("Ellipse MAX", "1100", MGE_DEFAULT_OFFLINE, None),
    ("Ellipse MAX", "1500", MGE_DEFAULT_OFFLINE, None),
    ("PROTECTIONCENTER", "420", MGE_DEFAULT_OFFLINE, "Protection Center 420"),
    ("PROTECTIONCENTER", "500", MGE_DEFAULT_OFFLINE, "Protection Center 500"),
    ("PROTECTIONCENTER", "675", MGE_DEFAULT_OFFLINE, "Protection Center 675"),
    ("Protection Station", "500", MGE_PEGASUS, None),
    ("Protection Station", "650", MGE_PEGASUS, None),
    ("Protection Station", "800", MGE_PEGASUS, None),
    ("Ellipse ECO", "650", MGE_PEGASUS, None),
    ("Ellipse ECO", "800", MGE_PEGASUS, None),
    ("Ellipse ECO", "1200", MGE_PEGASUS, None),
    ("Ellipse ECO", "1600", MGE_PEGASUS, None),
    ("3S", "450", MGE_DEFAULT_OFFLINE, None),
    ("3S", "550", MGE_DEFAULT_OFFLINE, None),
    ("3S", "700", MGE_3S, None),
    ("3S", "750", MGE_3S, None),
    ("Evolution", "500", MGE_DEFAULT, "Pulsar Evolution 500"),
    ("Evolution", "800", MGE_DEFAULT, "Pulsar Evolution 800"),
    ("Evolution", "1100", MGE_DEFAULT, "Pulsar Evolution 1100"),
    ("Evolution", "1500", MGE_DEFAULT, "Pulsar Evolution 1500"),
    ("Evolution", "2200", MGE_DEFAULT, "Pulsar Evolution 2200"),
    ("Evolution", "3000", MGE_DEFAULT, "Pulsar Evolution 3000"),
    ("Evolution", "3000XL", MGE_DEFAULT, "Pulsar Evolution 3000 XL"),
    ("Evolution", "650", MGE_EVOLUTION_650, None),
    ("Evolution", "850", MGE_EVOLUTION_850, None),
    ("Evolution", "1150", MGE_EVOLUTION_1150, None),
    ("Evolution", "S 1250", MGE_EVOLUTION_S_1250, None),
    ("Evolution", "1550", MGE_EVOLUTION_1550, None),
    ("Evolution", "S 1750", MGE_EVOLUTION_S_1750, None),
    ("Evolution", "2000", MGE_EVOLUTION_2000, None),
    ("Evolution", "S 2500", MGE_EVOLUTION_S_2500, None),
    ("Evolution", "S 3000", MGE_EVOLUTION_S_3000, None),
    ("Eaton 5P", "650", EATON_5P, "5P 650"),
    ("Eaton 5P", "850", EATON_5P, "5P 850"),
    ("Eaton 5P", "1150", EATON_5P, "5P 1150"),
    ("Eaton 5P", "1550", EATON_5P, "5P 1550"),
    ("PULSAR M", "2200", MGE_PULSAR_M_2200, None),
    ("PULSAR M", "3000", MGE_PULSAR_M_3000, None),
    ("PULSAR M", "3000 XL", MGE_PULSAR_M_3000_XL, None),
    ("EX", "2200", MGE_PULSAR_M_2200, None),
    ("EX", "3000", MGE_PULSAR_M_3000, None),
    ("EX", "3000 XL", MGE_PULSAR_M_3000, None),
    ("PULSAR", "MX4000", MGE_DEFAULT, "Pulsar MX 4000 RT"),
    ("PULSAR", "MX5000", MGE_DEFAULT, "Pulsar MX 5000 RT"),
    ("NOVA AVR", "500", MGE_DEFAULT, "Nova 500 AVR"),
    ("NOVA AVR", "600", MGE_DEFAULT, "Nova 600 AVR"),
    ("NOVA AVR", "625", MGE_DEFAULT, "Nova 625 AVR"),
    ("NOVA AVR", "1100", MGE_DEFAULT, "Nova 1100 AVR"),
    ("NOVA AVR", "1250", MGE_DEFAULT, "Nova 1250 AVR"),
    ("EXtreme", "700C", MGE_DEFAULT, "Pulsar EXtreme 700C"),
    ("EXtreme", "1000C", MGE_DEFAULT, "Pulsar EXtreme 1000C"),
    ("EXtreme", "1500C", MGE_DEFAULT, "Pulsar EXtreme 1500C"),
    ("EXtreme", "1500CCLA", MGE_DEFAULT, "Pulsar EXtreme 1500C CLA"),
    ("EXtreme", "2200C", MGE_DEFAULT, "Pulsar EXtreme 2200C"),
    ("EXtreme", "3200C", MGE_DEFAULT, "Pulsar EXtreme 3200C"),
    ("EX", "700RT", MGE_DEFAULT, "Pulsar EX 700 RT"),
    ("EX", "1000RT", MGE_DEFAULT, "Pulsar EX 1000 RT"),
    ("EX", "1500RT", MGE_DEFAULT, "Pulsar EX 1500 RT"),
    ("EX", "2200RT", MGE_DEFAULT, "Pulsar EX 2200 RT"),
    ("EX", "3200RT", MGE_DEFAULT, "Pulsar EX 3200 RT"),
    ("EX", "5RT31", MGE_DEFAULT, "EX 5 RT 3:1"),
    ("EX", "7RT31", MGE_DEFAULT, "EX 7 RT 3:1"),
    ("EX", "11RT31", MGE_DEFAULT, "EX 11 RT 3:1"),
    ("EX", "5RT", MGE_DEFAULT, "EX 5 RT"),
    ("EX", "7RT", MGE_DEFAULT, "EX 7 RT"),
    ("EX", "11RT", MGE_DEFAULT, "EX 11 RT"),
    ("GALAXY", "3000_10", MGE_DEFAULT, "Galaxy 3000 10 kVA"),
    ("GALAXY", "3000_15", MGE_DEFAULT, "Galaxy 3000 15 kVA"),
    ("GALAXY", "3000_20", MGE_DEFAULT, "Galaxy 3000 20 kVA"),
    ("GALAXY", "3000_30", MGE_DEFAULT, "Galaxy 3000 30 kVA"),
)


def _model(info: DeviceInfo, io: DescribeIO) -> str | None:
    """mge_format_model: iProduct and iModel (or the nominal power), through the names
    above; looking a model up sets its family."""
    if info.vendor_id == DELL_VENDOR:
        return info.product
    product = (info.product or "unknown")[:511]
    model = io.item_string("UPS.PowerSummary.iModel")
    if not model:
        power = io.item_value("UPS.Flow.[4].ConfigApparentPower")
        if power is not None:
            model = f"{int(power)}"
    if not model:
        return info.product
    for name_product, name_model, family, name in MODELS:
        if (name_product, name_model) == (product, model):
            io.scratch["mge_type"] = family
            return name if name is not None else f"{product} {model}"[:511]
    return f"{product} {model}"[:511]


def _names_aeg(info: DeviceInfo) -> bool:
    return "AEG" in (info.vendor or "") or "AEG" in (info.product or "")


def _claim(sub: Subdriver, info: DeviceInfo, ctx: ClaimContext) -> Claim | None:
    answer, _ = supported(sub.ids, info)
    if info.vendor_id == PHOENIXTEC_VENDOR and answer != Support.NOT:
        return Claim() if _names_aeg(info) else None
    if answer == Support.SUPPORTED:
        return Claim()
    if answer == Support.POSSIBLY and ctx.productid_given:
        return Claim()
    return None


MGE = Subdriver(
    name="MGE HID 1.46",
    short="mge",
    ids=(
        UsbId(MGE_VENDOR, 0x0001),
        UsbId(MGE_VENDOR, 0xFFFF),
        UsbId(DELL_VENDOR, 0xFFFF),
        UsbId(POWERWARE_VENDOR, 0x0004),  # Powerware 9140
        UsbId(HP_VENDOR, 0x1FE5),
        UsbId(HP_VENDOR, 0x1FE6),
        UsbId(HP_VENDOR, 0x1FE7),
        UsbId(HP_VENDOR, 0x1FE8),
        UsbId(AEG_VENDOR, 0xFFFF),
        UsbId(PHOENIXTEC_VENDOR, 0xFFFF),  # AEG PROTECT NAS
        UsbId(IBM_VENDOR, 0x0001),
    ),
    usages=UsageTable(MGE_USAGES, POWER_DEVICE, BATTERY_SYSTEM),
    table=MGE_TABLE,
    rule=_claim,
    format_mfr=vendor_format("Eaton"),
    format_model=_model,
)
