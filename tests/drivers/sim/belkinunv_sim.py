"""Belkin "Universal UPS" units on a pseudo-terminal: the binary register protocol of
NUT 2.8.0's belkinunv (protocol/devices/belkin/unv.py says the framing).

The unit answers a read (instruction 3) with its register's value (instruction 5: one
byte under 256, else two little-endian; the model is a string), a write (4) with an
acknowledgement (2), and a register it does not have with an error (1). ``received``
keeps each request; :meth:`commands` the writes. ``mode`` "silent" stops the
answers, "garbage" sends each with a wrong checksum. Tests move the unit with
:meth:`on_battery`, :meth:`low_battery`, :meth:`on_line`.

:data:`F6C120` follows Belkin__Belkin__Universal_UPS_F6C120-UNV__belkinunv__2.0.4__01.dev
(230 V, 50 Hz, 1200 VA, OL CHRG, firmware 2 of an OFFLINE unit); its old driver read no
temperature nor runtime, so this unit has neither register. :data:`F6C800` is the
120 V / 60 Hz F6C800-UNV of the newhidups dump, given both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.linespeed import heard
from sim.pty import PtyPair

from nutrio.protocol.devices.belkin.unv import LEAD, Reg, checksum

__all__ = ["F6C120", "F6C800", "UnvUps"]

READ, WRITE = 3, 4


@dataclass(frozen=True)
class UnvProfile:
    """A unit's registers on line power, and what changes on battery."""

    registers: dict[int, int | str]
    on_battery: dict[int, int] = field(default_factory=dict)


def _unit(volts: int, hertz: int, va: int, battery: int, model: str, firmware: int,
          xfer: tuple[int, int, int, int, int, int], **extra: int) -> dict[int, int | str]:
    lo, lo_min, lo_max, hi, hi_min, hi_max = xfer
    regs: dict[int, int | str] = {
        Reg.VOLTRATING: volts, Reg.FREQRATING: hertz, Reg.POWERRATING: va,
        Reg.BATVOLTRATING: battery, Reg.XFER_LO: lo, Reg.XFER_LO_MIN: lo_min,
        Reg.XFER_LO_MAX: lo_max, Reg.XFER_HI: hi, Reg.XFER_HI_MIN: hi_min,
        Reg.XFER_HI_MAX: hi_max, Reg.VOLTSENS: 0, Reg.UPSMODEL: model, Reg.FIRMWARE: firmware,
        Reg.TESTSTATUS: 0, Reg.ALARMSTATUS: 2, Reg.SHUTDOWNTIMER: 0, Reg.RESTARTTIMER: 0,
        Reg.UPSSTATUS: 0, Reg.BATSTATUS: 0x10}
    regs.update({Reg[name.upper()]: value for name, value in extra.items()})
    return regs


F6C120 = UnvProfile(
    _unit(230, 50, 1200, 24, "F6C120xxUNV", 0x21, (187, 160, 197, 264, 250, 271),
          inputvolt=2274, inputfreq=500, outputvolt=2266, outputfreq=500, load=53,
          batvolt=271, batlevel=100),
    on_battery={Reg.UPSSTATUS: 0x01, Reg.BATSTATUS: 0x20, Reg.INPUTVOLT: 0,
                Reg.INPUTFREQ: 0, Reg.BATVOLT: 250, Reg.BATLEVEL: 83})
F6C800 = UnvProfile(
    _unit(120, 60, 800, 24, "F6C800-UNV", 0x10, (97, 88, 100, 138, 130, 145),
          inputvolt=1196, inputfreq=600, outputvolt=1201, outputfreq=600, load=17,
          batvolt=274, batlevel=98, temperature=31, timeleft=42),
    on_battery={Reg.UPSSTATUS: 0x01, Reg.BATSTATUS: 0x20, Reg.INPUTVOLT: 0,
                Reg.INPUTFREQ: 0, Reg.OUTPUTFREQ: 599, Reg.TIMELEFT: 35})


def message(instruction: int, reg: int, data: bytes = b"") -> bytes:
    body = bytes([LEAD, instruction, len(data) + 1, reg]) + data
    return body + bytes([checksum(body)])


@dataclass
class UnvUps:
    """The unit (see the module comment); ``registers`` may be changed freely."""

    profile: UnvProfile
    mode: str = "normal"
    registers: dict[int, int | str] = field(default_factory=dict)
    received: list[bytes] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.on_line()

    def commands(self) -> list[bytes]:
        return [request for request in self.received if request[1] == WRITE]

    def on_line(self) -> None:
        self.registers = dict(self.profile.registers)

    def on_battery(self) -> None:
        self.on_line()
        self.registers.update(self.profile.on_battery)

    def low_battery(self) -> None:
        self.on_battery()
        self.registers[Reg.BATSTATUS] = 0x20 | 0x04
        self.registers[Reg.BATLEVEL] = 12

    def answer(self, request: bytes) -> bytes:
        self.received.append(request)
        reg = request[3]
        if request[1] == WRITE and reg in self.registers:
            self.registers[reg] = int.from_bytes(request[4:6], "little")
            return message(2, reg)
        value = self.registers.get(reg)
        if request[1] != READ or value is None:
            return message(1, reg)
        if isinstance(value, str):
            return message(5, reg, value.encode("latin-1"))
        return message(5, reg, value.to_bytes(1 if value < 256 else 2, "little"))

    async def serve(self, pty: PtyPair) -> None:
        """Answer whole requests at 2400 baud until cancelled."""
        pending = b""
        async for chunk in heard(pty, 2400, self.raw):
            pending = b"" if chunk is None else pending + chunk
            pending = pending[pending.find(LEAD):] if LEAD in pending else b""
            while len(pending) >= 3 and len(pending) >= 4 + pending[2]:
                size = 4 + pending[2]
                request, pending = pending[:size], pending[size:]
                reply = self.answer(request)
                if self.mode == "garbage":
                    reply = reply[:-1] + bytes([reply[-1] ^ 0xFF])
                if self.mode != "silent":
                    await pty.master.send_all(reply)
