"""LIST requests as NUT's tools read them: rows of words, failing with NUT's messages."""

from __future__ import annotations

from collections.abc import Iterator

from nutrio.clients._common import fatal
from nutrio.clients._conn import ClientFailure, NutConnection
from nutrio.protocol.client.requests import ClientErrorCode

__all__ = ["ListBroken", "iter_rows", "list_names", "list_rows"]


class ListBroken(Exception):
    """A LIST that failed; :attr:`message` is what NUT prints after ``Error: ``.

    :attr:`started` tells whether upsd had begun the list (the failure is
    then a line with too few words) or refused it.
    """

    def __init__(self, message: str, *, started: bool) -> None:
        super().__init__(message)
        self.message = message
        self.started = started


def iter_rows(conn: NutConnection, query: tuple[str, ...], min_words: int) -> Iterator[tuple[str, ...]]:
    """The words of every line of a LIST, as they arrive.

    Raises:
        ListBroken: the list did not start, or a line has fewer than *min_words* words.
    """
    try:
        conn.list_start(*query)
    except ClientFailure as exc:
        if exc.code is ClientErrorCode.UNKCOMMAND:
            raise ListBroken("upsd is too old to support this query", started=False) from None
        raise ListBroken(exc.message, started=False) from None
    for words in conn.iter_list(*query):
        if len(words) < min_words:
            raise ListBroken(f"insufficient data (got {len(words)} args, need at least {min_words})", started=True)
        yield words


def list_rows(conn: NutConnection, query: tuple[str, ...], min_words: int) -> Iterator[tuple[str, ...]]:
    """:func:`iter_rows`, failing as NUT's tools do (``Error: ...``, exit 1)."""
    try:
        yield from iter_rows(conn, query, min_words)
    except ListBroken as exc:
        raise fatal(f"Error: {exc.message}") from None


def list_names(conn: NutConnection, query: tuple[str, ...], min_words: int) -> list[str]:
    """The third word of every line of a LIST (names).

    NUT's upscmd/upsrw read the whole list before asking anything else.
    """
    return [words[2] for words in list_rows(conn, query, min_words)]
