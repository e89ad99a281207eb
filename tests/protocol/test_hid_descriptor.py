"""Report descriptors parse as NUT's hidparser parses them: real recordings and synthetic ones."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutrio.protocol.devices.hid import (
    APC,
    CPS,
    MGE,
    STANDARD,
    FieldKind,
    HidSession,
    SessionOptions,
    get_value,
    parse_descriptor,
    path_to_string,
    string_to_path,
    to_physical,
)
from tests.drivers.hid import builder as hb
from tests.drivers.hid.recordings import (
    RecordedIO,
    descriptor,
    load,
    nut_explore_lines,
    synthetic_ups,
)

BK650_DUMP = "APC__APC__Back-UPS_BK650M2-CH__usbhid-ups__2.8.0__01.dev"

REAL = {
    "apc_bk650m2.hex": (743, None),
    "apc_backups_rs1000g.hex": (1133, "af9a587a6661c286"),
    "cps_ec850lcd.hex": (496, "67d87aad3ef7c1b5"),
    "santak_tgbox850.hex": (926, None),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_descriptor_is_intact_and_parses(name: str) -> None:
    raw = descriptor(name)
    length, digest = REAL[name]
    assert len(raw) == length
    if digest is not None:
        assert hashlib.sha256(raw).hexdigest()[:16] == digest
    desc = parse_descriptor(raw)
    assert desc.find(string_to_path("UPS.PowerSummary.RemainingCapacity") or ()) is not None
    for field in desc.fields:
        assert field.path[0] == 0x00840004  # everything sits under UPS
        assert field.offset + field.size <= 8 * (desc.report_length(field.report_id) - 1)


def test_bk650_has_the_71_objects_nut_found() -> None:
    desc = parse_descriptor(descriptor("apc_bk650m2.hex"))
    assert len(desc.fields) == 71  # "[D1] 71 HID objects found"
    # NUT 2.8.0: "LogMax is less than LogMin ... interpreting LogMax -1 as 255" for these reports
    assert [w[:11] for w in desc.warnings] == ["report 0x0c", "report 0x22", "report 0x40"]
    assert all(f.logical_max == 255 for f in desc.fields if f.report_id in (0x0C, 0x22, 0x40))


def test_bk650_fields_match_nut_explore_output() -> None:
    desc = parse_descriptor(descriptor("apc_bk650m2.hex"))
    mine = {
        (path_to_string(f.path, STANDARD), f.kind.name.title(), f"0x{f.report_id:02x}",
         str(f.offset), str(f.size))
        for f in desc.fields
    }
    nut = {(r["Path"], r["Type"], r["ReportID"], r["Offset"], r["Size"])
           for r in nut_explore_lines(BK650_DUMP)}
    assert nut  # the dump holds the explore lines
    assert nut <= mine
    assert {p for p in mine if "ffff00ff" not in p[0]} - nut == set()


def test_bk650_values_match_nut_explore_output() -> None:
    rec = load("apc_bk650m2")
    desc = parse_descriptor(rec.descriptor)
    checked = 0
    for row in nut_explore_lines(BK650_DUMP):
        if "Value" not in row or row["ReportID"] == "0xe3":
            continue
        field = next(
            f for f in desc.fields
            if path_to_string(f.path, STANDARD) == row["Path"] and f.kind.name.title() == row["Type"]
        )
        report = rec.feature_reports[field.report_id].ljust(desc.report_length(field.report_id), b"\0")
        assert to_physical(field, get_value(report, field)) == pytest.approx(float(row["Value"]))
        checked += 1
    assert checked > 50


def test_vendor_names_come_from_the_subdriver_table() -> None:
    desc = parse_descriptor(descriptor("apc_bk650m2.hex"))
    names = {path_to_string(f.path, APC.usages) for f in desc.fields}
    assert "UPS.Input.APCSensitivity" in names
    assert "UPS.APCGeneralCollection.APCDelayBeforeReboot" in names


def test_mge_collection_indexes_become_path_nodes() -> None:
    desc = parse_descriptor(descriptor("santak_tgbox850.hex"))
    names = {path_to_string(f.path, MGE.usages) for f in desc.fields}
    assert "UPS.Flow.[4].ConfigApparentPower" in names
    assert "UPS.OutletSystem.Outlet.[2].PresentStatus.SwitchOn/Off" in names
    assert "UPS.HistorySystem.Event.[5].Code" in names


def test_cps_voltage_fix_applies_only_to_the_broken_pattern() -> None:
    from nutrio.protocol.devices.hid import DeviceInfo

    desc = parse_descriptor(descriptor("cps_ec850lcd.hex"))
    info = DeviceInfo(vendor_id=0x0764, product_id=0x0501)
    # EC850LCD's output voltage range (0..300) is not the transfer point's: left alone
    assert CPS.fix_descriptor(desc, info) is desc
    b = hb.DescriptorBuilder().usage_page(hb.POWER_DEVICE)
    with b.collection(0x04, hb.APPLICATION):
        with b.collection(0x1A):
            b.report(0x0F, size=16).logical(170, 270).usage(0x30).feature()
            b.report(0x10, size=16).logical(170, 270).usage(0x54).feature()
        with b.collection(0x1C):
            b.report(0x12, size=16).logical(170, 270).usage(0x30).feature()
    broken = parse_descriptor(b.build())
    fixed = CPS.fix_descriptor(broken, info)
    ranges = [(f.report_id, f.logical_min, f.logical_max) for f in fixed.fields]
    # NUT 2.8.0 logs that it fixes the input voltage (0x0F) too, but only sets the output's
    assert ranges == [(0x0F, 170, 270), (0x10, 170, 270), (0x12, 0, 511)]
    session = HidSession(broken, CPS, info, RecordedIO(synthetic_ups()),
                         SessionOptions(disable_fix_report_desc=True))
    assert session.descriptor is broken  # disable_fix_report_desc (NUT 2.8.1)
    assert HidSession(broken, CPS, info, RecordedIO(synthetic_ups())).descriptor == fixed


def test_usages_run_out_and_padding_still_takes_bits() -> None:
    b = hb.DescriptorBuilder().usage_page(hb.POWER_DEVICE)
    with b.collection(0x04, hb.APPLICATION):
        b.report(1, size=4, count=3).logical(0, 15).usage(0x30).feature()  # one usage, three fields
        b.usage(0x31).size(8).count(1).feature()
    desc = parse_descriptor(b.build())
    assert [(path_to_string(f.path), f.offset) for f in desc.fields] == [
        ("UPS.Voltage", 0), ("UPS.Current", 12)
    ]


def test_offsets_count_per_report_and_type() -> None:
    b = hb.DescriptorBuilder().usage_page(hb.POWER_DEVICE)
    with b.collection(0x04, hb.APPLICATION):
        b.report(1).logical(0, 255).usage(0x30).input().usage(0x31).feature().usage(0x32).input()
        b.report(2).usage(0x33).input()
    offsets = [(f.report_id, f.kind, f.offset) for f in parse_descriptor(b.build()).fields]
    assert offsets == [(1, FieldKind.INPUT, 0), (1, FieldKind.FEATURE, 0), (1, FieldKind.INPUT, 8),
                       (2, FieldKind.INPUT, 0)]


def test_extended_usage_long_item_and_exponent_nibble() -> None:
    b = hb.DescriptorBuilder().usage_page(hb.POWER_DEVICE)
    with b.collection(0x04, hb.APPLICATION):
        b.long_item(b"\x01\x02\x03")
        b.report(3, size=16).logical(0, 1000).unit(0x00F0D121, 0x0E)
        b.usage(0x0061, page=0xFF86).feature()
    (field,) = parse_descriptor(b.build()).fields
    assert field.path == (0x00840004, 0xFF860061)
    assert field.unit_exponent == -2
    assert path_to_string(field.path, APC.usages) == "UPS.APCSensitivity"


def test_negative_logical_minimum_is_signed() -> None:
    b = hb.DescriptorBuilder().usage_page(hb.POWER_DEVICE)
    with b.collection(0x04, hb.APPLICATION):
        b.report(5, size=16).logical(-1, 0x7FFF).usage(0x57).feature()
    (field,) = parse_descriptor(b.build()).fields
    assert (field.logical_min, field.logical_max) == (-1, 0x7FFF)
    assert get_value(bytes.fromhex("05 ff ff"), field) == -1


def test_string_paths_round_trip() -> None:
    path = string_to_path("UPS.Flow.[4].ff860042", MGE.usages)
    assert path == (0x00840004, 0x0084001E, 0x00FF0004, 0xFF860042)
    assert path_to_string(path or (), MGE.usages) == "UPS.Flow.[4].ff860042"
    # NUT leaves out a part it cannot read ("couldn't parse"): the path gets shorter
    assert string_to_path("UPS.NoSuchThing") == (0x00840004,)
    assert string_to_path("UPS.Flow.0xffff0097") == (0x00840004, 0x0084001E)
    assert string_to_path("NoSuchThing.0xNothing") is None


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_any_bytes_parse_without_error(raw: bytes) -> None:
    desc = parse_descriptor(raw)
    for field in desc.fields:
        assert field.size >= 0 and field.offset >= 0


@given(st.lists(st.sampled_from(list(descriptor("apc_bk650m2.hex"))), max_size=200))
def test_shuffled_real_items_parse_without_error(items: list[int]) -> None:
    parse_descriptor(bytes(items))
