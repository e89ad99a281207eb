"""Belkin's "Universal UPS" binary protocol, as NUT 2.8.0's belkinunv (0.08) speaks it.

Pure: registers and request bytes out, reply frames in, variables and status words back.

A message is ``0x7E``, an instruction, a size, a register, ``size - 1`` data bytes
and a checksum (the low byte of the sum of all bytes before it). The driver reads
(instruction 3, one zero data byte) and writes (instruction 4, a little-endian
16-bit value); the unit answers a read with instruction 5 and the value (one or
two bytes, little-endian, or a string), a write with instruction 2, and an error
with instruction 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from nutrio.protocol.common.cnum import c_atoi

__all__ = ["COMMANDS", "HEADER", "KILLPOWER", "LEAD", "MAX_MESSAGE", "SENSITIVITY", "Reg", "Reply",
           "beeper_text", "checksum", "decode", "firmware_vars", "int_value", "read_request",
           "sensitivity_text", "set_writes", "status_words", "str_value", "tenths",
           "test_result", "write_done", "write_request"]

LEAD = 0x7E
#: lead, instruction, size, register
HEADER = 4
#: NUT's buffer: no answer it takes is longer
MAX_MESSAGE = 25
READ, WRITE, ERROR, ACK, VALUE = 3, 4, 1, 2, 5


class Reg(IntEnum):
    """The registers belkinunv uses."""

    VOLTRATING = 0x01
    FREQRATING = 0x02
    POWERRATING = 0x03
    BATVOLTRATING = 0x04
    XFER_LO = 0x06
    XFER_LO_MAX = 0x07
    XFER_LO_MIN = 0x08
    XFER_HI = 0x09
    XFER_HI_MAX = 0x0A
    XFER_HI_MIN = 0x0B
    VOLTSENS = 0x0C
    UPSMODEL = 0x0D
    FIRMWARE = 0x0F
    TESTSTATUS = 0x10
    ALARMSTATUS = 0x11
    SHUTDOWNTIMER = 0x15
    RESTARTTIMER = 0x16
    INPUTVOLT = 0x18
    INPUTFREQ = 0x19
    TEMPERATURE = 0x1A
    OUTPUTVOLT = 0x1B
    OUTPUTFREQ = 0x1C
    LOAD = 0x1E
    BATVOLT = 0x20
    BATLEVEL = 0x21
    UPSSTATUS = 0x22
    BATSTATUS = 0x23
    TIMELEFT = 0x3F


#: ups status register bits -> status word, in the order NUT adds them
_UPS_BITS = ((0x0001, "ACFAIL"), (0x0010, "OVER"), (0x0040, "OVERHEAT"), (0x0080, "COMMFAULT"))
#: battery status register bits
ON_BATTERY = 0x20
_BATTERY_BITS = ((0x04, "LB"), (0x10, "CHRG"), (0x40, "DEPLETED"), (0x80, "RB"))

SENSITIVITY = ("normal", "medium", "low")
_UPS_TYPES = ("ONLINE", "OFFLINE", "LINEINT")
_TESTS = ("no test performed", "test passed", "test failed", "test failed", "test aborted",
          "test in progress")

#: instant command -> the register writes it makes, in order (beeper.on/off: old names)
COMMANDS: dict[str, tuple[tuple[Reg, int], ...]] = {
    "test.failure.start": ((Reg.TESTSTATUS, 2),),
    "test.failure.stop": ((Reg.TESTSTATUS, 3),),
    "test.battery.start": ((Reg.TESTSTATUS, 1),),
    "test.battery.stop": ((Reg.TESTSTATUS, 3),),
    "beeper.disable": ((Reg.ALARMSTATUS, 1),),
    "beeper.enable": ((Reg.ALARMSTATUS, 2),),
    "beeper.mute": ((Reg.ALARMSTATUS, 3),),
    "beeper.on": ((Reg.ALARMSTATUS, 2),),
    "beeper.off": ((Reg.ALARMSTATUS, 1),),
    # the restart timer counts minutes: 2, so it cannot run out before the shutdown timer
    "shutdown.stayoff": ((Reg.RESTARTTIMER, 0), (Reg.SHUTDOWNTIMER, 1)),
    "shutdown.reboot": ((Reg.RESTARTTIMER, 2), (Reg.SHUTDOWNTIMER, 1)),
    "shutdown.reboot.graceful": ((Reg.RESTARTTIMER, 2), (Reg.SHUTDOWNTIMER, 40)),
    "reset.input.minmax": (),
}
#: killpower (-k): back after 10 minutes whatever happens, off in a second
KILLPOWER = ((Reg.RESTARTTIMER, 10), (Reg.SHUTDOWNTIMER, 1))


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def _framed(body: bytes) -> bytes:
    return body + bytes([checksum(body)])


def read_request(reg: int) -> bytes:
    return _framed(bytes([LEAD, READ, 2, reg, 0]))


def write_request(reg: int, value: int) -> bytes:
    return _framed(bytes([LEAD, WRITE, 3, reg, value & 0xFF, (value >> 8) & 0xFF]))


@dataclass(frozen=True, slots=True)
class Reply:
    instruction: int
    register: int
    data: bytes


def decode(message: bytes) -> Reply:
    """A whole message (lead, header, ``size`` bytes); ValueError names what is wrong."""
    if not message or message[0] != LEAD:
        raise ValueError("garbage read from UPS")
    if len(message) < HEADER or len(message) != HEADER + message[2]:
        raise ValueError("short read from UPS")
    if checksum(message[:-1]) != message[-1]:
        raise ValueError("bad checksum from UPS")
    return Reply(message[1], message[3], message[4:-1])


def _answer(reply: Reply, reg: int, kind: int) -> bytes | None:
    if reply.instruction not in (kind, ERROR) or reply.register != reg:
        raise ValueError("invalid response from UPS")
    return None if reply.instruction == ERROR else reply.data


def int_value(reply: Reply, reg: int) -> int | None:
    """A read's value (None when the unit answered an error); ValueError if malformed."""
    data = _answer(reply, reg, VALUE)
    if data is None:
        return None
    if len(data) not in (1, 2):
        raise ValueError("invalid response from UPS")
    return int.from_bytes(data, "little")


