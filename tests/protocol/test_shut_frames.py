"""SHUT packets and descriptors (protocol/devices/shut/frames.py): the bytes NUT 2.8.0's
libshut.c puts on the line (its debug output at -DDDDD shows them, e.g. the HID
descriptor request "81 88 81 06 00 21 00 00 09 00 af")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.shut import (
    DESCRIPTOR_HID,
    DESCRIPTOR_STRING,
    DeviceDescriptor,
    Setup,
    checksum,
    data_length,
    packet,
    request_packets,
    string_text,
)


def test_a_get_is_one_marked_request_packet_as_mge_shut_logs_it() -> None:
    setup = Setup.get_descriptor(DESCRIPTOR_HID, 0, 9)
    assert request_packets(setup) == [bytes.fromhex("81 88 81 06 00 21 00 00 09 00 af")]
    device = Setup.get_descriptor(0x01, 0, 18)
    assert device.pack() == bytes.fromhex("80 06 00 01 00 00 12 00")
    assert Setup.get_report(0x0F, 3).pack() == bytes.fromhex("a1 01 0f 03 00 00 03 00")


def test_a_set_report_sends_its_setup_unmarked_then_the_report() -> None:
    packets = request_packets(Setup.set_report(0x0F, 3), bytes([0x0F, 0x34, 0x12]))
    setup_check = 0x21 ^ 0x09 ^ 0x0F ^ 0x03 ^ 0x03
    assert packets == [bytes.fromhex("01 88 21 09 0f 03 00 00 03 00") + bytes([setup_check]),
                       bytes.fromhex("81 33 0f 34 12") + bytes([0x0F ^ 0x34 ^ 0x12])]
    long = request_packets(Setup.set_report(1, 10), bytes(range(1, 11)))
    assert [p[:2] for p in long] == [b"\x01\x88", b"\x01\x88", b"\x81\x22"]


@given(st.binary(min_size=1, max_size=8), st.booleans())
def test_packets_carry_their_length_twice_and_an_xor(data: bytes, last: bool) -> None:
    raw = packet(0x04, data, last=last)
    assert raw[0] == (0x84 if last else 0x04)
    assert data_length(raw[1]) == len(data)
    assert raw[2:-1] == data and raw[-1] == checksum(data)


@pytest.mark.parametrize(("byte", "length"), [(0x88, 8), (0x11, 1), (0x99, None), (0x18, None),
                                              (0x00, 0)])
def test_length_bytes(byte: int, length: int | None) -> None:
    assert data_length(byte) == length


def test_packets_hold_one_to_eight_bytes() -> None:
    with pytest.raises(ValueError):
        packet(0x01, bytes(9), last=True)
    with pytest.raises(ValueError):
        packet(0x01, b"", last=True)


def test_device_descriptor_fields_and_a_short_one() -> None:
    raw = bytes.fromhex("12 01 10 01 00 00 00 08 63 04 ff ff 02 02 01 02 03 01")
    assert DeviceDescriptor.parse(raw) == DeviceDescriptor(0x0463, 0xFFFF, 0x0202, 1, 2, 3)
    assert DeviceDescriptor.parse(raw[:8]) is None
    assert DeviceDescriptor.parse(raw[:12]) == DeviceDescriptor(0x0463, 0xFFFF, 0, 0, 0, 0)


def test_strings_as_libshut_reads_them() -> None:
    text = "EATON".encode("utf-16-le")
    raw = bytes([len(text) + 2, DESCRIPTOR_STRING]) + text
    assert string_text(raw, 128) == "EATON"
    assert string_text(raw, 4) == "EAT"  # a 4-byte buffer keeps 3 characters and the NUL
    assert string_text(raw[:6], 20) is None  # the descriptor says it is longer than what came
    assert string_text(b"\x04\x01ab", 20) is None  # not a string descriptor
    assert string_text(bytes([6, 3]) + "é€".encode("utf-16-le"), 20) == "é?"
