"""A Huawei UPS2000 (1-3 kVA) on a pseudo-terminal: Modbus RTU at 9600 baud, unit 1, with
the register map and the device identification NUT 2.8.0's huawei-ups2000 reads.

The unit answers read holding registers (0x03) in its blocks, write multiple registers
(0x10) to its settings and command registers, and the extended device identification
(0x2B/0x0E, object 0x87: the unit count and its description). Other addresses answer
exception 2. ``received`` keeps every request frame; :meth:`commands` the writes.
``mode`` = "normal" | "silent" | "garbage" (a wrong CRC on every answer). Tests move the
unit with :meth:`on_battery`, :meth:`low_battery`, :meth:`on_line`, :meth:`alarm`.

:data:`UPS2000_G_3KRTS` holds what Huawei__Huawei__UPS2000-G-3KRTS__huawei-ups2000__2.7.4.1__01.dev
shows (its firmware answers "UPS2000A"), coded back after NUT's scaling: tenths, and
the real and apparent power in units of 100 W and 100 VA.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.linespeed import heard
from sim.pty import PtyPair

from nutrio.protocol.devices.modbus import crc16

__all__ = ["UPS2000_G_3KRTS", "HuaweiProfile", "HuaweiUps", "ident_reply"]

READ, WRITE, IDENT = 0x03, 0x10, 0x2B
#: the blocks a read may touch: status 11000-11049, battery 12000-12033, 19009, alarms
_READABLE = ((11000, 50), (12000, 34), (19009, 1), (41180, 27))
#: where writes go: settings and commands
_WRITABLE = ((11029, 21), (12021, 8))


@dataclass(frozen=True)
class HuaweiProfile:
    """One unit: its description string and its registers on line power."""

    description: str
    registers: dict[int, int]
    count: int = 1


def _u32(address: int, value: int) -> dict[int, int]:
    return {address: value >> 16, address + 1: value & 0xFFFF}


UPS2000_G_3KRTS = HuaweiProfile(
    "1=UPS2000A;2=V2R1C1SPC40;3=P1.0-D1.0;4=2102311MPC10K9000123;5=1;6=0",
    {11000: 2254, 11003: 500, 11004: 2254, 11007: 500, 11008: 2201, 11011: 12,
     11014: 500, 11015: 2, 11018: 3, 11021: 100, 11024: 2, 11027: 223, 11043: 0,
     11044: 1, 11046: 0,
     12000: 821, 12002: 3, 12003: 100, **_u32(12004, 5502), 12007: 6, 12033: 9,
     19009: 30})


def ident_reply(description: str, count: int = 1, *, extra: bytes = b"") -> bytes:
    """The identification answer without its CRC: header, the count, the description."""
    text = description.encode("latin-1")
    return (bytes([1, IDENT, 0x0E, 0x03, 0x03, 0x00, 0x00, 0x02, 0x87, 4])
            + count.to_bytes(4, "big") + bytes([0x88, len(text)]) + text + extra)


def _inside(blocks: tuple[tuple[int, int], ...], address: int, count: int) -> bool:
    return any(start <= address and address + count <= start + size for start, size in blocks)


@dataclass
class HuaweiUps:
    """The unit (see the module comment); ``registers`` may be changed freely."""

    profile: HuaweiProfile
    mode: str = "normal"
    registers: dict[int, int] = field(default_factory=dict)
    received: list[bytes] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.on_line()

    def commands(self) -> list[bytes]:
        return [request for request in self.received if request[1] == WRITE]

    def on_line(self) -> None:
        self.registers = {a: 0 for start, size in _READABLE for a in range(start, start + size)}
        self.registers.update(self.profile.registers)

    def on_battery(self) -> None:
        self.on_line()
        self.registers.update({11024: 3, 12002: 5, 11000: 0, 11003: 0, 11004: 0, 11007: 0,
                               12003: 84, 12004: 0, 12005: 3120})
        self.registers[41180 + 5] |= 1 << 1  # abnormal bypass voltage

    def low_battery(self) -> None:
        self.on_battery()
        self.registers.update({11043: 1 << 6, 12003: 18, 12005: 420})

    def alarm(self, register: int, bit: int) -> None:
        """Raise one alarm bit (register as NUT's table names it: 40156-40182)."""
        self.registers[register + 1024] |= 1 << bit

    # -- the line ------------------------------------------------------------------------

    def answer(self, request: bytes) -> bytes:
        """The reply to one whole request (its CRC checked), without the CRC."""
        self.received.append(request)
        function = request[1]
        if function == IDENT:
            return ident_reply(self.profile.description, self.profile.count)
        address, count = int.from_bytes(request[2:4], "big"), int.from_bytes(request[4:6], "big")
        if function == READ and _inside(_READABLE, address, count):
            data = b"".join(self.registers[a].to_bytes(2, "big")
                            for a in range(address, address + count))
            return bytes([1, READ, len(data)]) + data
        if function == WRITE and _inside(_WRITABLE, address, count):
            for i in range(count):
                self.registers[address + i] = int.from_bytes(request[7 + 2 * i:9 + 2 * i], "big")
            return request[:6]
        return bytes([1, function | 0x80, 2])

    async def serve(self, pty: PtyPair) -> None:
        """Answer whole requests for unit 1 at 9600 baud until cancelled."""
        pending = b""
        async for chunk in heard(pty, 9600, self.raw):
            pending = b"" if chunk is None else pending + chunk
            while (size := _request_size(pending)) and len(pending) >= size:
                request, pending = pending[:size], pending[size:]
                if request[0] != 1 or crc16(request[:-2]) != int.from_bytes(request[-2:], "little"):
                    pending = b""
                    break
                reply = self.answer(request)
                crc = crc16(reply) ^ (0xFFFF if self.mode == "garbage" else 0)
                if self.mode != "silent":
                    await pty.master.send_all(reply + crc.to_bytes(2, "little"))


def _request_size(data: bytes) -> int | None:
    if len(data) < 2:
        return None
    if data[1] == IDENT:
        return 7
    if data[1] == WRITE:
        return 9 + data[6] if len(data) >= 7 else None
    return 8
