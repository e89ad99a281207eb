"""A Powerware/Eaton UPS speaking BCM/XCP, for the serial (pty) and USB (lab) tests.

:class:`XcpUps` is the UPS, whatever carries the bytes: ``answer(frame)``
takes one request frame (``AB len payload checksum``) and returns the reply
blocks (``AB block len seq data checksum``, data cut in blocks of at most
121 bytes, the last one flagged), or nothing. What it knows comes from an
:class:`~sim.bcmxcp_models.XcpProfile` (tests/drivers/sim/bcmxcp_models.py,
shaped after real dumps). It acts on commands (outlets, settings, beeper,
shutdown) and acknowledges them; the authorization block gets no reply, as
the drivers expect. Tests steer it with :meth:`on_battery`,
:meth:`low_battery`, :meth:`on_line`, :meth:`raise_alarm` and ``mode`` =
"normal" | "silent" | "garbage" | "partial". ``received`` keeps every request
payload, in order; :meth:`commands` those that change something.

Written from the BCM/XCP facts in NUT 2.8.0's drivers/bcmxcp.h and bcmxcp.c
(what the driver reads where); the real bcmxcp checks every block it sends.
"""

from __future__ import annotations

import random
import struct
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sim.bcmxcp_models import XcpProfile
from sim.pty import PtyPair, serving

__all__ = ["XcpUps", "bcmxcp_sim"]

START, AUTHORIZE, REQUEST_ONLY = 0xAB, 0xCF, 0xA0
ACCEPTED, NOT_IMPLEMENTED = 0x31, 0x32
BLOCK_DATA = 121
#: meter numbers that read 0 while the mains is gone
INPUT_METERS = frozenset({3, 4, 5, 18, 19, 20, 22, 24, 28, 56, 57, 58})
CHARGE, RUNTIME = 34, 35
UTILITY_FAIL, BATTERY_LOW, ON_BATTERY = 57, 56, 168
ON_LINE_STATUS, ON_BATTERY_STATUS, OFF_STATUS = 0x50, 0xF0, 0x10
LOW_BATTERY_BIT = 0x20


def encode_meter(fmt: int, value: float | bytes) -> bytes:
    """4 bytes of the meter block in ``fmt`` (see protocol/devices/bcmxcp/meters.py)."""
    if isinstance(value, bytes):
        return value
    if fmt in (0xF0, 0xE2):
        return struct.pack("<i", int(value))
    if fmt & 0xF0 == 0xF0:
        return struct.pack("<I", round(value * 2 ** (fmt & 0x0F)))
    return struct.pack("<f", value)


