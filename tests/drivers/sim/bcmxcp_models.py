"""Four Powerware/Eaton units for the BCM/XCP simulator, each shaped after a real dump.

The values come from the nut-ddl dumps in ../shared/data/ddl/ (named per
profile); the bytes are laid out where NUT 2.8.0's bcmxcp reads them. The
units differ where the driver branches: one phase or three (the meter
names), a meter block that needs two reply blocks, outlets or none, a
command list or none (the default commands), settings and system tests the
UPS offers, a full alarm map or a short one (NUT's zeroed-table quirk), and
the low battery told by an alarm or by the topology status bit.

The USB units answer every request in one reply block (121 bytes at most):
NUT 2.8.0's bcmxcp_usb cannot read an answer of two blocks (it keeps the
first and then reads on until its 5 s are up; NUT issue #769, false alarms
on a Powerware 3105), so those units carry no alarm map (PW5110) or a short
one (PW5115), which is what fits beside their meter maps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

__all__ = ["PW5110", "PW5115", "PW5125", "PW9355", "XcpProfile"]


def _text(value: str, size: int) -> bytes:
    return value.encode("latin-1")[:size].ljust(size, b"\0")


@dataclass(frozen=True)
class XcpProfile:
    """What one unit reports. ``meters``: number -> (format, value on line); ``limits``:
    setting id -> value, the fields a client may change; ``fixed``: the other limit
    block fields, offset -> (value, two bytes)."""

    name: str
    cpus: tuple[tuple[int, int], ...]  # (major, minor) per CPU, (0, 0) for none
    rating_kva: int
    rating_va: int
    phases: int
    description: str
    meters: Mapping[int, tuple[int, float | bytes]]
    alarm_numbers: frozenset[int]
    alarm_map_bytes: int
    config: bytes
    limits: Mapping[int, int]
    fixed: Mapping[int, tuple[int, bool]]
    battery: bytes
    command_list: tuple[int, ...] | None = None
    settable: tuple[int, ...] = ()
    system_tests: tuple[int, ...] = ()
    outlets: tuple[tuple[int, int, int, int], ...] = ()
    topology: int = 0
    usb_ids: tuple[int, int] = (0x0592, 0x0002)
    strings: Mapping[int, str] = field(default_factory=dict)

    #: setting id -> (offset in the limit block, two bytes); 0x0B and 0x0F live in the config
    LIMIT_FIELDS: ClassVar[Mapping[int, tuple[int, bool]]] = {
        0x02: (10, True), 0x03: (12, True), 0x05: (16, False), 0x06: (17, False),
        0x07: (22, True), 0x08: (24, False), 0x0A: (26, False), 0x0D: (29, False),
        0x0E: (30, False),
    }

    def reported_alarms(self) -> list[int]:
        """Alarm numbers in the map, in order: one alarm block byte each."""
        return sorted(n for n in self.alarm_numbers if n < 8 * self.alarm_map_bytes)

    def _alarm_map(self) -> bytes:
        bits = bytearray(self.alarm_map_bytes)
        for number in self.reported_alarms():
            bits[number // 8] |= 1 << (number % 8)
        return bytes(bits)

    def limit_block(self) -> bytes:
        block = bytearray(32)
        fields = {**{at: (v, wide) for at, (v, wide) in self.fixed.items()},
                  **{self.LIMIT_FIELDS[s][0]: (v, self.LIMIT_FIELDS[s][1])
                     for s, v in self.limits.items() if s in self.LIMIT_FIELDS}}
        for at, (value, wide) in fields.items():
            block[at : at + (2 if wide else 1)] = value.to_bytes(2 if wide else 1, "little")
        return bytes(block)

    def id_block(self) -> bytes:
        out = bytearray([len(self.cpus)])
        for major, minor in self.cpus:
            out += bytes([minor, major])
        if self.rating_kva:
            out.append(self.rating_kva)
        else:
            out += bytes([0]) + (self.rating_va // 50).to_bytes(2, "little")
        description = self.description.encode("latin-1")
        out += bytes([self.phases, 0, len(description)]) + description
        formats = bytes(self.meters.get(n, (0, 0))[0] for n in range(max(self.meters) + 1))
        out += bytes([len(formats)]) + formats
        out += bytes([self.alarm_map_bytes]) + self._alarm_map()
        out += len(self.config).to_bytes(2, "little")
        out += bytes([0])  # no statistics map
        out += bytes(4)  # alarm history and custom event logs
        out += (6 if self.topology else 0).to_bytes(2, "little")
        out += bytes([16])  # longest command
        commands = 0 if self.command_list is None else len(self.command_list) + 2
        outlets = 2 + 6 * len(self.outlets) if self.outlets else 0
        for length in (commands, outlets, len(self.reported_alarms())):
            out += length.to_bytes(2, "little")
        return bytes(out)


def config_block(voltage: int, frequency: int, packs: int, mask: int, part: str,
                 serial: str) -> bytes:
    block = bytearray(96)
    block[8:10] = voltage.to_bytes(2, "little")
    block[10:12] = frequency.to_bytes(2, "little")
    block[16] = mask
    block[26] = packs
    block[48:64] = _text(part, 16)
    block[64:80] = _text(serial, 16)
    return bytes(block)


def battery_block(test: int, strings: tuple[int, ...], charger: int) -> bytes:
    """Test status, 17 bytes of voltages and currents, the strings' test bytes, the charger."""
    return bytes([test, *bytes(17), len(strings), *strings, 1, charger])


