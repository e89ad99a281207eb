"""The powercom unit types of NUT 2.8.0 (0.19) and the ups.conf options that adjust them.

How it works: a type fixes the frame length, the flow control, three
(byte index, value) checks every frame must pass, the shutdown delay bytes
and, for the types without a formula of their own, the coefficients of the
linear conversions (kept in C ``float``, as NUT's table is). The options
``numOfBytesFromUPS``, ``methodOfFlowControl``, ``validationSequence``,
``shutdownArguments``, ``frequency``, ``loadPercentage``,
``batteryPercentage`` and ``voltage`` replace parts of the chosen type, read
with C's ``sscanf`` as NUT reads them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from nutrio.protocol.common.cfloat import f32
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.cscan import c_sscanf

__all__ = ["BATTERY_TEST", "COUNTER", "MAX_FRAME", "RESTART", "SEND_DATA", "SHUTDOWN", "TYPES",
           "PcType", "Setup", "configure", "shutdown_bytes"]

SEND_DATA, BATTERY_TEST = b"\x01", b"\x03"
RESTART, SHUTDOWN, COUNTER = 0xB9, 0xBA, 0xBC
MAX_FRAME = 16


@dataclass(frozen=True, slots=True)
class PcType:
    """One row of NUT's type table (the coefficients as C floats)."""

    name: str
    frame: int
    flow: str  # "dtr0rts1" | "no_flow_control"
    checks: tuple[tuple[int, int], ...]  # three (byte index, value)
    delay: tuple[int, int]  # (minutes, seconds) of the shutdown counter
    minutes: str  # "n": the minutes byte is not sent
    freq: tuple[float, ...]
    loadpct: tuple[float, ...]
    battpct: tuple[float, ...]
    voltage: tuple[float, ...]


def _row(name: str, frame: int, flow: str, checks: tuple[tuple[int, int], ...],
         delay: tuple[int, int], minutes: str, *coefficients: tuple[float, ...]) -> PcType:
    freq, load, batt, volt = (tuple(f32(c) for c in group) for group in coefficients)
    return PcType(name, frame, flow, checks, delay, minutes, freq, load, batt, volt)


_STD_LOAD, _STD_BATT = (6.1343, -0.3808, 4.3110, 0.1811), (5.0, 0.3268, -825.0, 4.5639, -835.82)
_STD_FREQ, _STD_VOLT = (0.00020997, 0.00020928), (1.9216, -0.0977, 0.9545, 0.0)
_KIN_BATT, _KIN_VOLT = (5.0, 0.3268, -825.0, 0.46511, 0.0), (1.9216, -0.0977, 0.82857, 0.0)
_RAW = ((1.0, 0.0, 1.0, 0.0), (1.0, 0.0, 0.0, 1.0, 0.0), (2.0, 0.0, 2.0, 0.0))
_NOFLOW = "no_flow_control"
TYPES: tuple[PcType, ...] = (
    _row("Trust", 11, "dtr0rts1", ((5, 0), (7, 0), (8, 0)), (0, 10), "n",
         _STD_FREQ, _STD_LOAD, _STD_BATT, _STD_VOLT),
    _row("Egys", 16, _NOFLOW, ((5, 0x80), (7, 0), (8, 0)), (0, 10), "n",
         _STD_FREQ, (6.1343, -0.3808, 1.3333, 0.6667), (5.0, 0.3268, -825.0, 2.2105, -355.37),
         _STD_VOLT),
    _row("KP625AP", 16, "dtr0rts1", ((5, 0x80), (7, 0), (8, 0)), (0, 10), "n",
         _STD_FREQ, _STD_LOAD, _STD_BATT, _STD_VOLT),
    _row("IMP", 16, _NOFLOW, ((5, 0xFF), (7, 0), (8, 0)), (1, 30), "y",
         _STD_FREQ, _STD_LOAD, _STD_BATT, _STD_VOLT),
    _row("KIN", 16, _NOFLOW, ((11, 0x4B), (8, 0), (8, 0)), (1, 30), "y",
         (0.00020997, 0.0), (6.1343, -0.3808, 1.075, 0.1811), _KIN_BATT, _KIN_VOLT),
    _row("BNT", 16, _NOFLOW, ((11, 0x42), (8, 0), (8, 0)), (1, 30), "y",
         (0.00020803, 0.0), (1.4474, 0.0, 0.8594, 0.0), _KIN_BATT, _KIN_VOLT),
    _row("BNT-other", 16, _NOFLOW, ((8, 0), (8, 0), (8, 0)), (1, 30), "y",
         (0.00027778, 0.0), *_RAW),
    _row("OPTI", 16, _NOFLOW, ((5, 0xFF), (7, 0), (8, 0)), (1, 30), "y", (0.0, 0.0), *_RAW),
)


