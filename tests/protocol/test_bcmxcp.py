"""protocol.devices.bcmxcp: frames, meter formats, alarm maps, blocks, commands (pure).

The expected values are what NUT 2.8.0's bcmxcp prints for the same bytes
(its C float arithmetic, its snprintfcat that stops two bytes short, its
zeroed alarm table); the side-by-side tests against the real binary
(tests/drivers/test_bcmxcp_vs_real_nut.py) cover whole conversations.
"""

from __future__ import annotations

import struct
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices import bcmxcp as xcp
from nutrio.protocol.devices.bcmxcp.alarms import ALARM_NAMES

FLT_MAX_TEXT = "340282346638528859811704183484516925440"


def f(value: float) -> bytes:
    return struct.pack("<f", value)


def test_modules_are_pure() -> None:
    code = "import sys, protocol.devices.bcmxcp; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


def test_a_request_frame_sums_to_zero_and_reply_blocks_are_checked() -> None:
    assert xcp.request(b"\x31") == bytes.fromhex("ab013123")
    assert xcp.request(xcp.AUTHORIZATION) == bytes.fromhex("ab04cf69e8d55c")
    block = bytes.fromhex("ab0304815000007d")
    assert xcp.sum_ok(block) and not xcp.sum_ok(block[:-1] + b"\x7e")
    assert xcp.block_ok(0x33, 0x03) and not xcp.block_ok(0x33, 0x09)
    assert xcp.block_ok(0x8A, 0x09) and xcp.block_ok(0xA0, 0x01) and not xcp.block_ok(0xA0, 0x09)
    assert xcp.block_ok(0x88, 0x42)  # between the two ranges nothing is checked


@pytest.mark.parametrize(("fmt", "raw", "text"), [
    (0x30, f(119.0), "119"),
    (0x42, f(52.26), "52.26"),
    (0x41, f(1.7), " 1.7"),
    (0x51, f(3.0), "  3.0"),
    (0x05, f(1.5), "1.50000"),  # width 0 reads as the 0 flag: no padding
    (0xF0, struct.pack("<i", -5), "-5"),
    (0xE2, struct.pack("<i", 2760), "2760"),
    (0xF7, struct.pack("<I", 6400), "50.00"),
    (0xF2, struct.pack("<I", 1), "0.25"),
    (0xF1, b"\xff\xff\xff\xff", "2147483648.00"),  # rounded to a C float first
    (0x41, bytes.fromhex("0000c07f"), FLT_MAX_TEXT + ".0"),  # NaN
    (0x41, bytes.fromhex("0000c0ff"), FLT_MAX_TEXT + ".0"),  # NaN with its sign bit
    (0x41, bytes.fromhex("000080ff"), "-" + FLT_MAX_TEXT + ".0"),  # minus infinity
    (0x97, bytes.fromhex("01000000"), "0.0000000"),  # a denormal
    (0x98, f(1.0), "???"),
    (0xE3, f(1.0), "???"),
    (0xE0, bytes([0x10, 0x03, 0x15, 0xA0]), "10/03/2015"),
    (0xE0, bytes([0x25, 0x01, 0x24, 0x20]), "2024:125"),
    (0xE1, bytes([0x06, 0x25, 0x56, 0x18]), "18:56:25.06"),
])
def test_meter_formats_print_as_nut_prints_them(fmt: int, raw: bytes, text: str) -> None:
    assert xcp.decode(raw, fmt) == text


def test_meter_names_follow_the_phases_and_unnamed_meters_take_room() -> None:
    formats = bytearray(79)
    for number, fmt in ((12, 0x41), (23, 0x30), (56, 0x30), (71, 0x40), (78, 0x30)):
        formats[number] = fmt
    block = f(5.1) + f(205.0) + f(119.0) + f(1500.0) + f(118.0)
    one = xcp.MeterMap.from_formats(bytes(formats), phases=1).values(block)
    assert one == {"ups.power": "205", "input.voltage": "119", "ups.power.nominal": "1500",
                   "output.voltage": "118", "ups.load": " 13.7"}  # 100 * 205 / 1500, in floats
    three = xcp.MeterMap.from_formats(bytes(formats), phases=3).values(block)
    assert three["input.L1-N.voltage"] == "119" and three["output.L1-N.voltage"] == "118"
    # a maximum of 0 gives no ups.load, and the current pair is not tried then
    assert "ups.load" not in xcp.MeterMap.from_formats(bytes(formats), 1).values(block[:12] + f(0))