def str_value(reply: Reply, reg: int) -> str | None:
    data = _answer(reply, reg, VALUE)
    return None if data is None else data.decode("latin-1")


def write_done(reply: Reply, reg: int) -> bool:
    return _answer(reply, reg, ACK) is not None


def status_words(ups: int, battery: int, output_volts: int) -> list[str]:
    """ups.status from the ups and battery status registers and the output voltage."""
    if battery & ON_BATTERY:
        words = ["OB"]  # tests included
    else:
        words = ["OL" if output_volts > 0 else "OFF"]
    words += [word for bit, word in _UPS_BITS if ups & bit]
    return words + [word for bit, word in _BATTERY_BITS if battery & bit]


def tenths(value: int) -> str:
    return f"{0.1 * value:.1f}"


def beeper_text(value: int) -> str:
    return "disabled" if value == 1 else "muted" if value & 1 else "enabled"


def sensitivity_text(value: int) -> str:
    return SENSITIVITY[value] if 0 <= value < len(SENSITIVITY) else "?"


def test_result(value: int) -> str:
    return _TESTS[value] if 0 <= value < len(_TESTS) else "?"


def firmware_vars(value: int) -> dict[str, str]:
    return {"ups.firmware": str((value >> 4) & 0xF), "ups.type": _UPS_TYPES[(value & 0xF) % 3]}


def set_writes(name: str, value: str) -> tuple[tuple[Reg, int], ...] | None:
    """The writes a SET makes (maybe none), or None for a variable belkinunv does not know.

    As NUT's: an unknown sensitivity writes nothing, an unknown beeper word is read as a
    number, and the transfer points are numbers (atoi).
    """
    match name.lower():
        case "input.sensitivity":
            lowered = value.lower()
            return tuple((Reg.VOLTSENS, i) for i, word in enumerate(SENSITIVITY) if word == lowered)
        case "ups.beeper.status":
            words = {"disabled": 1, "on": 2, "enabled": 2, "off": 3, "muted": 3}
            return ((Reg.ALARMSTATUS, words.get(value.lower(), c_atoi(value))),)
        case "input.transfer.low":
            return ((Reg.XFER_LO, c_atoi(value)),)
        case "input.transfer.high":
            return ((Reg.XFER_HI, c_atoi(value)),)
    return None