def _fixed(nominal_v: int, nominal_hz: int, deviation: int, low: int, high: int,
           ambient_low: int = 0) -> dict[int, tuple[int, bool]]:
    return {0: (nominal_v, True), 2: (nominal_hz, True), 8: (deviation, True),
            18: (low, True), 20: (high, True), 25: (ambient_low, False)}


_READS = (0x31, 0x33, 0x34, 0x35, 0x36, 0x3B, 0x3C, 0x40)

#: Powerware PW5125 1500i on a serial port: Powerware__Powerware__PW5125__bcmxcp__2.7.4__01.dev
PW5125 = XcpProfile(
    name="pw5125", cpus=((1, 1), (1, 1)), rating_kva=0, rating_va=1500, phases=1,
    description="PW5125    ",
    meters={12: (0x41, 5.1), 21: (0x30, 132.0), 23: (0x30, 205.0), 27: (0x42, 60.08),
            28: (0x42, 60.08), 31: (0x41, 380.2), 33: (0x42, 52.26), 34: (0x20, 95.0),
            35: (0xE2, 2760), 56: (0x30, 119.0), 62: (0x20, 42.0), 65: (0x41, 1.7),
            68: (0x41, 13.6), 71: (0x40, 1500.0), 78: (0x30, 119.0)},
    alarm_numbers=frozenset({7, 25, 56, 57, 149, 168, 191, 196, 197, 257}), alarm_map_bytes=33,
    config=config_block(120, 60, 1, 0x20, "05146632-5501   ", "UX475A0xxxxx    "),
    limits={0x02: 108, 0x03: 127, 0x05: 2, 0x06: 1, 0x08: 76, 0x0A: 70},
    fixed=_fixed(120, 60, 500, 84, 144),
    battery=battery_block(0, (), 4),
    command_list=(*_READS, 0x41, 0x43, 0x89, 0x8A, 0x8B, 0x95, 0x97, 0xB1, 0xCF),
    settable=(0x06, 0x0B, 0x0D, 0x0E, 0x0F),
    outlets=((1, 1, 0xFFFF, 3), (2, 1, 0xFFFF, 5)), topology=0x0020,
)

