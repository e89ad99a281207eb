"""UPS names and addresses split as upscli_splitname/upscli_splitaddr do it.

They are ``strtok`` based, and their quirks are kept: leading separators are
skipped, ``[...]`` holds an IPv6 literal, a port must be 1..65535.
"""

from __future__ import annotations

from dataclasses import dataclass

from nutrio.protocol.common.cnum import c_atoi

#: upsd's default TCP port (PORT in config.h).
DEFAULT_PORT = 3493
#: NUT copies names into ``char tmp[SMALLBUF]`` before splitting them.
_SMALLBUF = 512


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
    port = c_atoi(port_text) if port_text else 0
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
