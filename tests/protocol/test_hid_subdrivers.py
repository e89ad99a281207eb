"""The subdrivers of NUT 2.8.0 (protocol/devices/hid): who claims what, the settings a
claim carries, and conversions the lab tests cannot reach (or must not compare)."""

from __future__ import annotations

import time

import pytest

from nutrio.protocol.devices.hid import (
    SUBDRIVERS,
    ClaimContext,
    DeviceInfo,
    claim_subdriver,
    subdriver_named,
)
from nutrio.protocol.devices.hid.usages import string_to_path
from tests.usblab.dumpsim import SearchConv


def picks(vid: int, pid: int, *, productid: bool = False, explore: bool = False,
          vendor: str | None = None, product: str | None = None) -> str | None:
    info = DeviceInfo(vendor_id=vid, product_id=pid, vendor=vendor, product=product)
    found = claim_subdriver(info, ClaimContext(productid, explore))
    return None if found is None else found[0].short


def settings(vid: int, pid: int, product: str | None = None) -> dict[str, object]:
    found = claim_subdriver(DeviceInfo(vendor_id=vid, product_id=pid, product=product),
                            ClaimContext())
    assert found is not None
    return dict(found[1].settings)


def test_nut_2_8_0_order_and_names() -> None:
    assert [s.short for s in SUBDRIVERS if s.later is None] == [
        "explore", "mge", "apc", "arduino", "belkin", "cps", "delta_ups", "ever", "idowell",
        "legrand", "liebert", "openups", "powercom", "powervar", "salicru", "tripplite"]
    assert [s.short for s in SUBDRIVERS][6:9] == ["delta_ups", "ecoflow", "ever"]  # as 2.8.3
    assert {s.version_data for s in SUBDRIVERS} >= {
        "TrippLite HID", "Belkin/Liebert HID", "Phoenixtec/Liebert HID", "PowerCOM HID"}


@pytest.mark.parametrize(("vid", "pid", "extra", "expected"), [
    (0x051D, 0x0002, {}, "apc"),
    (0x0463, 0xFFFF, {}, "mge"),
    (0x047C, 0xFFFF, {}, "mge"),  # Dell
    (0x06DA, 0xFFFF, {}, "liebert"),  # Phoenixtec: MGE's only when it says AEG
    (0x06DA, 0xFFFF, {"vendor": "AEG"}, "mge"),
    (0x06DA, 0xFFFF, {"product": "PROTECT NAS AEG"}, "mge"),
    (0x06DA, 0x1234, {"product": "AEG"}, "mge"),  # even possibly supported, no productid
    (0x06DA, 0x1234, {}, None),
    (0x050D, 0x0218, {"productid": True}, None),  # a Belkin USB hub
    (0x050D, 0x1234, {"productid": True}, "belkin"),
    (0x10AF, 0x0002, {}, None),  # Liebert PSI5: possibly supported only
    (0x0D9F, 0x0002, {"productid": True}, None),  # PowerCOM serial bridge: powercom driver
    (0x09AE, 0x0001, {"productid": True}, None),  # old Tripp Lite: tripplite_usb
    (0x09AE, 0x9999, {"productid": True}, "tripplite"),
    (0x03F0, 0x1F08, {}, "tripplite"),  # HP T1000
    (0x03F0, 0x1FE5, {}, "mge"),  # HP RT3000
    (0x03F0, 0x9999, {"productid": True}, "mge"),  # HP: MGE asks first
    (0x05DD, 0x041B, {}, "delta_ups"),
    (0x05DD, 0xA011, {}, "tripplite"),
    (0x2E66, 0x0201, {}, "salicru"),
    (0x2E66, 0x0302, {}, None),
    (0x2E66, 0x0302, {"productid": True}, "salicru"),
    (0x1234, 0x5678, {"explore": True}, "explore"),  # explore takes anything, first
    (0x051D, 0x0002, {"explore": True}, "explore"),
])
def test_claims(vid: int, pid: int, extra: dict[str, object], expected: str | None) -> None:
    assert picks(vid, pid, **extra) == expected  # type: ignore[arg-type]


def test_claims_carry_the_quirks_nut_sets_in_globals() -> None:
    assert settings(0x051D, 0x0003) == {"pollonly": True}
    assert settings(0x051D, 0x0002, "Back-UPS CS 500") == {"max_report": True}
    assert settings(0x051D, 0x0002, "Back-UPS ES 850G2") == {"max_report": False}
    assert settings(0x0D9F, 0x0001) == {"interrupt_only": True, "interrupt_size": 8}
    assert settings(0x0D9F, 0x0004) == {}
    assert settings(0x2341, 0x8036) == {"interface": 2, "ep_in": 4}
    assert settings(0x4234, 0x0002) == {"interface": 1}
    assert settings(0x1CB0, 0x0038) == {"pollonly": True}
    assert settings(0x0764, 0x0501) == {"cps_might_scale": True}
    assert settings(0x09AE, 0x3016)["tl_battery"] == 100000.0
    assert settings(0x09AE, 0x2010)["tl_battery"] == 0.1
    assert settings(0x04D8, 0xD005)["openups_vin"] == 0.1


