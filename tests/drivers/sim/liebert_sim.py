"""A Liebert UPS speaking ESP-II on a pseudo-terminal, shaped after real dumps.

Requests are frames ``01 family length 01 index [data] sum``; each known
register answers 8 bytes ``01 family 02 01 index high low sum``; a register
the model lacks gets no answer, as a unit ignores what it does not have.
The unit hears only at its own speed (``baud``), and ``mode`` = "normal" |
"silent" | "garbage" (8 bytes with a bad sum) | "partial" (5 bytes) steers
the replies. ``received`` keeps every request frame; :meth:`commands` the
0x9C (setting) ones, which are acknowledged. Tests move the unit with
:meth:`on_battery`, :meth:`low_battery` and :meth:`on_line`.

The register map is NUT 2.8.0's liebert-esp2 tables (what it reads where);
the values come from the dumps in ../shared/data/ddl/ (Liebert GXT2-3000RT230
with NUT 2.6.2, NXe 20 kVA with NUT 2.4.3).
"""

from __future__ import annotations

import random
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sim.linespeed import heard
from sim.pty import PtyPair, serving

__all__ = ["GXT2_3000", "GXT2_6000", "NXE_20K", "EspProfile", "LiebertUps", "liebert_sim"]

IDENT, STATUS, WRITE = 0x88, 0x94, 0x9C


@dataclass(frozen=True)
class EspProfile:
    """One model: identity strings (NUT's order, padded as the unit pads them), the type
    and scaling words, every other register, and the speed it talks at."""

    ident: tuple[str, str, str, str]
    type_word: int
    scaling: int | None
    registers: dict[tuple[int, int], int]
    baud: int = 2400
    #: words of the identity that go unanswered (a model without a serial number)
    missing_ident: frozenset[str] = frozenset()


def _meters(*rows: tuple[int, int, int]) -> dict[tuple[int, int], int]:
    return {(family, index): value for family, index, value in rows}


GXT2_3000 = EspProfile(
    ident=("GXT2-3000RT230" + " " * 16, "GXT2MR15D-2K3K  ", "0323000167AF491     ", "15AUG03 "),
    type_word=0x0011, scaling=1,
    registers=_meters(
        (0x95, 1, 59), (0x95, 2, 824), (0x95, 3, 0), (0xA1, 13, 828), (0x95, 12, 0),
        (0x95, 14, 395), (0xA1, 8, 3000), (0xA1, 4, 0), (0xA1, 14, 2), (0x95, 8, 500),
        (0x95, 10, 500), (0xA1, 9, 500), (0x95, 9, 500), (0xA1, 10, 500),
        (0x90, 1, 2290), (0x90, 5, 2290), (0x90, 6, 0),
        (0x95, 7, 17), (0x95, 6, 513), (0x95, 5, 366), (0x90, 3, 2304), (0x90, 4, 24),
        (STATUS, 1, 0), (STATUS, 2, 0x0002), (STATUS, 3, 0),
    ),
)
NXE_20K = EspProfile(
    ident=("Liebert NX " + " " * 19, "I170R150M260    ", "", ""),
    missing_ident=frozenset({"serial", "date"}),
    type_word=0x0033, scaling=2, baud=9600,
    registers=_meters(
        (0x95, 1, 81), (0x95, 2, 5403), (0x95, 3, 0), (0xA1, 13, 0), (0x95, 12, 203),
        (0x95, 14, 250), (0xA1, 8, 200), (0xA1, 4, 90), (0xA1, 14, 10), (0x95, 8, 5000),
        (0x95, 10, 5000), (0xA1, 9, 5000), (0x95, 9, 5000), (0xA1, 10, 5000),
        (0x90, 1, 2359), (0x91, 1, 2396), (0x92, 1, 2378), (0x90, 5, 2361), (0x91, 5, 2394),
        (0x92, 5, 2380), (0x90, 6, 0), (0x91, 6, 0), (0x92, 6, 0), (0x90, 2, 50), (0x91, 2, 54),
        (0x92, 2, 50),
        (0x90, 24, 21), (0x91, 24, 20), (0x92, 24, 19), (0x90, 22, 14), (0x91, 22, 14),
        (0x92, 22, 11), (0x90, 21, 10), (0x91, 21, 10), (0x92, 21, 10), (0x90, 3, 2308),
        (0x91, 3, 2304), (0x92, 3, 2304), (0x90, 14, 21), (0x91, 14, 27), (0x92, 14, 20),
        (STATUS, 1, 0), (STATUS, 2, 0x0002), (STATUS, 3, 0),
    ),
)
#: split phase, line-interactive, no scaling word (NUT's default multipliers), and no
#: bypass current meter: one request per poll goes unanswered
GXT2_6000 = EspProfile(
    ident=("GXT2-6000RT208" + " " * 16, "GXT2MR16C       ", "0512000042AF781     ", "03FEB05 "),
    type_word=0x2022, scaling=None,
    registers=_meters(
        (0x95, 1, 31), (0x95, 2, 2160), (0x95, 3, 125), (0xA1, 13, 2160), (0x95, 12, 281),
        (0x95, 14, 332), (0xA1, 8, 60), (0xA1, 4, 3), (0xA1, 14, 2), (0x95, 8, 5998),
        (0x95, 10, 6001), (0xA1, 9, 6000), (0x95, 9, 6000), (0xA1, 10, 6000),
        (0x90, 1, 2081), (0x90, 5, 2079), (0x90, 2, 118),
        (0x90, 24, 34), (0x91, 24, 29), (0x90, 22, 11), (0x91, 22, 9), (0x90, 21, 10),
        (0x91, 21, 8), (0x90, 3, 2080),
        (STATUS, 1, 0), (STATUS, 2, 0x0002), (STATUS, 3, 0),
    ),
)


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


