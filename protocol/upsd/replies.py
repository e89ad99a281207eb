"""How upsd 2.8.0 words its answers, byte for byte.

- Every reply line goes out through one formatting buffer of 512 bytes
  (NUT_NET_ANSWER_MAX): a longer line is cut there, newline included
  (observed with GET DESC of a 500-byte variable name).
- Values inside quotes are escaped as pconf_encode does (``\\``, ``"``, ``#``);
  names are echoed as the client typed them, unescaped.
- Listings (LIST VAR / RW / CMD) and GET VAR answers are rendered once per
  immutable :class:`UpsData` and kept on it (``UpsData.memo``) while it
  lives, so a 40-variable LIST VAR or a GET VAR costs a dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from nutrio.protocol.common.errors import NutError
from nutrio.protocol.common.parseconf import encode_word, iter_lines
from nutrio.protocol.common.state import UpsData

__all__ = [
    "ANSWER_MAX",
    "line",
    "err",
    "wire_value",
    "status_value",
    "served_status",
    "render_list",
    "var_reply",
    "Descriptions",
    "DEFAULT_VERSION",
]

#: NUT_NET_ANSWER_MAX: sendback() formats into a buffer of this size.
ANSWER_MAX = 512

DEFAULT_VERSION = "2.8.0"


def line(text: str) -> bytes:
    """One reply line (``text`` without newline), cut as upsd's sendback does."""
    raw = (text + "\n").encode("ascii", "ignore")
    return raw if len(raw) <= ANSWER_MAX else raw[:ANSWER_MAX]


def wire_value(value: str) -> str:
    """A value as upsd holds it: only bytes 0x20..0x7f survive its tokenizer, then escaped.

    upsd reads driver values through pconf, which drops everything else.
    """
    if not (value.isascii() and value.isprintable()):
        value = "".join(c for c in value if 0x20 <= ord(c) <= 0x7F)
    return encode_word(value)


def err(code: NutError) -> bytes:
    return code.line


# -- listings ------------------------------------------------------------------

#: Past this many cached replies for one UpsData (many spellings of names,
#: unknown variables), its cache starts over: memory stays bounded.
CACHE_LIMIT = 1024


def _cache_for(data: UpsData) -> dict[tuple[object, ...], bytes | None]:
    # Keys: ("LIST", kind, upsname, fsd) for listings, (upsname, var, fsd) for GET VAR.
    per_data = data.memo
    if len(per_data) > CACHE_LIMIT:
        per_data.clear()
    return per_data


def render_list(kind: str, upsname: str, data: UpsData, fsd: bool) -> bytes:
    """``BEGIN LIST <kind> <ups>`` ... ``END LIST``, for VAR, RW or CMD, in one piece.

    *upsname* is echoed as the client spelled it (netlist.c does).
    """
    per_data = _cache_for(data)
    key = ("LIST", kind, upsname, fsd)
    block = per_data.get(key)
    if block is None:
        block = _render(kind, upsname, data, fsd)
        per_data[key] = block
    return block


def var_reply(upsname: str, var: str, data: UpsData, fsd: bool) -> bytes | None:
    """``VAR <ups> <var> "<value>"``, names as the client spelled them; None if *var* is unknown.

    Cached per UpsData like listings: a GET VAR is a dictionary lookup.
    """
    per_data = _cache_for(data)
    key = (upsname, var, fsd)
    try:
        return per_data[key]
    except KeyError:
        pass
    value = data.get(var)
    reply = None if value is None else line(f'VAR {upsname} {var} "{status_value(var, value, fsd)}"')
    per_data[key] = reply
    return reply


def _render(kind: str, upsname: str, data: UpsData, fsd: bool) -> bytes:
    parts = [line(f"BEGIN LIST {kind} {upsname}")]
    if kind == "CMD":
        parts.extend(line(f"CMD {upsname} {cmd}") for cmd in data.commands)
    else:
        parts.extend(_var_lines(kind, upsname, data, fsd))
    parts.append(line(f"END LIST {kind} {upsname}"))
    return b"".join(parts)


def _var_lines(kind: str, upsname: str, data: UpsData, fsd: bool) -> Iterable[bytes]:
    for name, value in data.vars.items():
        if kind == "RW":
            if data.var_info(name).rw:
                yield line(f'RW {upsname} {name} "{wire_value(value)}"')
            continue
        yield line(f'VAR {upsname} {name} "{status_value(name, value, fsd)}"')


def status_value(name: str, value: str, fsd: bool) -> str:
    """The escaped value; ``ups.status`` gets ``FSD`` in front once FSD was set (netget.c)."""
    encoded = wire_value(value)
    if name.lower() == "ups.status":
        return served_status(encoded, fsd)
    return encoded


def served_status(status: str, fsd: bool) -> str:
    """``ups.status`` as upsd serves it: with ``FSD`` in front once a primary set FSD.

    Every surface that shows a status (web pages, API, /metrics, upslog) goes through
    this, so none of them can disagree with ``upsc``.
    """
    return f"FSD {status}" if fsd else status


# -- cmdvartab -----------------------------------------------------------------


class Descriptions:
    """Variable and command descriptions from NUT's cmdvartab (desc.c).

    Looked up case-insensitively; the first definition of a name wins.
    """

    def __init__(self, variables: Mapping[str, str] | None = None,
                 commands: Mapping[str, str] | None = None) -> None:
        self._vars = {k.lower(): v for k, v in (variables or {}).items()}
        self._cmds = {k.lower(): v for k, v in (commands or {}).items()}

    @classmethod
    def parse(cls, text: bytes) -> Descriptions:
        """Read cmdvartab content: ``VARDESC name "text"`` and ``CMDDESC name "text"`` lines."""
        variables: dict[str, str] = {}
        commands: dict[str, str] = {}
        for parsed in iter_lines(text):
            words = parsed.words
            if parsed.error or len(words) < 3:
                continue
            target = {"VARDESC": variables, "CMDDESC": commands}.get(words[0].upper())
            if target is not None:
                target.setdefault(words[1].lower(), words[2])
        return cls(variables, commands)

    def var(self, name: str) -> str | None:
        return self._vars.get(name.lower())

    def command(self, name: str) -> str | None:
        return self._cmds.get(name.lower())

    def __len__(self) -> int:
        return len(self._vars) + len(self._cmds)
