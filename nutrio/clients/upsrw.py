"""``upsrw``: list a UPS's writable variables, or set one.

Same options, prompts, output, messages and exit codes as NUT 2.8.0's
upsrw (clients/upsrw.c). The listing reads all ``LIST RW`` names first and
then, per variable, prints ``[name]``, its description, and what ``GET
TYPE`` says: ``Type: STRING`` + ``Maximum length:``, ``Type: NUMBER``,
``Type: ENUM ...`` + ``Option: "x" SELECTED`` lines, or ``Type: RANGE
NUMBER`` + ``Option: "min-max"`` lines; then ``Value:`` and a blank line.
Setting sends ``SET VAR ups var "value"`` (quoted and escaped) and echoes
upsd's answer on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from nutrio.clients import _auth, _environ
from nutrio.clients._common import (
    VERSION,
    Exit,
    at_exit,
    err,
    fatal,
    getopt,
    out,
    read_stdin_line,
    run_main,
    show_usage,
)
from nutrio.clients._conn import ClientFailure, NutConnection
from nutrio.clients._lists import list_names
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.parseconf import encode_word

__all__ = ["main", "usage_text"]

PROG = "upsrw"
DEFAULT_TRACKING_TIMEOUT = 10
_SMALLBUF = 512


def usage_text() -> str:
    """The -h text."""
    return f"""Network UPS Tools {PROG} {VERSION}

usage: {PROG} [-h]
       {PROG} [-s <variable>] [-u <username>] [-p <password>] [-w] [-t <timeout>] <ups>

Demo program to set variables within UPS hardware.

  -h            display this help text
  -s <variable>\tspecify variable to be changed
\t\tuse -s VAR=VALUE to avoid prompting for value
  -l            show all possible read/write variables.
  -u <username> set username for command authentication
  -p <password> set password for command authentication
  -w            wait for the completion of setting by the driver
                and return its actual result from the device
  -t <timeout>\tset a timeout when using -w (in seconds, default: {DEFAULT_TRACKING_TIMEOUT})

  <ups>         UPS identifier - <upsname>[@<hostname>[:<port>]]

