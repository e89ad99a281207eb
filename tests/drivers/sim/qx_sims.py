"""Simulated UPSes for nutdrv_qx's protocols other than megatec and voltronic, on ptys.

Each is a :class:`MegatecSim` speaking another dialect of the Q1 family
(NUT 2.8.0 drivers/nutdrv_qx_*.c describe the replies); where the NUT
Device Dump Library has a matching real device, its values are the
simulator's (the class docstring names the dump). The power state is
steered the same way for all: ``on_battery``, ``low_battery``, ``on_line``.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from sim.megatec_sim import MegatecSim, Reply
from sim.pty import serving

__all__ = [
    "AblerexSim",
    "BestupsSim",
    "HunnoxSim",
    "MasterguardSim",
    "MecerSim",
    "MegatecOldSim",
    "MustekSim",
    "Q1OnlySim",
    "VoltronicQsHexSim",
    "VoltronicQsSim",
    "ZintoSim",
    "qx_sim",
]


@dataclass
class MegatecOldSim(MegatecSim):
    """megatec/old: the status query is D (no dump in the DDL: generic values)."""

    def replies(self) -> dict[str, Reply]:
        return {"D": self.q1, "F": lambda: self.rating, "I": self.info}


@dataclass
class MustekSim(MegatecSim):
    """mustek: QS for status; neither F nor I (DDL: UltraMax 1000SC, nutdrv_qx 2.8.0.1)."""

    input_voltage: float = 242.3
    fault_voltage: float = 242.3
    output_voltage: float = 242.3
    load: int | None = 13
    battery_voltage: float = 27.2
    temperature: float | None = None

    def replies(self) -> dict[str, Reply]:
        return {"QS": self.q1}


@dataclass
class ZintoSim(MegatecSim):
    """zinto: the vendor query is FW? (no dump in the DDL: generic values)."""

    def replies(self) -> dict[str, Reply]:
        return {"Q1": self.q1, "F": lambda: self.rating, "FW?": self.info}


@dataclass
class HunnoxSim(ZintoSim):
    """hunnox: zinto's queries, zeroed ratings (DDL: Powercool 1500VA, nutdrv_qx 2.7.4.1)."""

    input_voltage: float = 246.0
    fault_voltage: float = 0.0
    output_voltage: float = 248.0
    load: int | None = 11
    frequency: float = 49.8
    battery_voltage: float = 27.2
    temperature: float | None = 29.0
    rating: str = "#000.0 000 000.0 00.0\r"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.bits.update(line_interactive=False, beeper_on=False)


@dataclass
class Q1OnlySim(MegatecSim):
    """Q1 alone: F and I echoed (DDL: Green Cell PowerProof 2000, nutdrv_qx 2.8.0, protocol q1)."""

    input_voltage: float = 238.7
    fault_voltage: float = 238.7
    output_voltage: float = 239.2
    load: int | None = 3
    frequency: float = 50.1
    battery_voltage: float = 27.4
    temperature: float | None = None

    def replies(self) -> dict[str, Reply]:
        return {"Q1": self.q1}


@dataclass
class MecerSim(MegatecSim):
    """mecer: megatec's queries, "(ACK"/"(NAK" replies; QPI "(NAK" or, for a P98 unit, "(PI98"."""

    command_reply: str = "(ACK"
    refusal: str = "(NAK\r"
    p98: bool = False

    def replies(self) -> dict[str, Reply]:
        qpi = "(PI98\r" if self.p98 else "(NAK\r"
        return {**super().replies(), "QPI": lambda: qpi}


@dataclass
class BestupsSim(MegatecSim):
    """bestups: Q1, ID, RT, M, SS? (DDL: Best Power Patriot Pro II 400, nutdrv_qx 2.7.4)."""

    input_voltage: float = 119.0
    fault_voltage: float = 119.0
    output_voltage: float = 119.0
    load: int | None = 6
    frequency: float = 60.0
    battery_voltage: float = 13.8
    temperature: float | None = None
    ident: str = "PR2,400,120,120,10.8,13.6\r"
    runtime_minutes: int = 103

    def __post_init__(self) -> None:
        super().__post_init__()
        self.bits.update(bypass_boost_buck=True, beeper_on=False)  # a Patriot Pro says 1 normally

    def replies(self) -> dict[str, Reply]:
        return {"Q1": self.q1, "ID": lambda: self.ident, "RT": lambda: f"{self.runtime_minutes:03d}\r",
                "M": lambda: "0\r", "SS?": lambda: "0\r"}  # fmt: skip

    def on_battery(self) -> None:
        super().on_battery()
        self.runtime_minutes = 40


