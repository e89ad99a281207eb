"""``upsc``: show a UPS's variables, the UPSes on a server, or its clients.

Same options, output, messages and exit codes as NUT 2.8.0's upsc
(clients/upsc.c), including its quirks: ``-V`` names itself "upscmd" on
stderr, a variable name without a dot is refused before asking upsd, and a
list that breaks off half-way still exits 0.

One option comes from NUT 2.8.5: ``-j`` prints the same answers as JSON
(:mod:`nutrio.protocol.client.upsc_json`), errors included (on stdout as
``{"error": ...}``, on stderr and in the exit code as without ``-j``). The
``-h`` text stays 2.8.0's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from nutrio.clients import _environ
from nutrio.clients._common import (
    VERSION,
    Exit,
    at_exit,
    err,
    fatal,
    getopt,
    out,
    run_main,
    show_usage,
)
from nutrio.clients._conn import ClientFailure, NutConnection
from nutrio.clients._lists import ListBroken, iter_rows, list_rows
from nutrio.clients.upsc_extra import maybe_extended
from nutrio.protocol.client import upsc_json
from nutrio.protocol.client.requests import (
    AddressError,
    ClientErrorCode,
    split_host,
    split_ups_name,
)
from nutrio.protocol.client.upsc_json import Shape

__all__ = ["main", "usage_text"]

PROG = "upsc"


def usage_text() -> str:
    """The -h text (NUT prints its config flags after it only in debug mode)."""
    return f"""Network UPS Tools upsc {VERSION}

usage: {PROG} -l | -L [<hostname>[:port]]
       {PROG} <ups> [<variable>]
       {PROG} -c <ups>

Demo program to display UPS variables.

First form (lists UPSes):
  -l         - lists each UPS on <hostname>, one per line.
  -L         - lists each UPS followed by its description (from ups.conf).
               Default hostname: localhost

Second form (lists variables and values):
  <ups>      - upsd server, <upsname>[@<hostname>[:<port>]] form
  <variable> - optional, display this variable only.
               Default: list all variables for <host>

Third form (lists clients connected to a device):
  -c         - lists each client connected on <ups>, one per line.
  <ups>      - upsd server, <upsname>[@<hostname>[:<port>]] form
"""


def main(argv: list[str]) -> int:
    """Run upsc with *argv* (without the program name); return the exit code."""
    if (code := maybe_extended(argv)) is not None:  # nutrio's --json / --watch
        return code
    return run_main(lambda: _upsc(argv), PROG)


def _upsc(argv: Sequence[str]) -> None:
    opts, args = getopt(argv, "hlLcVj", PROG)
    varlist = verbose = clientlist = as_json = False
    for opt, value in opts:
        if opt in ("l", "L"):
            varlist = True
            verbose = verbose or opt == "L"
        elif opt == "c":
            clientlist = True
        elif opt == "j":  # NUT 2.8.5
            as_json = True
        elif opt == "V":
            raise fatal(f"Network UPS Tools upscmd {VERSION}", 0)  # sic, NUT 2.8.0
        else:  # -h, or a bad option whose message getopt already wrote
            _usage(value if opt == "?" else None)
    _environ.after_options()
    at_exit(_environ.clean_exit)
    first = args[0] if args else None
    upsname = None
    try:
        if varlist:
            host, port = split_host(first if first is not None else "localhost")
        else:
            address = split_ups_name(first)
            upsname, host, port = address.upsname, address.host, address.port
    except AddressError as exc:
        if exc.message:
            err(exc.message + "\n")
        if varlist:
            raise _fail(as_json, "invalid hostname.\nRequired format: [hostname[:port]]") from None
        raise _fail(as_json, "invalid UPS definition.\nRequired format: upsname[@hostname[:port]]") from None
    _environ.set_tag(first or "")
    _environ.debug(1, f"upsname='{upsname or '(null)'}' hostname='{host}' port='{port}'")
    try:
        conn = NutConnection.connect(host, port, try_ssl=True)
    except ClientFailure as exc:
        raise _fail(as_json, exc.message) from None
    at_exit(conn.close)  # clean_exit disconnects after fatalx's message
    assert varlist or upsname is not None
    if varlist:
        _environ.debug(1, "Calling list_upses()")
        _list_upses(conn, verbose, as_json)
    elif clientlist:
        _environ.debug(1, "Calling list_clients()")
        _list_clients(conn, upsname or "", as_json)
    elif len(args) > 1:
        _environ.debug(1, f"Calling printvar({args[1]})")
        _print_var(conn, upsname or "", args[1], as_json)
    else:
        _environ.debug(1, "Calling list_vars()")
        _list_vars(conn, upsname or "", as_json)
    _environ.set_tag(PROG)


def _usage(getopt_message: str | None) -> None:
    raise show_usage(usage_text(), getopt_message)


def _fail(as_json: bool, message: str) -> Exit:
    """upsc's fatal error: ``Error: <message>`` on stderr; with -j also a JSON error on stdout."""
    if as_json:
        out(upsc_json.error_object(message))
    return fatal(f"Error: {message}")


