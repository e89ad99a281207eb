"""Host/port strings as NUT writes them: ``host:port``, ``[v6]:port``, ``ups@host:port``."""

from __future__ import annotations

import ipaddress

#: NUT's registered port (upsd LISTEN default, upsmon/upsc default).
NUT_PORT = 3493


def parse_listen(
    text: str, default_port: int = NUT_PORT, *, allow_zero: bool = False
) -> tuple[str, int]:
    """Split ``host[:port]`` into ``(host, port)``.

    Follows upsd.conf's LISTEN rules: ``[::1]:3493`` for IPv6 with a port; a bare
    IPv6 address (two or more colons, no brackets) is a whole address, so
    ``::1`` means port ``default_port``. Ports are decimal, 1..65535
    (0 too with ``allow_zero``, for "any free port" on the command line).

    Raises:
        ValueError: with a message fit for a ConfigError or a CLI error.
    """
    text = text.strip()
    if not text or any(ch.isspace() for ch in text):
        raise ValueError(f"expected host:port, got {text!r}")
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep:
            raise ValueError(f"missing ']' in {text!r}")
        _check_ipv6(host)
        if not rest:
            return host, default_port
        if not rest.startswith(":"):
            raise ValueError(f"expected ':port' after ']' in {text!r}")
        return host, parse_port(rest[1:], allow_zero=allow_zero)
    if text.count(":") > 1:
        _check_ipv6(text)
        return text, default_port
    host, sep, port = text.partition(":")
    if not host:
        raise ValueError(f"missing host in {text!r}")
    if not sep:
        return host, default_port
    return host, parse_port(port, allow_zero=allow_zero)


def parse_port(text: str, *, allow_zero: bool = False) -> int:
    """A TCP port: decimal digits only, 1..65535 (or 0 with ``allow_zero``)."""
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"port must be a decimal number, got {text!r}")
    port = int(text)
    low = 0 if allow_zero else 1
    if not low <= port <= 65535:
        raise ValueError(f"port must be {low}..65535, got {port}")
    return port


def parse_system(text: str) -> tuple[str, str, int]:
    """Split upsmon's ``upsname[@host[:port]]`` into ``(upsname, host, port)``.

    The host defaults to ``localhost`` and the port to 3493, as in upsmon.conf.
    """
    name, sep, hostport = text.partition("@")
    if not name or any(ch.isspace() for ch in name):
        raise ValueError(f"expected upsname[@host[:port]], got {text!r}")
    if not sep:
        return name, "localhost", NUT_PORT
    host, port = parse_listen(hostport)
    return name, host, port


def format_hostport(host: str, port: int) -> str:
    """The inverse of parse_listen: brackets around IPv6 addresses."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _check_ipv6(text: str) -> None:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        raise ValueError(f"not an IPv6 address: {text!r}") from None
