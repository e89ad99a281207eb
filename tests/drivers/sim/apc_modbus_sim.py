"""An APC Smart-UPS 750 (SMT750I) answering Modbus, on TCP, on a serial pty, or on the USB lab.

The registers hold what the one apc_modbus dump shows
(``APC__APC__Smart-UPS_750__apc_modbus__2.8.2__01.dev``, NUT 2.8.2), coded back
after NUT 2.8.5's apc_modbus register tables: strings two characters a
register, scaled values times 2**scale, dates as days since 2000. The unit has
the main outlet group and switched group 1 (SOGRelayConfigSetting = 0b11).

Requests are decoded here on their own (not with nutrio's frames module):
read holding registers (0x03) and write multiple registers (0x10); any other
function answers exception 1, an address the unit does not have exception 2.
Tests steer it at run time: :meth:`on_battery`, :meth:`low_battery`,
:meth:`on_line`, ``mode`` = "normal" | "silent" | "garbage" | "exception";
``writes`` keeps every register write as (address, values).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from functools import partial

import trio
from sim.pty import PtyPair, serving

from nutrio.protocol.devices.modbus import crc16

__all__ = ["ApcModbusUps", "modbus_tcp_sim", "modbus_rtu_sim"]

#: blocks the unit answers (address, count); the command registers take writes
_READABLE = ((0, 27), (128, 44), (516, 120), (1026, 22), (1536, 8))


def _days(date: str) -> int:
    return (dt.date.fromisoformat(date) - dt.date(2000, 1, 1)).days


def _text(text: str, count: int) -> list[int]:
    data = text.encode().ljust(2 * count, b"\0")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, 2 * count, 2)]


def _u32(value: int) -> list[int]:
    value &= 0xFFFFFFFF
    return [value >> 16, value & 0xFFFF]


NEG1 = 0xFFFF


@dataclass
class ApcModbusUps:
    """The unit's registers and faults (see the module comment)."""

    unit: int = 1
    mode: str = "normal"
    regs: dict[int, int] = field(default_factory=dict)
    writes: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    requests: int = 0
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def __post_init__(self) -> None:
        for start, count in _READABLE:
            for address in range(start, start + count):
                self.regs.setdefault(address, 0)
        self.put(516, _text("UPS 09.8", 8))
        self.put(532, _text("Smart-UPS 750", 16))
        self.put(564, _text("AS1316113420", 8))
        self.put(588, [750, 500, 0b11, _days("2013-04-19")])
        self.put(595, [_days("2021-04-15"), *_text("APCUPS", 8)])
        self.put(604, _text("UPS Outlets", 8) + _text("Outlet Group 1", 8))
        self.put(0, [0, 1 << 1 | 1 << 13, 8])  # online, high efficiency; AcceptableInput
        self.put(3, [0, 1, 0, 0, 1])  # main outlet group and group 1 on
        self.put(23, [1 << 2 | 1 << 8])  # test passed, started by the UPS itself
        self.put(128, [*_u32(6420), 51200, 859, 0, _days("2024-10-07"), 0, 4774, 1328, 0,
                       2660, 0, 10, 0, 15296, 0, 6396, *_u32(525890)])
        self.put(151, [15385, 0, 0, 0xFFFE, NEG1, NEG1, NEG1, NEG1])  # efficiency: LoadTooLow
        self.put(159, [NEG1] * 12)  # outlet group timers: none running
        self.put(1026, [253, 208, 0, 180, 0, 0, 8, 0, 90, 0, 0, 8])
        self.put(1039, [NEG1, NEG1, NEG1, NEG1, 0, NEG1, NEG1, NEG1, NEG1])

    def put(self, address: int, values: list[int]) -> None:
        for offset, value in enumerate(values):
            self.regs[address + offset] = value & 0xFFFF

    # -- what tests call ---------------------------------------------------------------

    def on_battery(self) -> None:
        self.put(0, [0, 1 << 2, 2])  # on battery; LowInputVoltage
        self.put(151, [0])
        self.put(154, [0xFFFC])  # efficiency: OnBattery

    def low_battery(self) -> None:
        self.on_battery()
        self.put(18, [1 << 1])  # SimpleSignalingStatus: ShutdownImminent
        self.put(130, [10 * 512])

    def on_line(self) -> None:
        self.put(0, [0, 1 << 1 | 1 << 13, 8])
        self.put(18, [0])
        self.put(151, [15385])
        self.put(154, [0xFFFE])
        self.put(130, [51200])

    def commands(self) -> list[tuple[int, tuple[int, ...]]]:
        """Writes to the command registers (1536-1543)."""
        return [w for w in self.writes if 1536 <= w[0] < 1544]

    # -- the protocol: one PDU in, one PDU out --------------------------------------

    def pdu_answer(self, pdu: bytes) -> bytes | None:
        """The reply PDU (function code first), or None to stay silent."""
        self.requests += 1
        if self.mode == "silent":
            return None
        function = pdu[0]
        if self.mode == "exception":
            return bytes([function | 0x80, 4])
        if function == 0x03 and len(pdu) == 5:
            address, count = int.from_bytes(pdu[1:3], "big"), int.from_bytes(pdu[3:5], "big")
            if not self._has(address, count):
                return bytes([0x83, 2])
            data = b"".join(self.regs[a].to_bytes(2, "big")
                            for a in range(address, address + count))
            return bytes([0x03, len(data)]) + data
        if function == 0x10 and len(pdu) >= 6:
            address, count = int.from_bytes(pdu[1:3], "big"), int.from_bytes(pdu[3:5], "big")
            values = tuple(int.from_bytes(pdu[6 + 2 * i:8 + 2 * i], "big") for i in range(count))
            if not self._has(address, count) or pdu[5] != 2 * count:
                return bytes([0x90, 2])
            self.writes.append((address, values))
            self.put(address, list(values))
            return pdu[:5]
        return bytes([function | 0x80, 1])

    def _has(self, address: int, count: int) -> bool:
        return all(a in self.regs for a in range(address, address + count))

    def adu_answer(self, adu: bytes) -> bytes | None:
        """RTU or USB framing without the CRC: unit id, then the PDU."""
        if adu[0] != self.unit:
            return None
        reply = self.pdu_answer(adu[1:])
        if reply is None:
            return None
        if self.mode == "garbage":
            return bytes([adu[0]]) + bytes(self.rng.randrange(256) for _ in range(len(reply)))
        return bytes([adu[0]]) + reply

    # -- serial RTU on a pty -----------------------------------------------------------

    async def serve(self, pty: PtyPair) -> None:
        """Modbus RTU on the pty's master side, until cancelled."""
        buffer = b""
        while True:
            chunk = await pty.master.receive_some(256)
            if not chunk:
                return
            buffer += chunk
            while (size := _rtu_request_size(buffer)) and len(buffer) >= size:
                request, buffer = buffer[:size], buffer[size:]
                if crc16(request[:-2]) != int.from_bytes(request[-2:], "little"):
                    buffer = b""  # a broken frame: drop the line, as a device's timer would
                    break
                reply = self.adu_answer(request[:-2])
                if reply is not None:
                    await pty.master.send_all(reply + crc16(reply).to_bytes(2, "little"))

    # -- Modbus TCP ----------------------------------------------------------------------

    async def serve_tcp_client(self, stream: trio.SocketStream) -> None:
        buffer = b""
        async with stream:
            while True:
                chunk = await stream.receive_some(512)
                if not chunk:
                    return
                buffer += chunk
                while len(buffer) >= 7 and len(buffer) >= 6 + int.from_bytes(buffer[4:6], "big"):
                    size = 6 + int.from_bytes(buffer[4:6], "big")
                    request, buffer = buffer[:size], buffer[size:]
                    reply = self.adu_answer(request[6:])
                    if reply is not None:
                        header = request[:4] + len(reply).to_bytes(2, "big")
                        await stream.send_all(header + reply)


def _rtu_request_size(buffer: bytes) -> int:
    """The length of the RTU request at the head of ``buffer`` (0: not known yet)."""
    if len(buffer) < 2:
        return 0
    if buffer[1] == 0x10:
        return 9 + buffer[6] if len(buffer) >= 7 else 0
    return 8


@asynccontextmanager
async def modbus_tcp_sim(**kw: object) -> AsyncIterator[tuple[ApcModbusUps, int]]:
    """A unit listening on 127.0.0.1 (a free port); yields (unit, port)."""
    ups = ApcModbusUps(**kw)  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, ups.serve_tcp_client, 0,
                                                host="127.0.0.1"))
        yield ups, listeners[0].socket.getsockname()[1]
        nursery.cancel_scope.cancel()


def modbus_rtu_sim(**kw: object) -> AbstractAsyncContextManager[tuple[ApcModbusUps, str]]:
    """A unit on a fresh pty; yields (unit, tty path a driver opens)."""
    return serving(ApcModbusUps(**kw))  # type: ignore[arg-type]