def _print_var(conn: NutConnection, upsname: str, var: str, as_json: bool) -> None:
    if "." not in var:
        raise _fail(as_json, "old-style variable names are not supported")
    try:
        words = conn.get("VAR", upsname, var)
    except ClientFailure as exc:
        if exc.code is ClientErrorCode.UNKCOMMAND:
            raise _fail(as_json, "variable unknown (old upsd detected)") from None
        raise _fail(as_json, exc.message) from None
    text = words[3] if len(words) > 3 else None
    if as_json:
        out(upsc_json.value(text))
    else:
        out(("(null)" if text is None else text) + "\n")  # printf("%s", NULL) in glibc


def _list_vars(conn: NutConnection, upsname: str, as_json: bool) -> None:
    query = ("VAR", upsname)
    if as_json:  # 2.8.5 writes the opening brace before asking upsd
        _json_listing(conn, query, 4, Shape.OBJECT, lambda w: (w[2], w[3]), opened=True)
        return
    for words in list_rows(conn, query, 4):
        out(f"{words[2]}: {words[3]}\n")


def _list_upses(conn: NutConnection, verbose: bool, as_json: bool) -> None:
    if as_json:
        if verbose:
            _json_listing(conn, ("UPS",), 3, Shape.OBJECT, lambda w: (w[1], w[2]))
        else:
            _json_listing(conn, ("UPS",), 3, Shape.ARRAY, lambda w: (w[1],))
        return
    for words in list_rows(conn, ("UPS",), 3):
        out(f"{words[1]}: {words[2]}\n" if verbose else f"{words[1]}\n")


def _list_clients(conn: NutConnection, upsname: str, as_json: bool) -> None:
    query = ("CLIENT", upsname)
    if as_json:
        _json_listing(conn, query, 3, Shape.ARRAY, lambda w: (w[2],))
        return
    for words in list_rows(conn, query, 3):
        out(f"{words[2]}\n")


def _json_listing(
    conn: NutConnection,
    query: tuple[str, ...],
    min_words: int,
    shape: Shape,
    pick: Callable[[tuple[str, ...]], tuple[str, ...]],
    *,
    opened: bool = False,
) -> None:
    """upsc -j's listing; *opened*: the document is already open when upsd refuses the list."""
    rows: list[tuple[str, ...]] = []
    try:
        for words in iter_rows(conn, query, min_words):
            rows.append(pick(words))
    except ListBroken as exc:
        if exc.started or opened:
            out(upsc_json.listing(shape, rows, exc.message))
        else:
            out(upsc_json.error_object(exc.message))
        raise fatal(f"Error: {exc.message}") from None
    out(upsc_json.listing(shape, rows))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
