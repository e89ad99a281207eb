"""The client side of the NUT network protocol, pure (clients/upsclient.c).

Three jobs, no I/O:

- ``upsname[@hostname[:port]]`` and ``hostname[:port]`` are split the way
  ``upscli_splitname``/``upscli_splitaddr`` do it, quirks included (they are
  ``strtok`` based: leading separators are skipped, ``[...]`` holds an IPv6
  literal, a port must be 1..65535).
- Requests are built like ``build_cmd``: every argument is escaped with
  :func:`~protocol.parseconf.encode_word` and wrapped in double quotes when it
  holds a space.
- Reply lines are read with the same tokenizer upsd uses (NUT's clients call
  ``pconf_line`` on each line) and become typed replies; ``ERR`` codes map to
  the client library's error numbers and messages (``upscli_strerror``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from protocol.parseconf import Tokenizer, encode_word

__all__ = [
    "DEFAULT_PORT",
    "AddressError",
    "UpsAddress",
    "split_ups_name",
    "split_host",
    "build_request",
    "quote_arg",
    "ClientErrorCode",
    "error_code_of",
    "reply_words",
    "Reply",
    "Ok",
    "OkTracking",
    "Err",
    "Var",
    "Type",
    "Desc",
    "CmdDesc",
    "UpsDesc",
    "NumLogins",
    "Rw",
    "Cmd",
    "Enum",
    "Range",
    "Ups",
    "Client",
    "BeginList",
    "EndList",
    "Pending",
    "Success",
    "Unrecognized",
    "parse_reply",
]

#: upsd's default TCP port (PORT in config.h).
DEFAULT_PORT = 3493
#: NUT copies names into ``char tmp[SMALLBUF]`` before splitting them.
_SMALLBUF = 512

# -- ups names -------------------------------------------------------------


class AddressError(ValueError):
    """A name NUT refuses; ``message`` is what upsclient prints on stderr.

    ``message`` is empty where NUT fails silently (no argument at all) and
    also where NUT 2.8.0 crashes (a name made only of separators: ``@``,
    ``[]``); nutrio reports those like any other bad name.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message or "invalid name")
        self.message = message


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsAddress:
    """Where a UPS lives: ``upsname`` is None for a bare ``host[:port]``."""

    upsname: str | None
    host: str
    port: int = DEFAULT_PORT


def _strtok(buf: list[str], start: int, delims: str) -> tuple[str | None, int]:
    """C ``strtok_r`` over a NUL-terminated char list: (token, resume index).

    Like C, it writes a NUL where the token ends, which callers can observe.
    """
    i = start
    while buf[i] != "\0" and buf[i] in delims:
        i += 1
    if buf[i] == "\0":
        return None, i
    j = i
    while buf[j] != "\0" and buf[j] not in delims:
        j += 1
    token = "".join(buf[i:j])
    if buf[j] == "\0":
        return token, j
    buf[j] = "\0"
    return token, j + 1


def _cstr(buf: list[str], start: int) -> str:
    end = buf.index("\0", start)
    return "".join(buf[start:end])


def _cbuf(text: str) -> list[str]:
    # snprintf(tmp, SMALLBUF, "%s", text): at most 511 characters survive.
    return [*text[: _SMALLBUF - 1], "\0"]


def _strtol(text: str) -> int:
    """C ``strtol(text, NULL, 10)``: blanks, a sign, digits; 0 if none."""
    s = text.lstrip(" \t\n\v\f\r")
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    digits = ""
    for ch in s:
        if not ("0" <= ch <= "9"):
            break
        digits += ch
    return sign * int(digits) if digits else 0


