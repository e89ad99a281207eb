"""Riello's GPSER and SENTR protocols (protocol/devices/riello): frames, the packet
finder, the replies read as NUT 2.8.0's riello.c reads them, the status words."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.riello import gpser, sentr, values
from nutrio.protocol.devices.riello.frames import (
    BUFFER_SIZE,
    PacketFinder,
    Protocol,
    gpser_check,
    gpser_request,
    hex_digits,
    read_digits,
    sentr_command,
    sentr_request,
)


def reply(letters: bytes, data: bytes, crc: bool = False) -> bytes:
    body = b'" ' + letters + hex_digits(len(data), 2) + data
    return b"\x02" + body + hex_digits(gpser_check(body, crc), 4) + b"\x03"


def find(stream: bytes, protocol: Protocol = Protocol.GPSER, crc: bool = False) -> list:
    finder = PacketFinder()
    finder.start()
    return [p for byte in stream if (p := finder.feed(protocol, byte, crc)) is not None]


def test_requests_are_the_bytes_the_real_driver_sends() -> None:
    # seen from the real riello_ser on a simulated unit (tests/drivers/test_riello_vs_real_nut.py)
    assert gpser_request("GI") == b'\x02 "GI000132\x03'
    assert gpser_request("TB", b"005") == b'\x02 "TB03005' + hex_digits(
        sum(b' "TB03005'), 4) + b"\x03"
    assert sentr_request(176) == bytes([176, 103, 1, 0, 24])
    assert sentr_request(240) == b"\xf0"
    assert sentr_command(6, 300) == bytes([176, 6, 44, 1, (176 + 6 + 44 + 1) & 0xFF])


def test_digits_run_past_nine_with_the_next_characters() -> None:
    assert hex_digits(0xABC, 3) == b":;<"
    assert read_digits(b":;<", 0, 3) == 0xABC
    assert read_digits(b"/", 0, 1) == -1  # below '0' subtracts, as NUT computes


def test_a_reply_is_found_whole_after_noise_and_across_chunks() -> None:
    frame = reply(b"RS", b"80400")
    for stream in (frame, b"\x00\x41junk" + frame + b"tail"):
        [packet] = find(stream)
        assert packet.data == frame and packet.ok


def test_a_nak_and_a_bad_check_are_told_apart() -> None:
    [nak] = find(reply(b"\x15S", b""))
    assert nak.nak and not nak.bad_check
    broken = bytearray(reply(b"RS", b"80400"))
    broken[8] ^= 0x01
    [bad] = find(bytes(broken))
    assert bad.bad_check and not bad.nak
    [crc] = find(reply(b"RE", b"00", crc=True), crc=True)
    assert crc.ok
    assert not find(reply(b"RE", b"00", crc=True))[0].ok  # summed expected


def test_status_reply_reads_into_variables_and_words() -> None:
    data = gpser.RielloData()
    gpser.parse_gi(reply(b"GI", b"SN1".ljust(16) + b"UOD1-XL".ljust(16) + b"SWM035-01-07"
                         + b"100000030000"), data)
    digits = b"".join(hex_digits(v, n) for v, n in (
        (500, 3), (216, 3), (500, 3), (231, 3), (28, 2), (500, 3), (216, 3), (408, 4),
        (100, 2), (438, 3), (34, 2)))
    buffer = bytearray(BUFFER_SIZE)
    frame = reply(b"RS", b"82400" + digits)
    buffer[:len(frame)] = frame
    gpser.parse_rs(buffer, data, gpser.LENGTH_RS_MM)
    phases = values.Phases.of(data)
    assert phases == values.Phases(input_mono=True, output_mono=True)
    found = values.update_vars(data, phases, extended=False)
    assert found["battery.runtime"] == "26280"
    assert found["battery.voltage"] == "40.8"
    assert found["input.frequency"] == "50.00"
    assert values.identity_vars(data)["ups.model"] == "UOD1-XL        "
    # the second status digit 2: boosting; the third 4: charging
    assert values.status_words(data) == ["OL", "BOOST", "CHRG"]


def test_sentr_block_says_power_phases_and_status() -> None:
    block = bytearray(BUFFER_SIZE)
    block[0], block[1] = 192, 103
    block[2], block[3] = 3604 & 0xFF, 3604 >> 8  # 60 kVA, three phases, ends in 4
    block[100] = 0x01  # has the extended block
    block[31] = 0x18  # mains failed, battery low
    data = gpser.RielloData()
    sentr.parse_sentr(block, data)
    assert sentr.next_request(block) == 176
    assert (data.nom_kva, data.nom_kw) == (60000, 48000)
    assert values.Phases.of(data) == values.Phases(input_mono=False, output_mono=False)
    assert values.status_words(data) == ["OB", "LB"]


@given(st.binary(max_size=400), st.booleans())
def test_any_bytes_give_packets_or_nothing(stream: bytes, crc: bool) -> None:
    for protocol in Protocol:
        for packet in find(stream, protocol, crc):
            assert len(packet.data) <= BUFFER_SIZE


@given(st.binary(min_size=BUFFER_SIZE, max_size=BUFFER_SIZE))
def test_any_buffer_reads_without_error(buffer: bytes) -> None:
    data = gpser.RielloData()
    for parse in (gpser.parse_gi, gpser.parse_gn, gpser.parse_re, sentr.parse_sentr):
        parse(buffer, data)
    gpser.parse_rs(buffer, data, gpser.LENGTH_RS_TT)
    values.update_vars(data, values.Phases.of(data), extended=True)
    assert values.status_words(data)[0] in ("OL", "OB")