@dataclass
class XcpUps:
    """The UPS (see the module comment); change fields freely between polls."""

    profile: XcpProfile
    mode: str = "normal"
    #: the first byte of every acknowledgement (0x31 accepted; 0x33 busy, 0x36 invalid ...)
    ack: int = ACCEPTED
    #: False: "request only mode" (0xA0) goes unanswered, as on units without it
    request_only: bool = True
    received: list[bytes] = field(default_factory=list)
    #: every byte that came over the serial line (the escape bytes too)
    raw: bytearray = field(default_factory=bytearray)
    meters: dict[int, float | bytes] = field(default_factory=dict)
    alarms: set[int] = field(default_factory=set)
    status: int = ON_LINE_STATUS
    topology_bits: int = 0
    settings: dict[int, int] = field(default_factory=dict)
    outlet_delays: dict[tuple[int, int], int] = field(default_factory=dict)
    outlet_states: dict[int, int] = field(default_factory=dict)
    authorized: bool = False
    random: random.Random = field(default_factory=lambda: random.Random(7))

    def __post_init__(self) -> None:
        self.meters = {n: v for n, (_, v) in self.profile.meters.items()}
        self.settings = dict(self.profile.limits)
        for number, state, off, on in self.profile.outlets:
            self.outlet_states[number] = state
            self.outlet_delays[number, 1] = off
            self.outlet_delays[number, 2] = on

    # -- what tests call ---------------------------------------------------------

    def on_battery(self) -> None:
        self.status = ON_BATTERY_STATUS
        for number in INPUT_METERS & self.meters.keys():
            self.meters[number] = 0.0
        self._set(CHARGE, 81.0)
        self._set(RUNTIME, 1500)
        self.alarms |= {UTILITY_FAIL, ON_BATTERY} & self.profile.alarm_numbers

    def low_battery(self) -> None:
        self.on_battery()
        self._set(CHARGE, 18.0)
        self._set(RUNTIME, 95)
        if BATTERY_LOW in self.profile.alarm_numbers:
            self.alarms.add(BATTERY_LOW)
        else:
            self.topology_bits |= LOW_BATTERY_BIT

    def on_line(self) -> None:
        self.status = ON_LINE_STATUS
        self.meters = {n: v for n, (_, v) in self.profile.meters.items()}
        self.alarms -= {UTILITY_FAIL, ON_BATTERY, BATTERY_LOW}
        self.topology_bits &= ~LOW_BATTERY_BIT

    def raise_alarm(self, number: int) -> None:
        self.alarms.add(number)

    def commands(self) -> list[bytes]:
        """Received payloads that change something (the authorization included)."""
        return [p for p in self.received if p[0] >= 0x88 and p[0] != REQUEST_ONLY]

    def _set(self, number: int, value: float) -> None:
        if number in self.meters:
            self.meters[number] = value

    # -- the protocol ---------------------------------------------------------------

    def answer(self, frame: bytes) -> bytes:
        """The reply blocks to one request frame (b"": no reply)."""
        if len(frame) < 4 or frame[0] != START or sum(frame) & 0xFF:
            return b""
        payload = frame[2:-1]
        self.received.append(payload)
        if self.mode == "silent" or payload[0] == AUTHORIZE:
            self.authorized = payload[0] == AUTHORIZE or self.authorized
            return b""
        data = self._data(payload)
        if data is None:
            return b""
        reply = self.blocks(self._block_number(payload[0]), data)
        if self.mode == "garbage":
            return bytes([START]) + bytes(self.random.randrange(256) for _ in range(len(reply)))
        if self.mode == "partial":
            return reply[: len(reply) // 2]
        return reply

    @staticmethod
    def _block_number(command: int) -> int:
        if command <= 0x45:
            return command - 0x30
        return 0x01 if command == REQUEST_ONLY else 0x09

    @staticmethod
    def blocks(number: int, data: bytes) -> bytes:
        out = b""
        chunks = [data[i : i + BLOCK_DATA] for i in range(0, len(data), BLOCK_DATA)] or [b""]
        for seq, chunk in enumerate(chunks, 1):
            flag = 0x80 if seq == len(chunks) else 0
            head = bytes([START, number, len(chunk), seq | flag]) + chunk
            out += head + bytes([-sum(head) & 0xFF])
        return out

    def _data(self, payload: bytes) -> bytes | None:
        command = payload[0]
        p = self.profile
        reads = {0x31: p.id_block, 0x33: self._status, 0x34: self._meter_block,
                 0x35: self._alarm_block, 0x36: self._config_block, 0x3B: lambda: p.battery,
                 0x3C: self._limit_block, 0x41: self._outlet_block,
                 0x43: lambda: p.topology.to_bytes(2, "little") + bytes(4)}
        if command in reads:
            return reads[command]()
        if command == 0x40:
            return None if p.command_list is None else bytes([len(p.command_list), 1, *p.command_list])
        if command == REQUEST_ONLY:
            return bytes([ACCEPTED]) if self.request_only else None
        if command >= 0x88:
            return self._act(payload)
        return None

    def _status(self) -> bytes:
        return bytes([self.status, self.topology_bits, 0, 0])

    def _meter_block(self) -> bytes:
        return b"".join(encode_meter(fmt, self.meters[n])
                        for n, (fmt, _) in sorted(self.profile.meters.items()))

    def _alarm_block(self) -> bytes:
        # a UPS without an alarm map still answers one byte (a block is never empty)
        reported = self.profile.reported_alarms()
        return bytes(1 if n in self.alarms else 0 for n in reported) or b"\0"

    def _config_block(self) -> bytes:
        block = bytearray(self.profile.config)
        if 0x0B in self.settings:
            block[8:10] = self.settings[0x0B].to_bytes(2, "little")
        if 0x0F in self.settings:
            block[26] = self.settings[0x0F]
        return bytes(block)

    def _limit_block(self) -> bytes:
        block = bytearray(self.profile.limit_block())
        for setting, (at, wide) in self.profile.LIMIT_FIELDS.items():
            if setting in self.settings:
                value = self.settings[setting]
                block[at : at + (2 if wide else 1)] = value.to_bytes(2 if wide else 1, "little")
        return bytes(block)

    def _outlet_block(self) -> bytes:
        out = bytearray([len(self.outlet_states), 6])
        for number, state in self.outlet_states.items():
            out += bytes([number, state])
            out += self.outlet_delays[number, 1].to_bytes(2, "little")
            out += self.outlet_delays[number, 2].to_bytes(2, "little")
        return bytes(out)

    def _act(self, payload: bytes) -> bytes:
        """Acknowledge a command (and do it, when it is accepted)."""
        command, args = payload[0], payload[1:]
        if command == 0x95 and args[:1] == b"\xff":
            return bytes([ACCEPTED, command, 0, *self.profile.settable])
        if command == 0xB2 and args[:1] == b"\xff":
            tests = self.profile.system_tests
            return bytes([ACCEPTED, command, 0, *tests]) if tests else bytes([NOT_IMPLEMENTED, command])
        if self.ack in (ACCEPTED, 0x37):
            self._apply(command, args)
        extra = args[:2] if command == 0x8A else b""
        return bytes([self.ack, command, *extra])

    def _apply(self, command: int, args: bytes) -> None:
        if command == 0x95 and len(args) >= 3:
            self.settings[args[0]] = args[1] | (args[2] << 8 if args[0] in (2, 3, 7, 0x0B) else 0)
        elif command == 0x97 and len(args) >= 4:
            self.outlet_delays[args[1], args[0]] = int.from_bytes(args[2:4], "little")
        elif command in (0x89, 0x8B) and args:
            self.outlet_states[args[0]] = 1 if command == 0x89 else 2
        elif command == 0x8B:
            self.status = OFF_STATUS
        elif command == 0x89:
            self.status = ON_LINE_STATUS

    # -- the serial line ----------------------------------------------------------------

    async def serve(self, pty: PtyPair) -> None:
        """Answer request frames on the master side until cancelled (other bytes skipped)."""
        buffer = b""
        while True:
            chunk = await pty.master.receive_some(256)
            if not chunk:
                return
            self.raw += chunk
            buffer += chunk
            while True:
                start = buffer.find(bytes([START]))
                if start < 0:
                    buffer = b""
                    break
                buffer = buffer[start:]
                if len(buffer) < 2 or len(buffer) < buffer[1] + 3:
                    break
                frame, buffer = buffer[: buffer[1] + 3], buffer[buffer[1] + 3 :]
                reply = self.answer(frame)
                if reply:
                    await pty.master.send_all(reply)


def bcmxcp_sim(profile: XcpProfile, **kw: object) -> AbstractAsyncContextManager[tuple[XcpUps, str]]:
    """A running simulator of ``profile`` and the tty path a driver opens."""
    return serving(XcpUps(profile, **kw))  # type: ignore[arg-type]
