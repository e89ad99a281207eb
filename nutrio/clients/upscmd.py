"""``upscmd``: list or run a UPS's instant commands.

Same options, prompts, messages and exit codes as NUT 2.8.0's upscmd
(clients/upscmd.c). Worth knowing, because they are visible:

- it never tries STARTTLS, and never checks upsd's answers to ``USERNAME``
  and ``PASSWORD``: a wrong password shows up as ``ERR ACCESS-DENIED`` to
  the command itself;
- ``INSTCMD`` arguments go out unquoted; upsd's reply (``OK``, or the
  tracking result with ``-w``) is echoed on stderr;
- ``-V`` prints on stderr, ``-h`` on stdout, both exit 0.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from nutrio.clients import _auth, _environ
from nutrio.clients._common import (
    VERSION,
    at_exit,
    fatal,
    getopt,
    out,
    run_main,
    show_usage,
)
from nutrio.clients._conn import ClientFailure, NutConnection
from nutrio.clients._lists import list_names

__all__ = ["main", "usage_text"]

PROG = "upscmd"
DEFAULT_TRACKING_TIMEOUT = 10
_SMALLBUF = 512


def usage_text() -> str:
    """The -h text."""
    return f"""Network UPS Tools upscmd {VERSION}

usage: {PROG} [-h]
       {PROG} [-l <ups>]
       {PROG} [-u <username>] [-p <password>] [-w] [-t <timeout>] <ups> <command> [<value>]

Administration program to initiate instant commands on UPS hardware.

  -h\t\tdisplay this help text
  -l <ups>\tshow available commands on UPS <ups>
  -u <username>\tset username for command authentication
  -p <password>\tset password for command authentication
  -w            wait for the completion of command by the driver
                and return its actual result from the device
  -t <timeout>\tset a timeout when using -w (in seconds, default: {DEFAULT_TRACKING_TIMEOUT})

  <ups>\t\tUPS identifier - <upsname>[@<hostname>[:<port>]]
  <command>\tValid instant command - test.panel.start, etc.
  [<value>]\tAdditional data for command - number of seconds, etc.
"""


def main(argv: list[str]) -> int:
    """Run upscmd with *argv* (without the program name); return the exit code."""
    return run_main(lambda: _upscmd(argv), PROG)


def _upscmd(argv: Sequence[str]) -> None:
    opts, args = getopt(argv, "lhu:p:t:wV", PROG)
    cmdlist = tracking = False
    username: str | None = None
    password: str | None = None
    timeout = DEFAULT_TRACKING_TIMEOUT
    for opt, value in opts:
        if opt == "l":
            cmdlist = True
        elif opt == "u":
            username = value[: _SMALLBUF - 1]
        elif opt == "p":
            password = value[: _SMALLBUF - 1]
        elif opt == "t":
            timeout = _auth.parse_timeout(value)
        elif opt == "w":
            tracking = True
        elif opt == "V":
            raise fatal(f"Network UPS Tools upscmd {VERSION}", 0)
        else:
            _usage(value if opt == "?" else None)
    _environ.after_options()
    if not args:
        _usage(None)
    at_exit(_environ.clean_exit)
    conn, upsname = _auth.connect(args[0])
    at_exit(conn.close)  # clean_exit disconnects after fatalx's message
    if cmdlist:
        _list_commands(conn, upsname)
        return
    if len(args) < 2:
        _usage(None)
    if "." not in args[1]:
        raise fatal("Error: old command names are not supported")
    if username is None:
        username = _auth.ask_username(strict=True)
    if password is None:
        password = _auth.ask_password()
    _auth.login(conn, username, password)
    if tracking:
        _auth.enable_tracking(conn, what="command")
    _run_command(conn, upsname, args[1:], tracking, timeout)


def _usage(getopt_message: str | None) -> None:
    raise show_usage(usage_text(), getopt_message)


def _list_commands(conn: NutConnection, upsname: str) -> None:
    names = list_names(conn, ("CMD", upsname), 3)
    # all names first: NUT reads the whole list before asking for descriptions
    out(f"Instant commands supported on UPS [{upsname}]:\n\n")
    for name in names:
        try:
            words = conn.get("CMDDESC", upsname, name)
        except ClientFailure:
            words = ()
        out(f"{name} - {words[3]}\n" if len(words) > 3 else f"{name}\n")


def _run_command(
    conn: NutConnection, upsname: str, cmd_args: Sequence[str], tracking: bool, timeout: int
) -> None:
    # NUT formats this line with snprintf into SMALLBUF and no quoting
    words = ["INSTCMD", upsname, *cmd_args[:2]]
    line = (" ".join(words) + "\n").encode("utf-8", "surrogateescape")[: _SMALLBUF - 1]
    _auth.send_request(
        conn, line, tracking=tracking, timeout=timeout,
        send_failed="Can't send instant command", read_failed="Instant command failed",
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

