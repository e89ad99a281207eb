"""Replies remembered per request line: the same poll, answered without the command path.

Why: monitoring clients ask the same few lines again and again (upsmon its
``GET VAR <ups> ups.status``, upsc and exporters their ``LIST VAR <ups>``),
and between two driver updates the answer cannot change. The replies
themselves were already memoized per snapshot (protocol/upsd/replies.py);
what a request still cost was the way to them: the command table, the
argument checks, the device lookup, the availability checks. So a read that
is exactly one such line, seen before, is answered from here.

An answer holds exactly what it was made from: the device (as the registry
named it then), its snapshot object, and the server's FSD version. It is
used only while all three are unchanged and the snapshot is still fresh
(maxage): a new snapshot, a device replaced or removed by a reload, an FSD,
or time passing past maxage all send the line down the full path again, so
a hit answers byte for byte what a miss would. Only GET VAR (not server.*)
and LIST VAR, RW and CMD are remembered: their replies depend on nothing
else (not on the session: no login, no TLS state, no tracking).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from nutrio.protocol.common.state import UpsSnapshot

__all__ = ["ANSWERS_MAX", "Answers", "Device", "Devices", "cacheable"]

#: Lines remembered per server; past this the memory starts over.
ANSWERS_MAX = 1024
_LISTS = frozenset({"VAR", "RW", "CMD"})


class Device(Protocol):
    """What an answer checks of a device (protocol.upsd.types.DeviceView fits)."""

    @property
    def snapshot(self) -> UpsSnapshot: ...


class Devices(Protocol):
    """Where an answer finds its device again (protocol.upsd.types.Devices fits)."""

    def get(self, name: str) -> Device | None: ...


class _Answer(NamedTuple):
    name: str  # the UPS name as the client typed it
    device: Device
    snapshot: UpsSnapshot
    fsd_version: int
    reply: bytes


def cacheable(words: tuple[str, ...]) -> bool:
    """Whether the reply to a line of these words may be remembered."""
    if len(words) < 3:
        return False
    command, sub = words[0].upper(), words[1].upper()
    if command == "GET":
        return sub == "VAR" and len(words) >= 4 and words[3][:7].lower() != "server."
    return command == "LIST" and sub in _LISTS


class Answers:
    """Replies to whole request lines, valid while what made them is unchanged."""

    __slots__ = ("_answers",)

    def __init__(self) -> None:
        self._answers: dict[bytes, _Answer] = {}

    def lookup(self, line: bytes, devices: Devices, fsd_version: int, now: float,
               maxage: float) -> bytes | None:
        """The reply to *line* if it is remembered and still what the full path gives."""
        answer = self._answers.get(line)
        if answer is None:
            return None
        snap = answer.snapshot
        if (answer.device.snapshot is not snap or answer.fsd_version != fsd_version
                or now - snap.heard_at(now) > maxage or devices.get(answer.name) is not answer.device):
            return None
        return answer.reply

    def remember(self, line: bytes, name: str, devices: Devices, fsd_version: int,
                 reply: bytes) -> None:
        """Keep *reply* to *line*, a cacheable request about UPS *name* just answered."""
        device = devices.get(name)
        if device is None:
            return
        answers = self._answers
        if len(answers) >= ANSWERS_MAX:
            answers.clear()
        answers[line] = _Answer(name, device, device.snapshot, fsd_version, reply)

    def __len__(self) -> int:
        return len(self._answers)
