"""C's sscanf and float rounding: hypothesis against the C library itself (through ctypes)."""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import struct

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nutrio.protocol.common.cfloat import c_div, c_printf, f32, f32_from_text
from nutrio.protocol.common.cscan import c_sscanf

LIBC = ctypes.CDLL(ctypes.util.find_library("c"))
#: the formats nutrio's drivers scan with (powerpanel's replies, powercom's options)
FORMATS = ("#I%fO%fL%dB%dT%dF%fS%2c\r", "#I%fO%fL%dB%dF%fR%dS%2c\r",
           "{{%u,%x},{%u,%x},{%u,%x}}", "{{%hhu,%hhu},%c}", "{%f,%f,%f,%f}")


def libc_sscanf(fmt: str, text: str) -> list[object]:
    """What the C library stores for ``fmt`` (up to the count it returns)."""
    kinds = _kinds(fmt)
    slots = [_slot(kind) for kind in kinds]
    count = LIBC.sscanf(text.encode("latin-1"), fmt.encode("latin-1"),
                        *[ctypes.byref(slot) for slot in slots])
    return [_value(kind, slot) for kind, slot in zip(kinds, slots, strict=True)][: max(count, 0)]


def _kinds(fmt: str) -> list[str]:
    out = []
    for part in fmt.split("%")[1:]:
        if part.startswith("hhu"):
            out.append("b")
        elif part[:1].isdigit() and part[1] == "c":
            out.append(f"c{part[0]}")
        elif part[:1] in "duxf" or part.startswith("c"):
            out.append(part[0] if part[0] != "c" else "c1")
    return out


def _slot(kind: str) -> ctypes._SimpleCData | ctypes.Array[ctypes.c_char]:  # type: ignore[type-arg]
    if kind.startswith("c"):
        return ctypes.create_string_buffer(int(kind[1:]))
    return {"d": ctypes.c_int(), "u": ctypes.c_uint(), "x": ctypes.c_uint(),
            "f": ctypes.c_float(), "b": ctypes.c_ubyte()}[kind]


def _value(kind: str, slot: object) -> object:
    if kind.startswith("c"):
        return slot.value.decode("latin-1")  # type: ignore[attr-defined]
    return slot.value  # type: ignore[attr-defined]


def same(mine: list[object], theirs: list[object]) -> bool:
    if len(mine) != len(theirs):
        return False
    return all(a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))  # type: ignore[arg-type]
               for a, b in zip(mine, theirs, strict=True))


def test_examples() -> None:
    reply = "#I119.0O119.0L000B100T027F060.0S\x80\x7f\r"
    assert c_sscanf("#I%fO%fL%dB%dT%dF%fS%2c\r", reply) == [
        119.0, 119.0, 0, 100, 27, 60.0, "\x80\x7f"]
    assert c_sscanf("#I%fO%fL%dB%dF%fR%dS%2c\r", reply) == [119.0, 119.0, 0, 100]
    assert c_sscanf("{{%hhu,%hhu},%c}", "{{1,300},y}") == [1, 44, "y"]
    assert c_sscanf("{{%u,%x},{%u,%x},{%u,%x}}", "{{5, 0x80},{7,0},{8,0}}") == [5, 128, 7, 0, 8, 0]
    assert c_sscanf("%f%c", "1ex") == [1.0, "x"] and c_sscanf("%f", "0xg") == [] and c_sscanf("%d%c", "-7x") == [-7, "x"]


@pytest.mark.parametrize("fmt", FORMATS)
@given(st.data())
def test_counts_and_values_are_the_c_librarys(fmt: str, data: st.DataObject) -> None:
    pieces = st.sampled_from([*"#IOLBTFRS{},.-+eExX0123456789 \r\x80yn", "0x1f", "1e5", "inf",
                              "nan", "119.0", "4294967297", "-1"])
    text = "".join(data.draw(st.lists(pieces, max_size=24)))
    if data.draw(st.booleans()):  # mostly well formed, then cut or changed
        text = _sample(fmt, data)[: data.draw(st.integers(0, 60))] + text
    assert same(c_sscanf(fmt, text), libc_sscanf(fmt, text)), text


def _sample(fmt: str, data: st.DataObject) -> str:
    out = fmt.replace("%2c", data.draw(st.sampled_from(["\x80\x7f", "ab", "\r\r"])))
    for spec in ("%f", "%d", "%hhu", "%u", "%x", "%c"):
        while spec in out:
            word = data.draw(st.sampled_from(["12.5", "-3", "0", "255", "0x4b", "y", "1e-2"]))
            out = out.replace(spec, word, 1)
    return out


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_f32_is_a_c_float_store(value: float) -> None:
    stored = ctypes.c_float(value).value
    if math.isinf(f32(value)):
        assert abs(value) >= 3.4028235677973366e38
    else:
        assert f32(value) == stored


@given(st.from_regex(r"-?[0-9]{1,12}\.?[0-9]{0,12}(e-?[0-9]{1,2})?", fullmatch=True))
@example("16777217")
@example("1.00000005960464477539062500000000001")
def test_decimal_text_rounds_to_the_nearest_float_as_strtof(text: str) -> None:
    LIBC.strtof.restype = ctypes.c_float
    assert f32_from_text(text) == LIBC.strtof(text.encode(), None)


def test_division_and_printing_as_c() -> None:
    assert c_div(1.0, 0.0) == math.inf and c_div(-2.0, 0.0) == -math.inf
    assert struct.pack(">d", c_div(0.0, 0.0))[0] & 0x80  # x86's default NaN is negative
    assert [c_printf("%03.1f", v) for v in (c_div(0.0, 0.0), math.inf, 5.0, -0.04)] == [
        "-nan", "inf", "5.0", "-0.0"]
    assert c_printf("%02.2f", 4807.0 / 60) == "80.12" and c_printf("%8.1f", math.inf) == "     inf"
