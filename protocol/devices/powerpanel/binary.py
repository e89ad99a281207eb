"""CyberPower's binary protocol, as NUT 2.8.0's powerpanel speaks it ("Powerpanel-Binary 0.5").

How it works: 1200 baud; ``F`` answers a line ".MODEL.v.f.FIRM" (the
voltage and frequency one byte each); ``D`` 14 status bytes whose flag
bytes come in pairs summing to 255; ``R<code>`` reads a setting (the
second byte of the answer is a signed step that a per-series table turns
into volts or percent) and ``Q<code><step>`` writes one; a command is
done when the UPS echoes it. OP models (and the old "rO" ones) read their
meters through NUT's approximations; PR models give them as they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from nutrio.protocol.common.cfloat import c_printf, f32
from nutrio.protocol.devices.powerpanel.text import Status

__all__ = ["COMMANDS", "MODELS", "SETTINGS", "STATUS_LEN", "Setting", "ident", "is_op",
           "meters", "parse_status", "setting_value"]

STATUS_LEN = 14
#: instant command -> request; done when the UPS echoes all but the CR
COMMANDS: Mapping[str, bytes] = MappingProxyType({
    "test.battery.start.quick": b"T\x98\r", "test.battery.stop": b"CT\r",
    "beeper.toggle": b"B\r", "shutdown.reboot": b"S\0\0R\0\1W\r",
    "shutdown.stayoff": b"S\0\0W\r", "shutdown.stop": b"C\r"})
#: old models report "rOnn" instead of a name
MODELS = {"rO10": "OP1000AVR", "rO27": "OP320AVR", "rO29": "OP500AVR", "rO31": "OP800AVR",
          "rO33": "OP850AVR", "rO37": "OP900AVR", "rO39": "OP650AVR", "rO41": "OP700AVR",
          "rO43": "OP1250AVR", "rO45": "OP1500AVR"}


def _steps(*pairs: tuple[str, int]) -> tuple[tuple[str, int], ...]:
    return pairs


@dataclass(frozen=True, slots=True)
class Setting:
    """A writable variable: its code and the (value, step) tables of the PR and OP series."""

    name: str
    code: int
    pr: tuple[tuple[str, int], ...]
    op: tuple[tuple[str, int], ...]

    def table(self, op: bool) -> tuple[tuple[str, int], ...]:
        return self.op if op else self.pr


def _run(first: int, start: int, count: int) -> tuple[tuple[str, int], ...]:
    return tuple((str(first + i), start + i) for i in range(count))


_YES_NO = _steps(("yes", 2), ("no", 0))
SETTINGS = (
    Setting("input.transfer.high", 0x02, _run(138, -9, 10), _run(140, -5, 11)),
    Setting("input.transfer.low", 0x04, _run(88, 0, 10), _run(85, -5, 11)),
    Setting("battery.charge.low", 0x08,
            _steps(("25", -6), ("30", -5), ("35", -3), ("40", -1), ("45", 0), ("50", 2),
                   ("55", 4), ("60", 6)),
            _steps(("15", -8), ("18", -7), ("19", -6), ("20", -5), ("22", -4), ("24", -3),
                   ("25", -2), ("26", -1), ("28", 0), ("30", 1), ("32", 2), ("34", 3),
                   ("35", 4), ("36", 5), ("38", 6), ("40", 7))),
    Setting("ups.start.battery", 0x0F, _YES_NO, _YES_NO),
    Setting("output.voltage.nominal", 0x18,
            _steps(("110", -10), ("120", 0), ("130", 10)),
            _steps(("110", -2), ("115", -1), ("120", 0), ("124", 1), ("128", 2), ("130", 3))),
)


def setting_value(setting: Setting, op: bool, byte: int) -> str | None:
    """The value an answer's step byte names. NUT compares a signed step with an unsigned
    byte, so a negative step never matches (such a setting is not offered)."""
    return next((value for value, step in setting.table(op) if step >= 0 and step == byte), None)


def is_op(answer: bytes) -> bool:
    """OP series (and the numbered old models): NUT's approximations for the meters."""
    return answer[1:3] in (b"OP", b"rO")


def ident(answer: bytes) -> dict[str, str]:
    """The F answer: ups.model, input.voltage.nominal, input.frequency.nominal, ups.firmware."""
    parts = [p for p in answer[1:].split(b".") if p]
    out: dict[str, str] = {}
    if parts:
        name = parts[0].decode("latin-1")
        known = next((m for code, m in MODELS.items() if name.startswith(code)), None)
        out["ups.model"] = known or name.rstrip(" ")
    if len(parts) > 1:
        out["input.voltage.nominal"] = str(parts[1][0])
    if len(parts) > 2:
        out["input.frequency.nominal"] = str(parts[2][0])
    if len(parts) > 3:
        firm = parts[3].ljust(4, b"\0")
        out["ups.firmware"] = (firm[:1] + b"." + firm[1:4]).split(b"\0", 1)[0].decode("latin-1")
    return out


def parse_status(data: bytes) -> Status | None:
    """The 14 status bytes, or None when a flag pair does not sum to 255."""
    if len(data) < STATUS_LEN or data[9] + data[10] != 255 or data[11] + data[12] != 255:
        return None
    return Status(i_volt=data[1], o_volt=data[2], load=data[3], charge=data[5], freq=data[7],
                  flags=data[9], temp=data[6])


def _op_volt(raw: int) -> int:
    return 0 if raw < 26 else int(f32(f32(f32(raw * 200.0) / 230) + 6))


def meters(st: Status, op: bool, nominal: str | None) -> dict[str, str]:
    """The meters of one status (``nominal``: output.voltage.nominal, shown as the output
    voltage on battery or in a test; NUT prints "(null)" when it has none)."""
    i_volt, o_volt, temp, freq = int(st.i_volt), int(st.o_volt), st.temp or 0, int(st.freq)
    held = "(null)" if nominal is None else nominal
    if op:
        out = {"input.voltage": str(_op_volt(i_volt)),
               "output.voltage": held if st.flags & 0x84 else str(_op_volt(i_volt)),
               "ups.load": str(200 if st.load > 108 else st.load * 200 // 108),
               "battery.charge": str(100 if st.charge > 197 else
                                     0 if st.charge < 151 else (st.charge - 151) * 100 // 46),
               "ups.temperature": c_printf("%.1f", f32(math.pow(f32(temp / 32.0), 2) + 10)),
               "input.frequency": c_printf("%.1f", f32(12600.0 / (freq + 32)))}
    else:
        out = {"input.voltage": str(i_volt),
               "output.voltage": held if st.flags & 0x84 else str(o_volt),
               "ups.load": str(st.load), "battery.charge": str(st.charge),
               "ups.temperature": str(temp),
               "input.frequency": c_printf("%.1f", 0.0 if freq == 0 else
                                           45.0 + f32(float(freq)) / 10.0)}
    out["ups.beeper.status"] = "enabled" if st.flags & 0x01 else "disabled"
    return out