#: Powerware 9355 8 kVA, three phases: Powerware__Powerware__9355__bcmxcp__2.6.0__01.dev
#: (date and time meters as Eaton__Eaton__PW9130_1000VA-R_1000i__bcmxcp__2.7.2.5__01.dev)
PW9355 = XcpProfile(
    name="pw9355", cpus=((0, 0), (2, 0x50), (0, 0), (0, 0), (1, 0x12)), rating_kva=8,
    rating_va=0, phases=3, description="9355-8-N-15-32x9Ah  ",
    meters={6: (0x51, 229.5), 7: (0x51, 229.4), 8: (0x51, 229.6), 18: (0x51, 3.0),
            19: (0x51, 3.0), 20: (0x51, 3.1), 27: (0x41, 50.0), 28: (0x41, 50.0),
            30: (0xF7, 50.0), 31: (0x41, 412.0), 32: (0x51, 0.0), 33: (0x41, 414.9),
            34: (0x51, 99.9), 35: (0xF0, 17982), 40: (0x99, 1.0), 43: (0x41, 345.6),
            56: (0x51, 236.6), 57: (0x51, 236.3), 58: (0x51, 237.5), 62: (0x41, 26.9),
            65: (0x51, 0.2), 66: (0x51, 0.3), 67: (0x51, 0.3), 68: (0x51, 11.0),
            69: (0x51, 11.0), 70: (0x51, 11.0), 72: (0xE0, bytes([0x10, 0x03, 0x15, 0xA0])),
            73: (0xE1, bytes([0x06, 0x25, 0x56, 0x18])), 78: (0x51, 229.1), 79: (0x51, 228.9),
            80: (0x51, 228.9), 82: (0x51, 0.0), 83: (0x51, 0.0), 84: (0x51, 0.0),
            85: (0x61, 2400.0), 91: (0xF0, 15)},
    alarm_numbers=frozenset({0, 25, 73, 149}), alarm_map_bytes=22,
    config=config_block(230, 50, 0, 0x20, "", "312000160"),
    limits={0x02: 195, 0x03: 253, 0x05: 3, 0x06: 2, 0x0A: 40},
    fixed=_fixed(230, 50, 300, 181, 278),
    battery=battery_block(2, (0,), 3), topology=0x0042,
)

#: Powerware 5110 500 VA on USB: Eaton__Eaton__Powerware_5110__bcmxcp_usb__2.7.1__01.dev
PW5110 = XcpProfile(
    name="pw5110", cpus=((0, 0x50), (1, 0x50)), rating_kva=0, rating_va=500, phases=1,
    description="POWERWARE UPS",
    meters={27: (0x31, 49.9), 28: (0x31, 49.9), 33: (0x31, 13.5), 41: (0x20, 10.0),
            43: (0x20, 11.0), 47: (0x20, 59.0), 56: (0x30, 238.0), 65: (0x31, 0.7),
            68: (0x31, 1.3), 78: (0x30, 238.0)},
    alarm_numbers=frozenset(), alarm_map_bytes=0,
    config=config_block(230, 50, 0, 0x20, "103xxxxx1-5xx1", ""),
    limits={0x02: 207, 0x03: 250, 0x06: 1, 0x0A: 221},
    fixed=_fixed(230, 50, 500, 178, 275, ambient_low=30),
    battery=battery_block(2, (), 1),
    command_list=(*_READS, 0x8A, 0x8B, 0xB1, 0xCF),
    usb_ids=(0x0592, 0x0002), strings={1: "POWERWARE", 2: "UPS"},
)

#: Powerware 5115 RM 1500 VA behind the Phoenixtec USB id:
#: Eaton__Eaton__Powerware_5115_RM_1500i__bcmxcp_usb__2.7.2__01.dev
PW5115 = XcpProfile(
    name="pw5115", cpus=((1, 0x20), (1, 0x02)), rating_kva=0, rating_va=1500, phases=1,
    description="PW5115 RM",
    meters={21: (0x10, 0.0), 23: (0x10, 3.0), 27: (0x42, 50.0), 28: (0x42, 50.0),
            33: (0x42, 40.96), 34: (0x30, 100.0), 35: (0xE2, 24171), 56: (0x30, 239.0),
            62: (0x20, 43.0), 65: (0x41, 0.0), 68: (0x41, 6.4), 71: (0x40, 1500.0),
            78: (0x30, 239.0)},
    alarm_numbers=frozenset({7, 25}), alarm_map_bytes=4,
    config=config_block(230, 50, 0, 0x20, "XXXXXXXXX-XXXX", "XXXXXXXXXX"),
    limits={0x02: 207, 0x03: 243, 0x05: 2, 0x06: 1, 0x0A: 75},
    fixed=_fixed(230, 50, 500, 194, 266),
    battery=battery_block(2, (), 3),
    command_list=(*_READS, 0x41, 0x43, 0x89, 0x8A, 0x8B, 0x95, 0x97, 0xB1, 0xB2, 0xCF),
    settable=(0x02, 0x03, 0x05, 0x06, 0x08, 0x0A), system_tests=(0x01, 0x02, 0x04),
    outlets=((1, 1, 0xFFFF, 3), (2, 1, 0xFFFF, 13)), topology=0x0020,
    usb_ids=(0x06DA, 0x0002), strings={1: "Phoenixtec", 2: "USB UPS"},
)
