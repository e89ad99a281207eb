"""NUT's word tokenizer (common/parseconf.c), one character at a time.

How it works: a small state machine turns characters into words. Blanks
split words, ``"..."`` groups them, ``\\`` takes the next character
literally (a backslash before a newline joins lines), ``#`` outside quotes
starts a comment, ``=`` is always a word by itself. Characters outside
0x20..0x7f are dropped, as NUT does since CVE-2012-2944 (bytes are fed
one by one, so a UTF-8 sequence vanishes whole). A ``#`` inside quotes is a
parse error: the words so far are dropped and parsing starts a new line.

upsd tokenizes network lines, dummy-ups ``.dev`` files and every NUT config
file with this same machine, so nutrio uses it for all three. Feeding a
whole file, one line or one byte at a time gives the same result.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["Tokenizer", "Line", "split_line", "iter_lines", "encode_word"]

#: parseconf.h PCONF_DEFAULT_ARG_LIMIT and PCONF_DEFAULT_WORDLEN_LIMIT
ARG_LIMIT = 32
WORDLEN_LIMIT = 512

_NEWLINE = 10
_SPACES = frozenset(b" \t\n\v\f\r")


class _State(enum.Enum):
    FIND_WORD_START = 1
    FIND_EOL = 2
    QUOTE_COLLECT = 3
    QC_LITERAL = 4
    COLLECT = 5
    COLLECT_LITERAL = 6
    END_OF_LINE = 7
    PARSE_ERROR = 8


@dataclass(frozen=True, slots=True)
class Line:
    """One logical line: its words, or a parse error with the words seen."""

    words: tuple[str, ...]
    error: str | None = None
    lineno: int = 0


class Tokenizer:
    """Feed bytes with :meth:`feed`; complete lines come back as :class:`Line`."""

    def __init__(self, *, arg_limit: int = ARG_LIMIT, wordlen_limit: int = WORDLEN_LIMIT) -> None:
        self._arg_limit = arg_limit
        self._wordlen_limit = wordlen_limit
        self._state = _State.FIND_WORD_START
        self._word = bytearray()
        self._words: list[str] = []
        self._lineno = 1

    @property
    def pending(self) -> bool:
        """True while a logical line has started but not ended."""
        return bool(self._words or self._word) or self._state not in (
            _State.FIND_WORD_START,
            _State.END_OF_LINE,
            _State.PARSE_ERROR,
        )

    def feed(self, data: bytes) -> Iterator[Line]:
        """Consume *data*; yield each line it completes."""
        for ch in data:
            line = self.feed_byte(ch)
            if line is not None:
                yield line

    def feed_byte(self, ch: int) -> Line | None:
        """Consume one byte; return the line it completes, if any."""
        if self._state in (_State.END_OF_LINE, _State.PARSE_ERROR):
            self._words = []
            self._state = _State.FIND_WORD_START
        self._state, error = _STEP[self._state](self, ch)
        if ch == _NEWLINE:
            lineno = self._lineno
            self._lineno += 1
        else:
            lineno = self._lineno
        if self._state is _State.END_OF_LINE:
            return Line(tuple(self._words), None, lineno)
        if self._state is _State.PARSE_ERROR:
            return Line(tuple(self._words), error, lineno)
        return None

    def finish(self) -> Line | None:
        """End of input: tie off a line that had no final newline."""
        if self._state in (_State.END_OF_LINE, _State.PARSE_ERROR):
            return None
        if self._word:
            self._end_word()
        if not self._words:
            return None
        line = Line(tuple(self._words), None, self._lineno)
        self._words = []
        self._state = _State.FIND_WORD_START
        return line

    # -- the machine -------------------------------------------------------

    def _add_char(self, ch: int) -> None:
        if ch < 0x20 or ch > 0x7F:
            return
        if self._wordlen_limit and len(self._word) >= self._wordlen_limit:
            return
        self._word.append(ch)

    def _end_word(self) -> None:
        if not (self._arg_limit and len(self._words) >= self._arg_limit):
            self._words.append(self._word.decode("ascii"))
        self._word.clear()

    def _find_word_start(self, ch: int) -> tuple[_State, str | None]:
        if ch == _NEWLINE:
            return _State.END_OF_LINE, None
        if ch == 0x23:  # '#'
            return _State.FIND_EOL, None
        if ch in _SPACES:
            return _State.FIND_WORD_START, None
        if ch == 0x5C:  # '\\'
            return _State.COLLECT_LITERAL, None
        if ch == 0x22:  # '"'
            return _State.QUOTE_COLLECT, None
        self._add_char(ch)
        if ch == 0x3D:  # '='
            self._end_word()
            return _State.FIND_WORD_START, None
        return _State.COLLECT, None

    def _find_eol(self, ch: int) -> tuple[_State, str | None]:
        return (_State.END_OF_LINE if ch == _NEWLINE else _State.FIND_EOL), None

    def _quote_collect(self, ch: int) -> tuple[_State, str | None]:
        if ch == 0x23:
            self._end_word()
            return _State.PARSE_ERROR, "Unbalanced word due to unescaped # in quotes"
        if ch == 0x22:
            self._end_word()
            return _State.FIND_WORD_START, None
        if ch == 0x5C:
            return _State.QC_LITERAL, None
        self._add_char(ch)
        return _State.QUOTE_COLLECT, None

    def _qc_literal(self, ch: int) -> tuple[_State, str | None]:
        if ch != _NEWLINE:
            self._add_char(ch)
        return _State.QUOTE_COLLECT, None

    def _collect(self, ch: int) -> tuple[_State, str | None]:
        if ch == 0x23:
            self._end_word()
            return _State.FIND_EOL, None
        if ch == _NEWLINE:
            self._end_word()
            return _State.END_OF_LINE, None
        if ch in _SPACES:
            self._end_word()
            return _State.FIND_WORD_START, None
        if ch == 0x3D:
            self._end_word()
            self._find_word_start(ch)
            return _State.FIND_WORD_START, None
        if ch == 0x5C:
            return _State.COLLECT_LITERAL, None
        self._add_char(ch)
        return _State.COLLECT, None

    def _collect_literal(self, ch: int) -> tuple[_State, str | None]:
        if ch != _NEWLINE:
            self._add_char(ch)
        return _State.COLLECT, None


_STEP = {
    _State.FIND_WORD_START: Tokenizer._find_word_start,
    _State.FIND_EOL: Tokenizer._find_eol,
    _State.QUOTE_COLLECT: Tokenizer._quote_collect,
    _State.QC_LITERAL: Tokenizer._qc_literal,
    _State.COLLECT: Tokenizer._collect,
    _State.COLLECT_LITERAL: Tokenizer._collect_literal,
}


def iter_lines(data: bytes | Iterable[bytes], **limits: int) -> Iterator[Line]:
    """Tokenize a whole input (a file's bytes, or chunks of it), as pconf_file_next does.

    Lines without words (blank lines, comments) are not reported.
    """
    tok = Tokenizer(**limits)
    chunks = [data] if isinstance(data, bytes | bytearray) else data
    for chunk in chunks:
        for line in tok.feed(chunk):
            if line.words or line.error:
                yield line
    last = tok.finish()
    if last is not None:
        yield last


def split_line(line: str | bytes) -> tuple[str, ...]:
    """Words of a single line (pconf_line); a parse error yields the words before it."""
    data = line.encode("utf-8", "surrogateescape") if isinstance(line, str) else line
    tok = Tokenizer()
    for parsed in tok.feed(data):
        return parsed.words
    last = tok.finish()
    return last.words if last else ()


_ESCAPE = frozenset('#\\"')


def encode_word(value: str) -> str:
    """Escape ``#``, ``\\`` and ``"`` with a backslash (pconf_encode)."""
    if not any(c in _ESCAPE for c in value):
        return value
    return "".join("\\" + c if c in _ESCAPE else c for c in value)
