"""Report field decoding, as NUT's GetValue/SetValue and libhid do it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.hid import (
    FieldKind,
    HidField,
    get_value,
    set_value,
    to_logical,
    to_physical,
)
from nutrio.protocol.devices.hid.descriptor import hid_descriptor_length
from tests.paths import DATA

VECTORS = DATA / "hid/getvalue-vectors.tsv"


def _field(offset: int, size: int, lo: int, hi: int, **kw: object) -> HidField:
    return HidField(path=(0x00840004,), kind=FieldKind.FEATURE, report_id=0, offset=offset,
                    size=size, logical_min=lo, logical_max=hi, **kw)  # type: ignore[arg-type]


def _vectors() -> list[tuple[str, int, int, int, int, int]]:
    rows = []
    for line in VECTORS.read_text().splitlines()[1:]:
        data, offset, size, lo, hi, expected = line.split("\t")
        rows.append((data, int(offset), int(size), int(lo), int(hi), int(expected)))
    return rows


def test_protocol_hid_does_not_import_trio_or_usb() -> None:
    import nutrio.protocol.devices.hid  # noqa: F401

    for name, module in sys.modules.items():
        if name.startswith("nutrio.protocol.devices.hid"):
            source = Path(str(module.__file__)).read_text()
            assert "import trio" not in source and "import usb" not in source


@pytest.mark.parametrize(("data", "offset", "size", "lo", "hi", "expected"), _vectors())
def test_value_decodes_like_nut_getvaluetest(
    data: str, offset: int, size: int, lo: int, hi: int, expected: int
) -> None:
    assert get_value(bytes.fromhex(data), _field(offset, size, lo, hi)) == expected


def test_all_twenty_nut_vectors_are_checked() -> None:
    assert len(_vectors()) == 20


def test_hid_descriptor_length_is_unsigned_little_endian() -> None:
    # getvaluetest.c: "a9 01" is 425, not -87
    assert hid_descriptor_length(bytes.fromhex("09 21 10 01 21 01 22 a9 01")) == 425
    assert hid_descriptor_length(bytes.fromhex("09 21 10 01 21 01 22 e7 02")) == 743


def test_bits_past_a_short_report_read_as_zero() -> None:
    assert get_value(bytes.fromhex("16 0e"), _field(8, 8, 0, 255)) == 0


def test_value_beyond_logical_max_keeps_low_bits_then_clamps() -> None:
    # APC Back-UPS BF500 case quoted in NUT: garbage above the range's bits is dropped
    assert get_value(bytes.fromhex("00 00 0a 08 80"), _field(0, 32, 0, 0xFFFF)) == 0x0A00
    assert get_value(bytes.fromhex("00 ff"), _field(0, 8, 0, 100)) == 100


@given(
    offset=st.integers(0, 40), size=st.integers(1, 32),
    lo=st.integers(-(2**15), 2**15), span=st.integers(0, 2**16), value=st.integers(-(2**17), 2**17),
)
def test_set_then_get_gives_the_value_clamped_to_the_range(
    offset: int, size: int, lo: int, span: int, value: int
) -> None:
    hi = lo + span
    if (lo < 0 and max(abs(lo), hi + 1).bit_length() + 1 > size) or (lo >= 0 and hi.bit_length() > size):
        return  # the range does not fit the field: not a valid descriptor
    field = _field(offset, size, lo, hi)
    buf = set_value(bytes(12), field, value)
    expected = min(max(value, lo), hi)
    if lo <= value <= hi:
        assert get_value(buf, field) == expected


def test_set_value_leaves_the_other_bits_alone() -> None:
    buf = set_value(bytes.fromhex("16 ff ff"), _field(4, 4, 0, 15), 0)
    assert buf == bytes.fromhex("16 0f ff")


def test_battery_voltage_in_centivolts_reads_in_volts() -> None:
    # BK650M2-CH report 0x26 "46 05": unit volt, exponent 5 -> 10**(5-7)
    field = _field(0, 16, 0, 0xFFFF, unit=0x00F0D121, unit_exponent=5)
    assert f"{to_physical(field, get_value(bytes.fromhex('26 46 05'), field)):.1f}" == "13.5"
    # NUT divides by 0.1 * 0.1 and truncates: 13.5 V goes back as 1349 (same as the C code)
    assert to_logical(field, 13.5) == 1349


def test_unknown_unit_shifts_the_exponent_by_one_like_nut() -> None:
    field = _field(0, 8, 0, 255, unit=0x12345, unit_exponent=0)
    assert to_physical(field, 7) == pytest.approx(70.0)


def test_physical_range_scales_and_clamps() -> None:
    field = _field(0, 8, 0, 100, physical_min=0, physical_max=1000)
    assert to_physical(field, 50) == 500.0
    assert to_logical(field, 500.0) == 50
    zero = _field(0, 8, 0, 100, physical_min=0, physical_max=0)
    assert to_physical(zero, 50) == 50.0