def split_host(text: str | None) -> tuple[str, int]:
    """``hostname[:port]`` or ``[ipv6][:port]`` -> (host, port), as upscli_splitaddr.

    Raises:
        AddressError: with the line NUT prints to stderr.
    """
    if text is None:
        raise AddressError("")
    if not text:
        raise AddressError("upscli_splitaddr: can't parse empty string")
    buf = _cbuf(text)
    if buf[0] == "[":
        if "]" not in buf:
            raise AddressError("upscli_splitaddr: missing closing bracket in [domain literal]")
        host, rest = _strtok(buf, 1, "]")
        if host is None:
            raise AddressError("")  # NUT 2.8.0 dereferences NULL here
        tail = _cstr(buf, rest)
        if not tail.startswith(":"):
            return host, DEFAULT_PORT
        port_text = tail[1:]
    else:
        colon = _cstr(buf, 0).find(":")
        host, _ = _strtok(buf, 0, ":")
        if host is None:
            raise AddressError("")  # NUT 2.8.0 dereferences NULL here
        if colon < 0:
            return host, DEFAULT_PORT
        # read after strtok, which may have put its NUL inside the port text
        port_text = _cstr(buf, colon + 1)
    port = _strtol(port_text) if port_text else 0
    if not 1 <= port <= 65535:
        raise AddressError("upscli_splitaddr: no port specified after ':' separator")
    return host, port


def split_ups_name(text: str | None) -> UpsAddress:
    """``upsname[@hostname[:port]]`` -> :class:`UpsAddress`, as upscli_splitname.

    Without ``@`` the host is ``localhost`` and the port 3493.

    Raises:
        AddressError: with the line NUT prints to stderr (may be empty).
    """
    if text is None:
        raise AddressError("")
    if not text:
        raise AddressError("upscli_splitname: can't parse empty string")
    buf = _cbuf(text)
    at = _cstr(buf, 0).find("@")
    upsname, _ = _strtok(buf, 0, "@")
    if upsname is None:
        raise AddressError("")  # NUT 2.8.0 dereferences NULL here
    if at < 0:
        return UpsAddress(upsname=upsname, host="localhost", port=DEFAULT_PORT)
    # strtok may have cut the text after '@' short by writing its NUL there
    host, port = split_host(_cstr(buf, at + 1))
    return UpsAddress(upsname=upsname, host=host, port=port)


# -- requests --------------------------------------------------------------


def quote_arg(arg: str, *, strict: bool = False) -> str:
    """One request argument as build_cmd writes it.

    NUT quotes an argument only when it holds a space, so a tab, ``=`` or an
    empty argument does not survive upsd's tokenizer. ``strict=True`` quotes
    those too, so that any printable ASCII argument arrives intact.
    """
    encoded = encode_word(arg)
    needs_quotes = " " in arg
    if strict:
        needs_quotes = needs_quotes or not arg or any(c in arg for c in "\t\r\v\f=")
    return f'"{encoded}"' if needs_quotes else encoded


def build_request(command: str, *args: str, strict: bool = False) -> bytes:
    """``COMMAND arg...\\n`` as NUT clients send it (build_cmd in upsclient.c).

    >>> build_request("GET", "VAR", "ups", "a b")
    b'GET VAR ups "a b"\\n'
    """
    words = [command, *(quote_arg(a, strict=strict) for a in args)]
    return (" ".join(words) + "\n").encode("utf-8", "surrogateescape")


# -- errors ----------------------------------------------------------------


class ClientErrorCode(enum.IntEnum):
    """upsclient.h UPSCLI_ERR_*; :attr:`text` is upscli_strerror's message."""

    UNKNOWN = 0
    VARNOTSUPP = 1
    NOSUCHHOST = 2
    INVRESP = 3
    UNKNOWNUPS = 4
    INVLISTTYPE = 5
    ACCESSDENIED = 6
    PWDREQUIRED = 7
    PWDINCORRECT = 8
    MISSINGARG = 9
    DATASTALE = 10
    VARUNKNOWN = 11
    LOGINTWICE = 12
    PWDSETTWICE = 13
    UNKNOWNTYPE = 14
    UNKNOWNVAR = 15
    VARREADONLY = 16
    TOOLONG = 17
    INVALIDVALUE = 18
    SETFAILED = 19
    UNKINSTCMD = 20
    CMDFAILED = 21
    CMDNOTSUPP = 22
    INVUSERNAME = 23
    USERSETTWICE = 24
    UNKCOMMAND = 25
    INVALIDARG = 26
    SENDFAILURE = 27
    RECVFAILURE = 28
    SOCKFAILURE = 29
    BINDFAILURE = 30
    CONNFAILURE = 31
    WRITE = 32
    READ = 33
    INVPASSWORD = 34
    USERREQUIRED = 35
    SSLFAIL = 36
    SSLERR = 37
    SRVDISC = 38
    DRVNOTCONN = 39
    NOMEM = 40
    PARSE = 41
    PROTOCOL = 42

    @property
    def text(self) -> str:
        """The message; a ``%s`` is filled with strerror / the parse error."""
        return _ERROR_TEXT[self]