@pytest.mark.parametrize(("name", "expected"), [
    ("cps", "cps"), ("CyberPower HID 0.6", "cps"), ("cyberpower", "cps"), ("tripplite.*", "tripplite"),
    ("APC HID", "apc"), ("Phoenixtec", "liebert"), ("Belkin", "belkin"), ("nosuch", None),
])
def test_the_subdriver_option_names_one(name: str, expected: str | None) -> None:
    found = subdriver_named(name)
    assert (found.short if found else None) == expected


def test_mge_date_and_time_are_written_as_asked() -> None:
    """NUT 2.8.0 leaves tm_isdst unset before mktime (one hour off on some builds):
    nutrio writes the local time it is given."""
    from nutrio.protocol.devices.hid._mge_table import MGE_TABLE

    row = next(r for r in MGE_TABLE if r.var == "ups.time")
    assert row.lookup is not None
    conv = SearchConv({"ups.date": "2021/02/03", "ups.time": "12:00:00"}, {})
    seconds = row.lookup.to_hid("13:18:30", conv)
    assert time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(seconds)) == "2021/02/03 13:18:30"
    assert row.lookup.to_nut(seconds, conv) == "13:18:30"


def test_powercom_timers_pack_minutes_and_seconds() -> None:
    from nutrio.protocol.devices.hid import POWERCOM

    rows = {r.var: r for r in POWERCOM.table if r.path.endswith("PowerSummary.DelayBeforeShutdown")}
    conv = SearchConv({"ups.delay.shutdown": "90"}, {})
    shutdown = rows["shutdown.return"].lookup
    assert shutdown is not None
    assert shutdown.to_hid(None, conv) == ((30 << 8) + 1) | 0x4000  # 1 min 30 s, come back
    assert shutdown.to_nut(((30 << 8) + 1), conv) == "90"
    stayoff = rows["shutdown.stayoff"].lookup
    assert stayoff is not None and stayoff.to_hid("0", conv) == (1 << 8) | 0x8000


def test_a_path_part_nut_cannot_read_is_left_out() -> None:
    from nutrio.protocol.devices.hid import IDOWELL

    assert string_to_path("UPS.PowerConverter.PowerConverterID", IDOWELL.usages) == (
        0x00840004, 0x00840016, 0x00840017)
    assert string_to_path("UPS.Flow.0xffff0097") == (0x00840004, 0x0084001E)


class _UnitIO:
    """ReportIO over a built unit's reports (no USB)."""

    def __init__(self, ups: object) -> None:
        self.ups = ups

    def get_report(self, report_id: int, length: int) -> bytes:
        return self.ups.reports[report_id][:length]  # type: ignore[attr-defined,no-any-return]

    def set_report(self, report_id: int, data: bytes) -> None:
        self.ups.reports[report_id] = bytes(data)  # type: ignore[attr-defined]

    def string(self, index: int) -> str:
        return self.ups.strings.get(index, "")  # type: ignore[attr-defined,no-any-return]


def test_ecoflow_of_nut_2_8_3_serves_its_runtime_in_seconds() -> None:
    """No 2.8.0 usbhid-ups knows EcoFlow (NUT 2.8.3's table): checked against its table."""
    from nutrio.protocol.devices.dummy.devfile import DeviceVars
    from nutrio.protocol.devices.hid import ECOFLOW, HidSession, parse_descriptor
    from tests.usblab.dumpsim import spec_from_dump
    from tests.usblab.hidups import build

    assert picks(0x3746, 0xFFFF) == "ecoflow" and ECOFLOW.later == "2.8.3"
    sim = spec_from_dump({"ups.vendorid": "3746", "ups.productid": "ffff", "device.mfr": "EcoFlow",
                          "device.model": "RIVER 2", "battery.charge": "80",
                          "battery.runtime": "5400", "ups.status": "OL CHRG"}, ECOFLOW)
    ups = build(sim.spec)
    state = DeviceVars()
    info = DeviceInfo(vendor_id=0x3746, product_id=0xFFFF, vendor="EcoFlow", product="RIVER 2")
    session = HidSession(parse_descriptor(ups.report_descriptor), ECOFLOW, info, _UnitIO(ups))
    session.start(state, 100.0)
    session.update(state, 100.0)
    assert ups.get("UPS.PowerSummary.RunTimeToEmpty") == 90  # minutes on the wire
    assert (state.get("battery.runtime"), state.get("battery.charge")) == ("5400", "80")
    assert (state.get("ups.status"), state.get("driver.version.data")) == (
        "OL CHRG", "EcoFlow HID 0.01")