Call without -s to show all possible read/write variables (same as -l).
"""


def main(argv: list[str]) -> int:
    """Run upsrw with *argv* (without the program name); return the exit code."""
    return run_main(lambda: _upsrw(argv), PROG)


def _upsrw(argv: Sequence[str]) -> None:
    opts, args = getopt(argv, "hls:p:t:u:wV", PROG)
    setvar: str | None = None
    username: str | None = None
    password: str | None = None
    tracking = False
    timeout = DEFAULT_TRACKING_TIMEOUT
    for opt, value in opts:
        if opt == "s":
            setvar = value
        elif opt == "l":
            if setvar is not None:
                err("Listing mode requested, overriding setvar specified earlier!\n")
                setvar = None
        elif opt == "p":
            password = value
        elif opt == "u":
            username = value
        elif opt == "t":
            timeout = _auth.parse_timeout(value)
        elif opt == "w":
            tracking = True
        elif opt == "V":
            out(f"Network UPS Tools {PROG} {VERSION}\n")
            raise Exit(0)
        else:
            _usage(value if opt == "?" else None)
    _environ.after_options()
    if not args:
        _usage(None)
    at_exit(_environ.clean_exit)
    conn, upsname = _auth.connect(args[0])
    at_exit(conn.close)  # clean_exit disconnects after fatalx's message
    if setvar is not None:
        _set_var(conn, upsname, setvar, username, password, tracking, timeout)
    else:
        _print_rw_list(conn, upsname)


def _usage(getopt_message: str | None) -> None:
    raise show_usage(usage_text(), getopt_message)


# -- setting -----------------------------------------------------------------


def _set_var(
    conn: NutConnection,
    upsname: str,
    setvar: str,
    username: str | None,
    password: str | None,
    tracking: bool,
    timeout: int,
) -> None:
    if username is None:
        username = _auth.ask_username(strict=False)
    if password is None:
        password = _auth.ask_password()
    varname, eq, newval = setvar.partition("=")
    if not eq:
        out(f"Enter new value for {varname}: ")
        line = read_stdin_line(_SMALLBUF) or ""
        newval = line[:-1]  # NUT chops the last character, normally the newline
    _auth.login(conn, username, password)
    if "." not in varname:
        raise fatal("Error: old variable names are not supported")
    if tracking:
        _auth.enable_tracking(conn, what="set variable")
    line_text = f'SET VAR {upsname} {varname} "{encode_word(newval)}"\n'
    _auth.send_request(
        conn, line_text.encode("utf-8", "surrogateescape"), tracking=tracking, timeout=timeout,
        send_failed="Can't set variable", read_failed="Set variable failed",
    )


# -- listing -----------------------------------------------------------------


def _print_rw_list(conn: NutConnection, upsname: str) -> None:
    names = list_names(conn, ("RW", upsname), 4)
    for name in names:
        _print_rw(conn, upsname, name)


def _get_data(conn: NutConnection, kind: str, upsname: str, name: str) -> str | None:
    try:
        words = conn.get(kind, upsname, name)
    except ClientFailure:
        return None
    return words[3] if len(words) > 3 else None


def _print_rw(conn: NutConnection, upsname: str, name: str) -> None:
    out(f"[{name}]\n")
    desc = _get_data(conn, "DESC", upsname, name)
    out(f"{desc if desc is not None else 'Description unavailable'}\n")
    _print_type(conn, upsname, name)
    out("\n")


def _print_type(conn: NutConnection, upsname: str, name: str) -> None:
    try:
        words = conn.get("TYPE", upsname, name)
    except ClientFailure:
        out("Unknown type\n")
        return
    is_enum = False
    for word in words[3:]:
        upper = word.upper()
        if upper == "ENUM":
            is_enum = True
        elif upper == "RANGE":
            _print_range(conn, upsname, name)
            return
        elif upper.startswith("STRING:"):
            length = _c_strtol(word[7:])
            if is_enum:
                _print_enum(conn, upsname, name, "STRING", length)
            else:
                value = _current(conn, upsname, name, "do_string")
                out(f"Type: STRING\nMaximum length: {length}\nValue: {value}\n")
            return
        elif upper == "NUMBER":
            if is_enum:
                _print_enum(conn, upsname, name, "NUMBER", 0)
            else:
                value = _current(conn, upsname, name, "do_number")
                out(f"Type: NUMBER\nValue: {value}\n")
            return
        elif upper != "RW":
            out(f"Type: {word} (unrecognized)\n")
    if is_enum:  # upsd older than 2.8 says ENUM without STRING or NUMBER
        _print_enum(conn, upsname, name, None, 0)


def _current(conn: NutConnection, upsname: str, name: str, who: str) -> str:
    value = _get_data(conn, "VAR", upsname, name)
    if value is None:
        raise fatal(f"{who}: can't get current value of {name}")
    return value


def _print_enum(conn: NutConnection, upsname: str, name: str, kind: str | None, length: int) -> None:
    current = _current(conn, upsname, name, "do_enum")[: _SMALLBUF - 1]
    query = ("ENUM", upsname, name)
    try:
        conn.list_start(*query)
    except ClientFailure as exc:
        raise fatal(f"Error: {exc.message}") from None
    items = conn.iter_list(*query)
    first = next(items, None)  # NUT reads one item before printing the type
    out(f"Type: ENUM {kind}\n" if kind else "Type: ENUM\n")
    if kind == "STRING":
        out(f"Maximum length: {length}\n")
    item = first
    while item is not None:
        if len(item) < 4:
            raise fatal(f"Error: insufficient data (got {len(item)} args, need at least 4)")
        out(f'Option: "{item[3]}"{" SELECTED" if item[3] == current else ""}\n')
        item = next(items, None)


def _print_range(conn: NutConnection, upsname: str, name: str) -> None:
    current = _c_atoi(_current(conn, upsname, name, "do_range"))
    query = ("RANGE", upsname, name)
    try:
        conn.list_start(*query)
    except ClientFailure as exc:
        raise fatal(f"Error: {exc.message}") from None
    items = conn.iter_list(*query)
    first = next(items, None)
    out("Type: RANGE NUMBER\n")
    item = first
    while item is not None:
        if len(item) < 5:
            raise fatal(f"Error: insufficient data (got {len(item)} args, need at least 4)")
        low, high = _c_atoi(item[3]), _c_atoi(item[4])
        selected = " SELECTED" if low <= current <= high else ""
        out(f'Option: "{low}-{high}"{selected}\n')
        item = next(items, None)


def _c_strtol(text: str) -> int:
    """strtol(text, NULL, 10) clamped to a 64-bit long."""
    return max(-(2**63), min(2**63 - 1, c_atoi(text)))


def _c_atoi(text: str) -> int:
    """atoi: strtol truncated to a 32-bit int, as glibc does."""
    value = _c_strtol(text) & 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