@dataclass(frozen=True, slots=True)
class Setup:
    """What ups.conf made of the driver: the type as adjusted, and the fixed strings."""

    kind: PcType
    manufacturer: str = "PowerCom"
    model: str = "Unknown"
    serial: str = "Unknown"
    linevoltage: int = 230
    battery_test: bool = True  # no ``nobt`` flag: a battery test at start

    @property
    def detects(self) -> bool:
        """Whether the start reads a frame to learn the model and line voltage."""
        return self.kind.name.startswith("BNT") or self.kind.name in ("KIN", "IMP", "OPTI")


def configure(options: Mapping[str, str]) -> Setup:
    """The setup from ups.conf options; ValueError with NUT's message for a bad one."""
    kind = TYPES[0]
    if "type" in options:
        kind = _type_named(options["type"])
    line = 230
    if "linevoltage" in options:
        line = c_atoi(options["linevoltage"])
        if not (200 <= line <= 240 or 100 <= line <= 120):
            raise ValueError(f"Given line voltage '{line}' is out of range (100-120 or 200-240 V)")
    kind = _adjusted(kind, options)
    return Setup(kind, options.get("manufacturer", "PowerCom"), options.get("modelname", "Unknown"),
                 options.get("serialnumber", "Unknown"), line,
                 options.get("nobt", "false").lower() in ("false", "no", "off", "0"))


def _type_named(name: str) -> PcType:
    for kind in TYPES:
        if kind.name == name:
            return kind
    raise ValueError(f"Given UPS type '{name}' isn't valid!")


def _adjusted(kind: PcType, options: Mapping[str, str]) -> PcType:
    changes: dict[str, object] = {}
    if "numOfBytesFromUPS" in options:
        count = c_atoi(options["numOfBytesFromUPS"])
        if not 0 < count <= MAX_FRAME:
            raise ValueError(f"Given numOfBytesFromUPS '{count}' is out of range "
                             f"(1 to {MAX_FRAME})")
        changes["frame"] = count
    if "methodOfFlowControl" in options:
        flow = options["methodOfFlowControl"]
        if flow not in {t.flow for t in TYPES}:
            raise ValueError(f"Given methodOfFlowControl '{flow}' isn't valid!")
        changes["flow"] = flow
    if "validationSequence" in options:
        got = _scan("validationSequence", "{{%u,%x},{%u,%x},{%u,%x}}", options, 6)
        checks = tuple((int(got[i]), int(got[i + 1])) for i in (0, 2, 4))
        if any(index >= MAX_FRAME for index, _ in checks):  # NUT reads past its buffer
            raise ValueError(f"Given validationSequence '{options['validationSequence']}'"
                             " isn't valid!")
        changes["checks"] = checks
    if "shutdownArguments" in options:
        got = _scan("shutdownArguments", "{{%hhu,%hhu},%c}", options, 3)
        changes["delay"], changes["minutes"] = (int(got[0]), int(got[1])), str(got[2])
    for key, field, count in (("frequency", "freq", 2), ("loadPercentage", "loadpct", 4),
                              ("batteryPercentage", "battpct", 5), ("voltage", "voltage", 4)):
        if key in options:
            fmt = "{" + ",".join(["%f"] * count) + "}"
            changes[field] = tuple(float(v) for v in _scan(key, fmt, options, count)[:count])
    return dataclasses.replace(kind, **changes)  # type: ignore[arg-type]


def _scan(key: str, fmt: str, options: Mapping[str, str], needed: int) -> list[int | float | str]:
    got = c_sscanf(fmt, options[key])
    if len(got) < needed:
        raise ValueError(f"Given {key} '{options[key]}' isn't valid!")
    return got


def shutdown_bytes(kind: PcType, *, stay_off: bool) -> bytes:
    """The shutdown: RESTART then COUNTER (power returns) or SHUTDOWN (stays off), then the
    minutes byte unless the type says "n", then the seconds byte."""
    head = bytes([SHUTDOWN]) if stay_off else bytes([RESTART, COUNTER])
    minutes = bytes([kind.delay[0]]) if kind.minutes != "n" else b""
    return head + minutes + bytes([kind.delay[1]])