@dataclass
class LiebertUps:
    """The unit (see the module comment); change ``registers`` freely between polls."""

    profile: EspProfile
    mode: str = "normal"
    registers: dict[tuple[int, int], int] = field(default_factory=dict)
    received: list[bytes] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.registers = {**self.profile.registers, **self._ident_words()}

    def _ident_words(self) -> dict[tuple[int, int], int]:
        words, index = {}, 4
        for name, text, length in zip(("model", "firmware", "serial", "date"),
                                      self.profile.ident, (15, 8, 10, 4), strict=True):
            chars = text.encode("latin-1").ljust(2 * length, b"\0")
            for word in range(length):
                if name not in self.profile.missing_ident:
                    words[IDENT, index + word] = chars[2 * word + 1] << 8 | chars[2 * word]
            index += length
        words[IDENT, 1] = self.profile.type_word
        if self.profile.scaling is not None:
            words[0x83, 2] = self.profile.scaling
        return words

    # -- what tests call --------------------------------------------------------

    def commands(self) -> list[bytes]:
        return [frame for frame in self.received if frame[1] == WRITE]

    def _set_bit(self, index: int, bit: int, on: bool) -> None:
        word = self.registers[STATUS, index]
        self.registers[STATUS, index] = word | bit if on else word & ~bit

    def on_battery(self) -> None:
        self._set_bit(1, 0x0100, True)
        self.registers[0x95, 3] = -850  # discharging
        for key in [k for k in self.registers if k[1] in (1, 2) and 0x90 <= k[0] <= 0x92]:
            self.registers[key] = 0
        self.registers[0x95, 8] = 0

    def low_battery(self) -> None:
        self.on_battery()
        self._set_bit(3, 0x0020, True)

    def on_line(self) -> None:
        self.registers = {**self.profile.registers, **self._ident_words()}

    # -- the line ---------------------------------------------------------------------

    def answer(self, frame: bytes) -> bytes:
        family, index = frame[1], frame[4]
        if self.mode == "silent":
            return b""
        if self.mode == "garbage":
            return bytes(random.randrange(256) for _ in range(7)) + b"\x00"
        if family != WRITE and (family, index) not in self.registers:
            return b""
        word = self.registers.get((family, index), 0) & 0xFFFF
        reply = bytes([1, family, 2, 1, index, word >> 8, word & 0xFF])
        reply += bytes([checksum(reply)])
        return reply[:5] if self.mode == "partial" else reply

    async def serve(self, pty: PtyPair) -> None:
        """Answer whole frames at the unit's speed until cancelled (other bytes skipped)."""
        buffer = b""
        async for chunk in heard(pty, self.profile.baud, self.raw):
            if chunk is None:
                buffer = b""
                continue
            buffer += chunk
            while True:
                start = buffer.find(b"\x01")
                if start < 0 or len(buffer) < start + 3:
                    buffer = buffer[start:] if start >= 0 else b""
                    break
                size = buffer[start + 2] + 4
                if len(buffer) < start + size:
                    buffer = buffer[start:]
                    break
                frame, buffer = buffer[start : start + size], buffer[start + size :]
                self.received.append(frame)
                reply = self.answer(frame)
                if reply:
                    await pty.master.send_all(reply)


def liebert_sim(profile: EspProfile, **kw: object) -> AbstractAsyncContextManager[tuple[LiebertUps, str]]:
    """A running simulator of ``profile`` and the tty path a driver opens."""
    return serving(LiebertUps(profile, **kw))  # type: ignore[arg-type]