def test_a_load_meter_wins_over_the_worked_out_load() -> None:
    formats = bytearray(72)
    formats[23], formats[47], formats[71] = 0x30, 0x20, 0x40
    meters = xcp.MeterMap.from_formats(bytes(formats), phases=1)
    assert meters.values(f(205.0) + f(59.0) + f(1500.0))["ups.load"] == "59"


def alarm_map(numbers: set[int], size: int) -> bytes:
    bits = bytearray(size)
    for number in numbers:
        bits[number // 8] |= 1 << (number % 8)
    return bytes(bits)


def test_alarms_past_a_short_map_fire_with_the_first_reported_one() -> None:
    alarms = xcp.AlarmMap.from_bits(alarm_map({0, 9}, 2))
    assert alarms.read(b"\x00\x01").names == ("OUTPUT_OVER_VOLTAGE",)
    flood = alarms.read(b"\x01\x00")
    beyond = [n for n in ALARM_NAMES[16:] if n]
    assert flood.names == ("INVERTER_AC_OVER_VOLTAGE", *beyond)
    assert flood.on_battery and flood.low_battery and flood.replace_battery
    text = xcp.alarm_text(flood.names)
    assert len(text) == 254 and " ".join(flood.names).startswith(text)


def test_a_full_map_reads_one_byte_per_reported_alarm_in_order() -> None:
    alarms = xcp.AlarmMap.from_bits(alarm_map({56, 57, 168}, 33))
    active = alarms.read(b"\x00\x01\x01")
    assert active.names == ("UTILITY_FAIL", "UPS_ON_BATTERY")
    assert active.on_battery and not active.low_battery and not active.replace_battery
    assert alarms.read(b"").names == ()  # a short block reads as quiet


def id_block(cpus: list[tuple[int, int]], rating: bytes, phases: int, description: bytes,
             tail: bytes = b"") -> bytes:
    out = bytes([len(cpus)]) + b"".join(bytes([minor, major]) for major, minor in cpus)
    return out + rating + bytes([phases, 0, len(description)]) + description + tail


def test_id_block_firmware_rating_and_model_as_nut_builds_them() -> None:
    full = xcp.IdBlock.parse(id_block([(1, 1), (1, 2)], b"\x00\x1e\x00", 1, b"PW5125    "))
    assert full.firmware == "Cont:01.01 Inve:01.02"  # the last blank lost to snprintfcat
    assert (full.rating, full.model, full.phases) == (1500, "PW5125     1500i", 1)
    sparse = xcp.IdBlock.parse(id_block([(0, 0), (2, 0x50), (0, 0)], b"\x08", 3, b"9355 8000i"))
    assert sparse.firmware == "Inve:02.50 "
    assert (sparse.rating, sparse.model) == (8000, "9355 8000i")  # the rating is in there
    wrapped = xcp.IdBlock.parse(id_block([], b"\x46", 3, b"9395\0junk"))
    assert wrapped.firmware is None
    assert (wrapped.rating, wrapped.model) == (4464, "9395 4464i")  # 70 kVA in 16 bits
    many = xcp.IdBlock.parse(id_block([(1, n) for n in range(7)], b"\x01", 1, b"X"))
    # six shown (the sixth CPU has no name; real dumps show NUT printing "(null)"),
    # the seventh never read
    assert many.firmware == "Cont:01.00 Inve:01.01 Rect:01.02 Netw:01.03 Disp:01.04 (null)01.05 "
    assert many.model == "X 1000i"


def test_id_block_lengths_past_the_end_read_as_absent() -> None:
    tail = b"\x02\x41\x42" + b"\x01\x01" + b"\x60\x00" + b"\x00" + bytes(4) + b"\x06\x00\x10"
    short = xcp.IdBlock.parse(id_block([], b"\x01", 1, b"M", tail))
    assert short.meter_formats == b"\x41\x42" and short.alarm_bits == b"\x01"
    assert (short.topology_length, short.command_list_length, short.outlet_block_length) == (6, 0, 0)
    more = xcp.IdBlock.parse(id_block([], b"\x01", 1, b"M", tail + b"\x13\x00\x0e\x00"))
    assert (more.command_list_length, more.outlet_block_length) == (19, 14)


def limits(**fields: int) -> bytes:
    block = bytearray(32)
    for at, value in fields.items():
        offset = int(at[1:])
        block[offset : offset + 2] = value.to_bytes(2, "little")
    return bytes(block)


def test_limit_block_frequency_limits_and_what_each_read_takes() -> None:
    start = xcp.limit_vars(limits(w0=230, w2=50, w8=50, w17=1, w25=30), at_start=True)
    assert (start["input.frequency.low"], start["input.frequency.high"]) == ("50", "50")
    assert start["ups.beeper.status"] == "enabled" and start["ambient.temperature.low"] == "30"
    wrap = xcp.limit_vars(limits(w2=50, w8=9000), at_start=True)
    assert wrap["input.frequency.low"] == "4294967256"  # 50 - 90 printed with %u
    later = xcp.limit_vars(limits(w0=230, w2=50, w8=50, w25=30, w17=3), at_start=False)
    assert later == {"input.voltage.nominal": "230"}  # horn 3 has no name
    assert xcp.low_battery_warning(limits(w16=3)) == 180


def test_battery_block_skips_what_nut_cannot_name() -> None:
    assert xcp.battery_vars(bytes([2, *bytes(17), 1, 0, 1, 3])) == {
        "ups.test.result": "Done and passed", "battery.charger.status": "floating"}
    assert xcp.battery_vars(bytes([6, *bytes(17), 0, 1, 0])) == {}


def test_config_block_and_outlets() -> None:
    config = bytearray(96)
    config[8:10], config[16], config[26] = (230).to_bytes(2, "little"), 0x20, 2
    config[64:80] = b"UX475A0123456789"
    found = xcp.config_vars(bytes(config), at_start=True)
    assert found == {"output.voltage.nominal": "230", "battery.packs": "2",
                     "ups.serial": "UX475A0123456789"}
    assert xcp.topology_mask(bytes(config)) == 0x20
    outlets = xcp.outlets(bytes([2, 6, 1, 1, 0xFF, 0xFF, 3, 0, 2, 9, 5, 0, 7, 0]))
    assert [(o.number, o.status, o.delay_off, o.delay_on) for o in outlets] == [
        (1, "on/closed", 65535, 3), (2, None, 5, 7)]


@pytest.mark.parametrize(("status", "mask", "alarms", "rb", "words"), [
    (b"\xf0\x00", 0, xcp.ActiveAlarms(), False, ["OB"]),
    (b"\xf0\x00", 0, xcp.ActiveAlarms(on_battery=True), False, ["OB"]),
    (b"\x50\x20", 0x20, xcp.ActiveAlarms(), False, ["OL", "LB"]),
    (b"\x50\x20", 0x00, xcp.ActiveAlarms(), False, ["OL"]),
    (b"\xf0\x20", 0x20, xcp.ActiveAlarms(low_battery=True), False, ["OB", "LB"]),
    (b"\x77", 0, xcp.ActiveAlarms(), True, ["OL", "RB"]),
    (b"\xe0", 0, xcp.ActiveAlarms(), False, ["OL", "OVER"]),
    (b"\x10", 0, xcp.ActiveAlarms(), False, ["OFF"]),
])
def test_status_words(status: bytes, mask: int, alarms: xcp.ActiveAlarms, rb: bool,
                      words: list[str]) -> None:
    assert xcp.status_words(status, mask, alarms, rb) == words


def test_instant_commands_on_the_wire() -> None:
    def step(name: str, **variables: str) -> xcp.Step:
        return xcp.instcmd_step(name, 300, lambda v: variables.get(v.replace(".", "_")))

    assert step("shutdown.return").payload == bytes.fromhex("8a2c01")
    assert step("shutdown.stayoff") == xcp.Step(payload=b"\x8b", write=False)
    assert step("beeper.MUTE").payload == bytes.fromhex("95060200")
    assert step("outlet.3.shutdown.return", outlet_3_delay_shutdown="-1").payload == bytes.fromhex("8a2c0103")
    assert step("outlet.3.shutdown.return").payload == bytes.fromhex("8a030003")  # no variable: 3 s
    assert step("outlet.1.shutdown.return", outlet_1_delay_shutdown="65535").payload == bytes.fromhex("8affff01")
    assert step("outlet.1.load.on").payload == bytes.fromhex("8901")
    assert step("OUTLET.1.LOAD.ON").payload == bytes.fromhex("8b01")  # NUT tests one lower-case n
    refused = step("outlet.0.load.off")
    assert (refused.authorize, refused.payload, refused.refusal) == (True, None, ResultCode.FAILED)
    unknown = step("calibrate.start")
    assert (unknown.authorize, unknown.refusal) == (False, ResultCode.UNKNOWN)


def test_settings_on_the_wire_and_where_nut_refuses_them() -> None:
    def step(name: str, value: str, outlets: bool = True) -> xcp.Step:
        return xcp.setvar_step(name, value, has_outlets=outlets)

    assert step("input.transfer.delay", "18000").payload == bytes.fromhex("95075046")
    assert step("battery.packs", "2").payload == bytes.fromhex("950f0200")
    assert step("outlet.1.delay.shutdown", "-1").payload == bytes.fromhex("970101ffff")
    assert step("outlet.2.delay.start", "99999999999999999999").payload == bytes.fromhex("970202ffff")
    late = step("battery.packs", "6")  # checked after the authorization went out
    assert (late.authorize, late.payload, late.refusal) == (True, None, ResultCode.INVALID_ARGUMENT)
    for early in (step("outlet.1.delay.start", "5", outlets=False), step("ups.id", "x")):
        assert (early.authorize, early.refusal) == (False, ResultCode.INVALID_ARGUMENT)


def test_acknowledgements_and_what_a_ups_offers() -> None:
    assert xcp.ack_result(b"") == (ResultCode.FAILED, "short read from UPS")
    assert [xcp.ack_result(bytes([b]))[0] for b in (0x31, 0x37, 0x33, 0x34, 0x35, 0x36, 0x99)] == [
        "SUCCESS", "SUCCESS", "FAILED", "FAILED", "INVALID-ARGUMENT", "INVALID-ARGUMENT",
        "INVALID-ARGUMENT"]
    assert xcp.shutdown_seconds(bytes([0x31, 0x8A, 0x2C, 0x01])) == 300
    assert xcp.command_list(bytes([3, 1, 0x8A, 0xD0, 0xB2]), 5) == frozenset({0x8A, 0xB2})
    assert xcp.command_list(bytes([3, 1, 0x8A, 0xD0, 0xB2]), 6) is None
    assert xcp.listed_commands(frozenset({0x8A, 0x89, 0x33})) == ("shutdown.return", "load.on")
    assert xcp.settable(bytes([0x31, 0x95, 0])) == ((), ())
    assert xcp.settable(bytes([0x31, 0x95, 0, 0x06, 0x0F, 0x42])) == (
        (("battery.packs", 1),), ("beeper.disable", "beeper.enable", "beeper.mute"))
    assert xcp.system_tests(bytes([0x31, 0xB2, 0, 1, 2, 4])) == ("test.system.start", "test.panel.start")
    assert xcp.system_tests(bytes([0x32, 0xB2])) == ()


@given(st.binary(max_size=300))
def test_any_id_block_parses_without_an_exception(data: bytes) -> None:
    block = xcp.IdBlock.parse(data)
    meters = xcp.MeterMap.from_formats(block.meter_formats, block.phases)
    assert isinstance(meters.values(data), dict)
    xcp.AlarmMap.from_bits(block.alarm_bits).read(data)


@given(st.integers(0, 255), st.binary(min_size=0, max_size=4))
def test_any_meter_decodes_to_text(fmt: int, raw: bytes) -> None:
    assert isinstance(xcp.decode(raw, fmt), str)
