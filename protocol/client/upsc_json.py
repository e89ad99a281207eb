"""What ``upsc -j`` prints: NUT 2.8.5's JSON output, byte for byte (pure text).

NUT 2.8.5 (clients/upsc.c, common/strjson.c) writes its JSON by hand, as
the list goes by, so the layout is fixed and an error half-way through a
list leaves a document that is not valid JSON; both are reproduced, because
scripts written for NUT see exactly these bytes:

- a value is ``"..."`` with ``"`` ``\\`` and control characters escaped
  (``\\b \\f \\n \\r \\t``, the others as ``\\u00XX``); everything else, UTF-8
  included, goes through untouched;
- ``upsc -j ups``: ``{`` newline, then ``  "name": "value"`` items joined by
  ``,`` newline, then newline ``}`` newline; ``-L`` the same with UPS names and
  descriptions; ``-l`` and ``-c`` a ``[...]`` array of ``  "name"`` items;
- ``upsc -j ups var``: just ``"value"`` and a newline;
- an error before any output is ``{"error": "<message>"}`` on one line (the
  message is the one upsc prints on stderr after ``Error: ``); if the list
  has begun, the error item is written straight after the last item, without
  a comma, and the document is closed (see :func:`listing`).

No 2.8.5 binary was at hand: these rules come from reading the v2.8.5 source.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

__all__ = ["Shape", "error_object", "escape", "listing", "value"]

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(text: str | None) -> str:
    """json_print_esc: the text as it goes between the quotes; None is ``null``."""
    if text is None:
        return "null"
    return "".join(_ESCAPES.get(ch, f"\\u{ord(ch):04x}" if ch < " " else ch) for ch in text)


def value(text: str | None) -> str:
    """``upsc -j ups var``: the value alone, quoted."""
    return f'"{escape(text)}"\n'


def error_object(message: str) -> str:
    """An error before any output: one small object on one line."""
    return f'{{"error": "{escape(message)}"}}\n'


class Shape(Enum):
    """How a listing opens, shows an item, closes, and reports a late error."""

    OBJECT = ("{", "}", True, '  "error": "{}"\n}}\n')  # upsc -j ups, upsc -j -L
    ARRAY = ("[", "]", False, '  {{"error": "{}"\n}}\n]\n')  # upsc -j -l, upsc -j -c

    def __init__(self, opener: str, closer: str, pairs: bool, late_error: str) -> None:
        self.opener, self.closer, self.pairs, self.late_error = opener, closer, pairs, late_error


def _item(shape: Shape, row: Sequence[str]) -> str:
    if shape.pairs:
        return f'  "{escape(row[0])}": "{escape(row[1])}"'
    return f'  "{escape(row[0])}"'


def listing(shape: Shape, rows: Sequence[Sequence[str]], error: str | None = None) -> str:
    """A whole listing; *rows* are (name, value) pairs or 1-tuples of names.

    With *error* (a list that broke off on a short line, or, for
    ``upsc -j ups`` only, one that never started) the error item
    follows the last item directly, as NUT writes it.
    """
    text = shape.opener + "\n" + ",\n".join(_item(shape, row) for row in rows)
    if error is not None:
        return text + shape.late_error.format(escape(error))
    return text + "\n" + shape.closer + "\n"
