"""An Eaton/MGE UPS on a serial line speaking SHUT, on a pseudo-terminal.

The UPS behind the line is any USB model of the lab (tests/usblab/models.py), in
practice a HID UPS shaped after a NUT dump (tests/usblab/dumpsim.py): SHUT only
carries its control transfers. The device side of the protocol, as NUT 2.8.0's
libshut.c expects it (see protocol/devices/shut/frames.py): it echoes sync bytes,
acknowledges each good packet (NAK for a bad checksum), runs a transfer once its
last packet came, and sends a GET's answer in 8-byte response packets, waiting
for the host's ACK after each (a NAK makes it send the packet again).

Written on its own, not with nutrio's SHUT code: the real mge-shut checks it.
Tests steer it with ``mode`` = "normal" | "silent" (reads, never answers) |
"garbage" (acknowledges requests, answers noise). ``transfers`` keeps every
control transfer as (SETUP bytes, data), ``set_packets`` the exact packets of
every SET_REPORT, ``syncs`` the sync bytes seen.
"""

from __future__ import annotations

import random
from contextlib import AbstractAsyncContextManager
from typing import Any

import trio
from sim.pty import PtyPair, serving

from tests.usblab.models import Setup, UsbError

__all__ = ["ShutSim", "shut_sim"]

ACK, NAK = 0x06, 0x15
SYNC_BYTES = frozenset({0x16, 0x17, 0x18})
_ACK_WAIT = 3.0


def _xor(data: bytes) -> int:
    out = 0
    for byte in data:
        out ^= byte
    return out


class ShutSim:
    """The serial side of a SHUT UPS whose HID side is ``model`` (see the module comment)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.mode = "normal"
        self.transfers: list[tuple[bytes, bytes]] = []
        self.set_packets: list[list[bytes]] = []
        self.syncs: list[int] = []
        self.rng = random.Random(5)
        self._buffer = bytearray()
        self._pty: PtyPair | None = None

    def sets(self) -> list[tuple[bytes, bytes]]:
        """The SET_REPORT transfers (SETUP, report)."""
        return [t for t in self.transfers if t[0][0] == 0x21]

    async def _byte(self, timeout: float = float("inf")) -> int | None:
        assert self._pty is not None
        with trio.move_on_after(timeout):
            while not self._buffer:
                chunk = await self._pty.master.receive_some(256)
                if not chunk:
                    raise EOFError
                self._buffer += chunk
            return self._buffer.pop(0)
        return None

    async def _send(self, data: bytes) -> None:
        assert self._pty is not None
        await self._pty.master.send_all(data)

    async def serve(self, pty: PtyPair) -> None:
        self._pty = pty
        pending: list[bytes] = []  # a SET's packets so far (its SETUP first)
        try:
            while True:
                kind = await self._byte()
                assert kind is not None
                if self.mode == "silent":
                    continue
                if kind in SYNC_BYTES:
                    self.syncs.append(kind)
                    await self._send(bytes([kind]))
                    continue
                if kind & 0x0F != 0x01:
                    continue  # a stray ACK/NAK, or noise
                data = await self._packet(kind)
                if data is None:
                    continue
                if not kind & 0x80:
                    pending.append(bytes([kind]) + data)
                    continue
                if pending:
                    setup, report = pending[0][1:], b"".join(p[1:] for p in pending[1:]) + data
                    self.set_packets.append([*pending, bytes([kind]) + data])
                    pending = []
                    self._run(setup, report)
                else:
                    await self._answer(data)
        except EOFError:
            return

    async def _packet(self, kind: int) -> bytes | None:
        """The rest of a request packet, acknowledged; None (after a NAK) if broken."""
        size_byte = await self._byte(_ACK_WAIT)
        if size_byte is None or size_byte >> 4 != size_byte & 0x0F or size_byte & 0x0F > 8:
            await self._send(bytes([NAK]))
            return None
        data = bytearray()
        for _ in range(size_byte & 0x0F):
            byte = await self._byte(_ACK_WAIT)
            if byte is None:
                return None
            data.append(byte)
        check = await self._byte(_ACK_WAIT)
        if check != _xor(bytes(data)):
            await self._send(bytes([NAK]))
            return None
        await self._send(bytes([ACK]))
        return bytes(data)

    def _run(self, setup: bytes, data: bytes) -> bytes:
        self.transfers.append((setup, data))
        request = Setup(setup[0], setup[1], int.from_bytes(setup[2:4], "little"),
                        int.from_bytes(setup[4:6], "little"), int.from_bytes(setup[6:8], "little"))
        try:
            reply = self.model.control(request, data)
        except UsbError:
            return b""
        return reply[:request.length] if isinstance(reply, bytes) else b""

    async def _answer(self, setup: bytes) -> None:
        reply = self._run(setup, b"")
        if self.mode == "garbage":
            await self._send(bytes(self.rng.randrange(256) for _ in range(12)))
            return
        chunks = [reply[i:i + 8] for i in range(0, len(reply), 8)]
        for number, chunk in enumerate(chunks):
            last = number == len(chunks) - 1
            packet = bytes([0x04 | (0x80 if last else 0), len(chunk) << 4 | len(chunk)])
            packet += chunk + bytes([_xor(chunk)])
            for _ in range(4):
                await self._send(packet)
                answer = await self._byte(_ACK_WAIT)
                if answer != NAK:
                    break
            if answer != ACK:
                return  # the host gave up on this transfer


def shut_sim(model: Any) -> AbstractAsyncContextManager[tuple[ShutSim, str]]:
    """A running SHUT UPS around ``model`` and the tty path a driver opens."""
    return serving(ShutSim(model))
