"""Masterguard A and E series (and their Q1 kin) as NUT 2.8.0's masterguard (0.25) reads them.

How it works: requests end in CR ("Q1", "Q3", "WH", "S.2R0001", "C"); each
reply is one line up to CR (NULs dropped). A unit is known by the length of
its replies: "Q1" must be 46 characters, a "Q3" of 70 makes it a Q3 unit,
and "WH" says its name and firmware in 112 characters (53 in an older, broken
form; "NAK" for none). The readings are the reply's words after its first
character, split at each single space (an empty word between two spaces
counts), each kept as the unit writes it less blanks; the flags word gives
OB/OL, LB and BOOST. NUT's Q3 reading stops before the last word.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CANCEL", "Q1", "Q1_LENGTH", "Q3", "Q3_LENGTH", "SHUTDOWN", "WH", "Identity",
           "identity", "line_text", "read_q1", "read_q3", "status_words"]

Q1, Q3, WH = b"Q1\r", b"Q3\r", b"WH\r"
#: off after 12 s (.2 minutes), on again a minute after the line returns
SHUTDOWN = b"S.2R0001\r"
CANCEL = b"C\r"
Q1_LENGTH, Q3_LENGTH = 46, 70
#: NUT reads each reply into 255 bytes: 254 characters and the NUL
LINE_MAX = 254

_Q1_VARS = ("input.voltage", None, "output.voltage", "ups.load", "input.frequency",
            "battery.voltage", "ups.temperature")
_Q3_VARS = (None, "input.voltage", None, "output.voltage", "output.current", "input.frequency",
            "battery.voltage", "ups.temperature", "battery.runtime", "battery.charge")
_FLAGS_Q1, _FLAGS_Q3 = 7, 10


def line_text(line: bytes) -> str:
    """A reply as NUT keeps it: NULs dropped, at most :data:`LINE_MAX` characters."""
    return line.replace(b"\0", b"")[:LINE_MAX].decode("latin-1")


@dataclass(frozen=True, slots=True)
class Identity:
    """What "WH" said: the unit's name and firmware ("" for none), and how."""

    name: str = ""
    firmware: str = ""
    form: str = "none"  # "wh" | "old" | "nak" | "new" (an unknown length) | "none"


def _until_nul(text: str) -> str:
    return text.split("\0", 1)[0]


def identity(text: str) -> Identity:
    """The name and firmware in a "WH" reply (NUT's fixed offsets)."""
    if len(text) == 112:
        return Identity(_until_nul(text[16:46]), _until_nul(text[4:9]), "wh")
    if len(text) == 53:
        return Identity(text[4:16], text[0:4], "old")
    if text == "NAK":
        return Identity("GenericUPS", "unkn", "nak")
    return Identity(form="new" if text else "none")


class _Words:
    """NUT's word buffer: each word is copied over the last one, so a short flags word
    reads the characters an earlier, longer word left behind."""

    def __init__(self) -> None:
        self.buffer = bytearray(256)

    def put(self, word: str) -> str:
        kept = word.replace(" ", "").replace("\n", "").replace("\t", "").encode("latin-1")
        self.buffer[: len(kept) + 1] = kept + b"\0"
        return kept.decode("latin-1")

    def flags(self) -> str:
        return self.buffer[:3].decode("latin-1")


def _split(text: str) -> list[str]:
    return text[1:].split(" ")


def status_words(flags: str) -> list[str]:
    """ups.status from the first three flag characters (NUT reads no further)."""
    words = ["OB" if flags[0] == "1" else "OL"]
    return words + [w for ch, w in zip(flags[1:3], ("LB", "BOOST"), strict=False) if ch == "1"]


def _read(text: str, names: tuple[str | None, ...], flags_at: int,
          last: bool) -> tuple[dict[str, str], list[str] | None]:
    words, buffer = _split(text), _Words()
    found: dict[str, str] = {}
    status = None
    for index, word in enumerate(words if last else words[:-1]):
        value = buffer.put(word)
        if index < len(names) and (name := names[index]) is not None:
            found[name] = value
        elif index == flags_at:
            status = status_words(buffer.flags())
    return found, status


def read_q1(text: str) -> tuple[dict[str, str], list[str] | None]:
    """The variables and status of a 46-character "Q1" reply (every word read)."""
    return _read(text, _Q1_VARS, _FLAGS_Q1, last=True)


def read_q3(text: str) -> tuple[dict[str, str], list[str] | None]:
    """The variables and status of a 70-character "Q3" reply (its last word left out)."""
    return _read(text, _Q3_VARS, _FLAGS_Q3, last=False)