_ERROR_TEXT = dict(
    zip(
        ClientErrorCode,
        (
            "Unknown error", "Variable not supported by UPS", "No such host",
            "Invalid response from server", "Unknown UPS", "Invalid list type",
            "Access denied", "Password required", "Password incorrect",
            "Missing argument", "Data stale", "Variable unknown", "Already logged in",
            "Already set password", "Unknown variable type", "Unknown variable",
            "Read-only variable", "New value is too long", "Invalid value for variable",
            "Set command failed", "Unknown instant command", "Instant command failed",
            "Instant command not supported", "Invalid username", "Already set username",
            "Unknown command", "Invalid argument", "Send failure: %s",
            "Receive failure: %s", "socket failure: %s", "bind failure: %s",
            "Connection failure: %s", "Write error: %s", "Read error: %s",
            "Invalid password", "Username required", "SSL is not available",
            "SSL error: %s", "Server disconnected", "Driver not connected",
            "Memory allocation failure", "Parse error: %s", "Protocol error",
        ),
        strict=True,
    )
)

# upsd's ERR words -> client codes, in upsclient.c's table order (it compares
# prefixes, first match wins; anything else is UNKNOWN).
_ERR_WORDS: tuple[tuple[str, ClientErrorCode], ...] = (
    ("VAR-NOT-SUPPORTED", ClientErrorCode.VARNOTSUPP),
    ("UNKNOWN-UPS", ClientErrorCode.UNKNOWNUPS),
    ("ACCESS-DENIED", ClientErrorCode.ACCESSDENIED),
    ("PASSWORD-REQUIRED", ClientErrorCode.PWDREQUIRED),
    ("PASSWORD-INCORRECT", ClientErrorCode.PWDINCORRECT),
    ("MISSING-ARGUMENT", ClientErrorCode.MISSINGARG),
    ("DATA-STALE", ClientErrorCode.DATASTALE),
    ("VAR-UNKNOWN", ClientErrorCode.VARUNKNOWN),
    ("ALREADY-LOGGED-IN", ClientErrorCode.LOGINTWICE),
    ("ALREADY-SET-PASSWORD", ClientErrorCode.PWDSETTWICE),
    ("UNKNOWN-TYPE", ClientErrorCode.UNKNOWNTYPE),
    ("UNKNOWN-VAR", ClientErrorCode.UNKNOWNVAR),
    ("READONLY", ClientErrorCode.VARREADONLY),
    ("TOO-LONG", ClientErrorCode.TOOLONG),
    ("INVALID-VALUE", ClientErrorCode.INVALIDVALUE),
    ("SET-FAILED", ClientErrorCode.SETFAILED),
    ("UNKNOWN-INSTCMD", ClientErrorCode.UNKINSTCMD),
    ("INSTCMD-FAILED", ClientErrorCode.CMDFAILED),
    ("CMD-NOT-SUPPORTED", ClientErrorCode.CMDNOTSUPP),
    ("INVALID-USERNAME", ClientErrorCode.INVUSERNAME),
    ("ALREADY-SET-USERNAME", ClientErrorCode.USERSETTWICE),
    ("UNKNOWN-COMMAND", ClientErrorCode.UNKCOMMAND),
    ("INVALID-PASSWORD", ClientErrorCode.INVPASSWORD),
    ("USERNAME-REQUIRED", ClientErrorCode.USERREQUIRED),
    ("DRIVER-NOT-CONNECTED", ClientErrorCode.DRVNOTCONN),
)


def error_code_of(line: str) -> ClientErrorCode | None:
    """The client error an ``ERR ...`` line stands for; None if not an ERR line.

    Reproduces upscli_errcheck: any line starting with ``ERR`` is an error,
    and the word after it is matched by prefix.
    """
    if not line.startswith("ERR"):
        return None
    rest = line[4:]
    for word, code in _ERR_WORDS:
        if rest.startswith(word):
            return code
    return ClientErrorCode.UNKNOWN


# -- replies ---------------------------------------------------------------


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
