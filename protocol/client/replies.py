"""Reply lines read as NUT's clients read them (pconf_line), and typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nutrio.protocol.client.errors import ClientErrorCode, error_code_of
from nutrio.protocol.common.parseconf import Tokenizer


def reply_words(line: str | bytes) -> tuple[str, ...]:
    """Words of one reply line, as pconf_line reads it; never fails.

    A trailing newline is ignored; bytes outside 0x20..0x7f are dropped.
    Where the tokenizer stops on an error (a ``#`` inside quotes) the words
    read so far are the reply, and the rest of the line is ignored: NUT
    2.8.0's upsc prints ``a `` for ``VAR ups x "a # b"``.
    """
    data = line.encode("utf-8", "surrogateescape") if isinstance(line, str) else bytes(line)
    if data.endswith(b"\n"):
        data = data[:-1]
    tok = Tokenizer()
    for parsed in tok.feed(data):
        return parsed.words  # an error or an embedded newline ends the line
    last = tok.finish()
    return last.words if last else ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Ok:
    detail: str = ""  # "Goodbye", "STARTTLS", "PRIMARY-GRANTED", ...


@dataclass(frozen=True, slots=True, kw_only=True)
class OkTracking:
    id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Err:
    code: str
    extra: str = ""

    @property
    def client_code(self) -> ClientErrorCode:
        return error_code_of(f"ERR {self.code}") or ClientErrorCode.UNKNOWN


@dataclass(frozen=True, slots=True, kw_only=True)
class Var:
    ups: str
    name: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Rw:
    ups: str
    name: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Type:
    ups: str
    name: str
    types: tuple[str, ...]  # e.g. ("RW", "STRING:32"), ("ENUM", "NUMBER")


@dataclass(frozen=True, slots=True, kw_only=True)
class Desc:
    ups: str
    name: str
    desc: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CmdDesc:
    ups: str
    cmd: str
    desc: str


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsDesc:
    ups: str
    desc: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NumLogins:
    ups: str
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Cmd:
    ups: str
    cmd: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Enum:
    ups: str
    name: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Range:
    ups: str
    name: str
    min: str
    max: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Ups:
    ups: str
    desc: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Client:
    ups: str
    address: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BeginList:
    kind: str  # VAR, RW, CMD, ENUM, RANGE, UPS, CLIENT
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class EndList:
    kind: str
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Pending:
    """GET TRACKING: the driver has not answered yet."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Success:
    """GET TRACKING: the driver carried the command out."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Unrecognized:
    """A line that matches no reply shape (wrong keyword or word count)."""

    words: tuple[str, ...]


Reply = (
    Ok | OkTracking | Err | Var | Rw | Type | Desc | CmdDesc | UpsDesc | NumLogins | Cmd
    | Enum | Range | Ups | Client | BeginList | EndList | Pending | Success | Unrecognized
)

# keyword -> (exact word count, builder); docs/net-protocol.txt "GET"/"LIST" replies
_SHAPES: dict[str, tuple[int, Callable[[tuple[str, ...]], Reply]]] = {
    "VAR": (4, lambda w: Var(ups=w[1], name=w[2], value=w[3])),
    "RW": (4, lambda w: Rw(ups=w[1], name=w[2], value=w[3])),
    "DESC": (4, lambda w: Desc(ups=w[1], name=w[2], desc=w[3])),
    "CMDDESC": (4, lambda w: CmdDesc(ups=w[1], cmd=w[2], desc=w[3])),
    "UPSDESC": (3, lambda w: UpsDesc(ups=w[1], desc=w[2])),
    "CMD": (3, lambda w: Cmd(ups=w[1], cmd=w[2])),
    "ENUM": (4, lambda w: Enum(ups=w[1], name=w[2], value=w[3])),
    "RANGE": (5, lambda w: Range(ups=w[1], name=w[2], min=w[3], max=w[4])),
    "UPS": (3, lambda w: Ups(ups=w[1], desc=w[2])),
    "CLIENT": (3, lambda w: Client(ups=w[1], address=w[2])),
}


def parse_reply(line: str | bytes) -> Reply:
    """One upsd reply line as a typed value; never raises.

    Keywords are matched case-sensitively, as upsd writes them.
    """
    words = reply_words(line)
    if not words:
        return Unrecognized(words=words)
    head, n = words[0], len(words)
    if head == "OK":
        if n == 3 and words[1] == "TRACKING":
            return OkTracking(id=words[2])
        return Ok(detail=" ".join(words[1:]))
    if head == "ERR" and n >= 2:
        return Err(code=words[1], extra=" ".join(words[2:]))
    if head in ("BEGIN", "END") and n >= 3 and words[1] == "LIST":
        cls = BeginList if head == "BEGIN" else EndList
        return cls(kind=words[2], args=words[3:])
    if head == "TYPE" and n >= 4:
        return Type(ups=words[1], name=words[2], types=words[3:])
    if head == "NUMLOGINS" and n == 3 and words[2].isdigit():
        return NumLogins(ups=words[1], count=int(words[2]))
    if n == 1 and head == "PENDING":
        return Pending()
    if n == 1 and head == "SUCCESS":
        return Success()
    shape = _SHAPES.get(head)
    if shape is not None and n == shape[0]:
        return shape[1](words)
    return Unrecognized(words=words)
