"""The session's fast path for plain request lines, and the words it remembers.

Most request lines hold no quote, backslash, '#' or '='; NUT's tokenizer
would only split them on blanks, so ``bytes.split`` gives the same words
without the byte-at-a-time machine. Clients repeat the same few lines
(upsmon, upsc), so each server keeps the words of the lines it has seen
(:class:`PlainLines`, one per :class:`~protocol.upsd.types.ServerContext`).
"""

from __future__ import annotations

import re

from nutrio.protocol.common.parseconf import ARG_LIMIT, WORDLEN_LIMIT

__all__ = ["PlainLines", "SEEN_MAX"]

#: A line the tokenizer would split on blanks alone: ASCII 0x20..0x7f and
#: blanks, without quote, backslash, '#' or '='.
_PLAIN = re.compile(rb'[^"\\#=\x00-\x08\x0a\x0e-\x1f\x80-\xff]*')
#: Lines remembered per server; past this the memory starts over.
SEEN_MAX = 1024


class PlainLines:
    """Words of plain lines, remembered: a pure function of the line, so a hit
    answers exactly like a miss."""

    def __init__(self) -> None:
        self._seen: dict[bytes, tuple[str, ...]] = {}

    def next_line(self, data: bytes, start: int, limit: int) -> tuple[tuple[str, ...], int]:
        """Words of the line at *start* and the index after its newline, when the
        line is plain and within *limit* (0: none); else ((), 0)."""
        nl = data.find(b"\n", start)
        if nl < 0 or (limit and nl + 1 - start > limit):
            return (), 0
        raw = data[start:nl]
        seen = self._seen
        words = seen.get(raw)
        if words is None:
            if _PLAIN.fullmatch(raw) is None:
                return (), 0
            words = split_plain(raw)
            if len(seen) >= SEEN_MAX:
                seen.clear()
            seen[raw] = words
        return words, nl + 1

    def __len__(self) -> int:
        return len(self._seen)


def split_plain(raw: bytes) -> tuple[str, ...]:
    """The words of a plain line, cut as parseconf cuts them (ARG_LIMIT words of
    at most WORDLEN_LIMIT characters)."""
    words = raw.decode("ascii").split()[:ARG_LIMIT]
    if len(raw) > WORDLEN_LIMIT:
        words = [w[:WORDLEN_LIMIT] for w in words]
    return tuple(words)
