"""``nutrio upsc --json`` and ``--watch``: what NUT users keep asking upsc for.

Both are extensions: :func:`maybe_extended` returns None unless one of the
two flags is present, and upsc then runs exactly as NUT's.

- ``upsc --json <ups>[@host[:port]] [<variable>]`` prints one JSON object,
  ``{"variable": "value", ...}``, in upsd's order; errors and exit codes are
  upsc's own (``Error: Unknown UPS`` on stderr, exit 1).
- ``upsc --watch [-n SECONDS] <ups>[@host[:port]]`` shows the variables every
  SECONDS (default 2) until Ctrl-C (exit 0) or until nobody reads (a closed
  pipe, exit 0). On a terminal it redraws one screen in place that fits the
  window, status and key variables first (:mod:`.watch_screen`); on a pipe
  or a file it prints plain blocks without escape codes. A lost connection
  shows as an error and is retried on the next refresh.
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
import time
from collections.abc import Mapping, Sequence

from nutrio.clients import _environ
from nutrio.clients._common import Exit, err, fatal, ignore_sigpipe, out, run_main, stdout_closed
from nutrio.clients._conn import ClientFailure, NutConnection
from nutrio.clients.watch_screen import render_block, render_frame
from nutrio.protocol.client.requests import AddressError, ClientErrorCode, split_ups_name

__all__ = ["WATCH_DEFAULT", "fetch_vars", "maybe_extended", "render_frame"]

WATCH_DEFAULT = 2.0
_HOME, _CLEAR = "\x1b[H", "\x1b[2J"
_USAGE = (
    "usage: upsc --json <ups>[@<hostname>[:port]] [<variable>]\n"
    "       upsc --watch [-n <seconds>] <ups>[@<hostname>[:port]]"
)


def maybe_extended(argv: Sequence[str]) -> int | None:
    """Run ``--json`` or ``--watch`` and return the exit code; None for plain upsc."""
    args = list(argv)
    if "--json" in args:
        args.remove("--json")
        return run_main(lambda: _json(args), "upsc")
    if "--watch" in args:
        args.remove("--watch")
        return run_main(lambda: _watch(args), "upsc")
    return None


def _target(args: Sequence[str]) -> tuple[str, str, int]:
    if not args or args[0].startswith("-"):
        raise fatal(_USAGE)
    try:
        address = split_ups_name(args[0])
    except AddressError as exc:
        if exc.message:
            err(exc.message + "\n")
        raise fatal("Error: invalid UPS definition.\nRequired format: upsname[@hostname[:port]]") from None
    return address.upsname or "", address.host, address.port


def fetch_vars(conn: NutConnection, upsname: str) -> dict[str, str]:
    """LIST VAR as upsc reads it.

    Raises:
        ClientFailure: the list could not start (unknown UPS, stale data, ...).
    """
    conn.list_start("VAR", upsname)
    return {w[2]: w[3] for w in conn.iter_list("VAR", upsname) if len(w) >= 4}


def _connect(host: str, port: int) -> NutConnection:
    try:
        return NutConnection.connect(host, port)
    except ClientFailure as exc:
        raise fatal(f"Error: {exc.message}") from None


def _json(args: list[str]) -> None:
    ignore_sigpipe()  # like upsc: a reader that went away is not an error
    _environ.after_options()
    upsname, host, port = _target(args)
    conn = _connect(host, port)
    try:
        if len(args) > 1:
            try:
                words = conn.get("VAR", upsname, args[1])
            except ClientFailure as exc:
                raise fatal(f"Error: {exc.message}") from None
            values = {args[1]: words[3] if len(words) > 3 else ""}
        else:
            try:
                values = fetch_vars(conn, upsname)
            except ClientFailure as exc:
                raise fatal(f"Error: {exc.message}") from None
    finally:
        conn.close()
    out(json.dumps(values, indent=2, ensure_ascii=False) + "\n")


def _interval(args: list[str]) -> float:
    if "-n" not in args:
        return WATCH_DEFAULT
    at = args.index("-n")
    try:
        seconds = float(args[at + 1])
    except (IndexError, ValueError):
        raise fatal(_USAGE) from None
    del args[at : at + 2]
    if not seconds > 0:
        raise fatal("Error: the refresh interval must be above 0")
    return seconds


def _watch(args: list[str]) -> None:
    interval = _interval(args)
    _environ.after_options()
    upsname, host, port = _target(args)
    target = args[0]
    on_terminal = sys.stdout.isatty()
    previous: Mapping[str, str] = {}
    conn: NutConnection | None = None
    first = True
    ignore_sigpipe()  # a lost upsd is retried; a closed stdout ends the watch below
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        while True:
            values: Mapping[str, str] = {}
            error = None
            try:
                if conn is None or conn.error is not None:
                    conn = NutConnection.connect(host, port)
                values = fetch_vars(conn, upsname)
            except ClientFailure as exc:
                error = exc.message
                if exc.code is not ClientErrorCode.UNKNOWNUPS and conn is not None:
                    conn.close()
                    conn = None
            if on_terminal:
                size = shutil.get_terminal_size(fallback=(80, 24))  # asked each time: windows get resized
                frame = render_frame(target, interval, time.time(), values, previous, error, size=(size.columns, size.lines))
                out((_HOME + _CLEAR if first else _HOME) + frame)
            else:
                out(render_block(target, interval, time.time(), values, error))
            if stdout_closed():
                raise Exit(0)  # nobody reads any more (`| head`): stop quietly
            first = False
            previous = values or previous
            time.sleep(interval)
    except KeyboardInterrupt:
        if on_terminal:
            out("\n")
        raise Exit(0) from None
    finally:
        if conn is not None:
            conn.close()


if __name__ == "__main__":
    code = maybe_extended(sys.argv[1:])
    sys.exit(2 if code is None else code)
