"""apcupsd's Network Information Server (NIS) protocol, as NUT 2.8.0's apcupsd-ups
speaks it: each message is a 2-byte big-endian length and that many bytes; the
client asks "status", apcupsd answers one record per line ("STATUS   : ONLINE")
and an empty message to end."""

from __future__ import annotations

__all__ = ["MAX_RECORD", "STATUS_REQUEST", "NisError", "NisReader", "split_record"]

#: NUT reads a record into a 1024-byte buffer: a longer one is an error
MAX_RECORD = 1023
STATUS_REQUEST = len(b"status").to_bytes(2, "big") + b"status"


class NisError(ValueError):
    """A reply NUT's driver calls an "apcupsd communication error"."""


class NisReader:
    """Bytes in, records out: :meth:`records` gives each whole record once, None at
    the end message."""

    def __init__(self) -> None:
        self._buffer = b""
        self.ended = False

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def records(self) -> list[bytes]:
        """The whole records received so far (in order), up to the end message.

        Raises:
            NisError: a record longer than NUT's buffer.
        """
        out = []
        while not self.ended and len(self._buffer) >= 2:
            size = int.from_bytes(self._buffer[:2], "big")
            if size == 0:
                self.ended = True
                self._buffer = self._buffer[2:]
                break
            if size > MAX_RECORD:
                raise NisError(f"a record of {size} bytes")
            if len(self._buffer) < 2 + size:
                break
            out.append(self._buffer[2:2 + size])
            self._buffer = self._buffer[2 + size:]
        return out


def _strtok(text: str, start: int, delims: str) -> tuple[str | None, int]:
    """C strtok from ``start``: the token and where the next call starts."""
    while start < len(text) and text[start] in delims:
        start += 1
    if start >= len(text):
        return None, len(text)
    end = start
    while end < len(text) and text[end] not in delims:
        end += 1
    return text[start:end], end + 1


def split_record(record: bytes) -> tuple[str, str]:
    """A record as NUT splits it: the item (up to a blank or colon) and the rest of
    the line without the blanks and colons that lead it.

    Raises:
        NisError: no item, or nothing after it on the line.
    """
    text = record.split(b"\0", 1)[0].decode("latin-1")
    item, after = _strtok(text, 0, " \t:\r\n")
    if item is None:
        raise NisError(f"an empty record {record!r}")
    data, _ = _strtok(text, after, "\r\n")
    if data is None:
        raise NisError(f"no value in {record!r}")
    return item, data.lstrip(" \t:")