@dataclass
class AblerexSim(MegatecSim):
    """ablerex: Q1/F/I plus binary Q5 and At (DDL: Ablerex MSII series, nutdrv_qx 2.7.4.1)."""

    input_voltage: float = 236.6
    fault_voltage: float = 190.0
    output_voltage: float = 236.1
    load: int | None = 0
    frequency: float = 60.0
    battery_voltage: float = 2.27  # volts per cell
    temperature: float | None = 27.0
    rating: str = "#230.0 043 240.0 60.0\r"
    mfr: str = "#" * 15
    model: str = "#" * 10
    firmware: str = "MS34201G"
    output_frequency: int = 599  # tenths of Hz
    battery_word: int = 1360  # battery voltage, 1200 = nominal

    def __post_init__(self) -> None:
        super().__post_init__()
        self.bits["line_interactive"] = False

    def replies(self) -> dict[str, Reply]:
        return {**super().replies(), "Q5": self.q5, "At": lambda: b"(\x00\x00\x07\x08\r"}

    def q5(self) -> bytes:
        words = (self.output_frequency, 0, 0, self.battery_word, 960, 0, 0, 2)
        data = b"(" + b"".join(word.to_bytes(2, "big") for word in words)[:16]
        return data.ljust(21, b"\x00") + b"\r"

    def on_battery(self) -> None:
        super().on_battery()
        self.battery_word = 1250


@dataclass
class VoltronicQsSim(MegatecSim):
    """voltronic-qs: M answers V, QS the status, F output ratings (DDL: Legrand Keor Multiplug)."""

    input_voltage: float = 227.9
    fault_voltage: float = 226.1
    output_voltage: float = 226.1
    load: int | None = None
    battery_voltage: float = 13.2
    temperature: float | None = None
    rating: str = "#230.0 003 12.00 50.0\r"

    def replies(self) -> dict[str, Reply]:
        return {"M": lambda: "V\r", "QS": self.q1, "F": lambda: self.rating}


_ESCAPES = {0x0D: 0x00, 0x11: 0x01, 0x13: 0x02, 0x0A: 0x03, 0x20: 0x04}


def _field(value: int, size: int) -> bytes:
    out = b""
    for byte in value.to_bytes(size, "big"):
        out += bytes((0x28, _ESCAPES[byte])) if byte in _ESCAPES else bytes((byte,))
    return out


@dataclass
class VoltronicQsHexSim(MegatecSim):
    """voltronic-qs-hex: QS in binary ('P' units; 'T' units add a ratings byte). No dump: the
    values of NUT's own test reply."""

    input_voltage: float = 112.2
    output_voltage: float = 112.2
    load: int | None = 3
    frequency: float = 59.8
    battery_voltage: float = 13.53
    kind: str = "P"
    #: 'T' ratings: 50 Hz (0), 12 V (00), 230 V (011)
    ratings: int = 0b00000011

    def replies(self) -> dict[str, Reply]:
        return {"M": lambda: f"{self.kind}\r", "QS": self.qs}

    def qs(self) -> bytes:
        fields = [
            _field(round(self.input_voltage * 256 * 51 / 53), 2), _field(53, 1),
            _field(round(self.output_voltage * 256 * 51 / 53), 2), _field(53, 1),
            _field(self.load or 0, 1), _field(0x519A, 2),
            _field(round(self.frequency * 0x519A), 3), _field(230, 1),
            _field(round(self.battery_voltage * 510 / 230), 1),
            _field(int(self.status_bits(), 2), 1),
        ]
        if self.kind == "T":
            fields.append(_field(self.ratings, 1))
        return b"#" + b" ".join(fields) + b"\r"


@dataclass
class MasterguardSim(MegatecSim):
    """masterguard (A series): WH, Q3, and Q1 (no dump; WH/Q3 as drivers/nutdrv_qx_masterguard.c
    shows them). NUT 2.8.0 never claims it as masterguard."""

    def replies(self) -> dict[str, Reply]:
        return {
            "Q1": self.q1,
            "WH": lambda: "(00 10.06 03.09 A  700  + 0 Bat Pack-19        0 230 50.00 012 02.30 "
                          "006.00 012.00 018 10 40 160 276 47.00 53.00\r",
            "Q3": lambda: "(00 225.9 225.9 229.3 043 50.0 02.27 23.4 017.03 100 00000000 00000000\r",
        }  # fmt: skip


def qx_sim(cls: type[MegatecSim], **kw: Any) -> AbstractAsyncContextManager[tuple[Any, str]]:
    """A running simulator of class ``cls`` and the tty path a driver opens."""
    return serving(cls(**kw))
