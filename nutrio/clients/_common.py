"""What NUT's three clients share: getopt, fatalx, prompts, number parsing.

Each piece reproduces the C library call the tools use, because their
messages and exit codes are part of what users (and scripts) see:
glibc ``getopt`` with a leading ``+``, NUT's ``fatalx``/``fatal_with_errno``,
``fgets`` and glibc ``getpass`` for the prompts, NUT's ``str_to_uint``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pwd
import sys
from collections.abc import Callable, Iterator, Sequence

import nutrio
from nutrio.clients import _environ
from nutrio.clients._stdio import (
    KilledBySigpipe,
    broken_pipe,
    err,
    ignore_sigpipe,
    out,
    reset_sigpipe,
    sigpipe_kills,
    stdout_closed,
)

__all__ = [
    "VERSION",
    "Exit",
    "KilledBySigpipe",
    "broken_pipe",
    "fatal",
    "ignore_sigpipe",
    "sigpipe_kills",
    "stdout_closed",
    "fatal_with_errno",
    "getopt",
    "out",
    "err",
    "run_main",
    "at_exit",
    "read_stdin_line",
    "read_password",
    "login_name",
    "str_to_uint",
]

#: Shown where NUT shows UPS_VERSION.
VERSION = nutrio.__version__


class Exit(Exception):
    """End the program with *code*, after printing *message* on stderr if given."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def fatal(message: str, code: int = 1) -> Exit:
    """NUT's fatalx: the message on stderr, then exit. Use as ``raise fatal(...)``."""
    return Exit(code, message)


def fatal_with_errno(message: str, errnum: int, code: int = 1) -> Exit:
    """NUT's fatal_with_errno: ``<message>: <strerror>``."""
    return Exit(code, f"{message}: {os.strerror(errnum)}")


def run_main(body: Callable[[], None], prog: str, *, announce: bool = True) -> int:
    """Run a tool's body; turn :class:`Exit` into its message and exit code.

    *prog* names the tool in debug lines; *announce*: it logs "Starting NUT
    client" when debugging. Functions given to :func:`at_exit` run last, as
    atexit handlers run after fatalx's message in C.
    """
    reset_sigpipe()  # a new process, as far as NUT knows
    _exit_handlers.clear()
    _environ.start(prog, announce=announce)
    try:
        code = _run(body)
    except KilledBySigpipe:
        code = 128 + 13  # the shell's view of NUT dying of SIGPIPE
    while _exit_handlers:
        with contextlib.suppress(KilledBySigpipe):
            _exit_handlers.pop()()
    return code


_exit_handlers: list[Callable[[], None]] = []


def at_exit(handler: Callable[[], None]) -> None:
    """Run *handler* when the tool ends (the last registered runs first, like atexit)."""
    _exit_handlers.append(handler)


def _run(body: Callable[[], None]) -> int:
    try:
        body()
    except Exit as exc:
        if exc.message is not None:
            err(_environ.logged(exc.message) + "\n")
        return exc.code
    except KeyboardInterrupt:
        return 130
    return 0


def getopt(argv: Sequence[str], optstring: str, prog: str) -> tuple[list[tuple[str, str]], list[str]]:
    """glibc getopt with a leading ``+``: options stop at the first operand.

    Returns the options in order and the operands. A bad option comes back as
    ``("?", message)`` and ends the options; the tools print the message only
    when they reach it, so earlier options act first, as in C.
    """
    opts: list[tuple[str, str]] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        i += 1
        j = 1
        while j < len(arg):
            ch = arg[j]
            j += 1
            spec = optstring.find(ch)
            if ch == ":" or spec < 0:
                opts.append(("?", f"{prog}: invalid option -- '{ch}'"))
                return opts, list(argv[i:])
            if optstring[spec + 1 : spec + 2] != ":":
                opts.append((ch, ""))
                continue
            if j < len(arg):
                opts.append((ch, arg[j:]))
            elif i < len(argv):
                opts.append((ch, argv[i]))
                i += 1
            else:
                opts.append(("?", f"{prog}: option requires an argument -- '{ch}'"))
                return opts, []
            break
    return opts, list(argv[i:])


def show_usage(text: str, getopt_message: str | None) -> Exit:
    """Print getopt's complaint (if any) and the usage text; NUT exits 0 after -h."""
    if getopt_message:
        err(getopt_message + "\n")
    out(text)
    return Exit(0)


def login_name() -> str | None:
    """getpwuid(getuid())->pw_name, or None when the uid has no entry."""
    with contextlib.suppress(KeyError):
        return pwd.getpwuid(os.getuid()).pw_name
    return None


def read_stdin_line(limit: int = 512) -> str | None:
    """fgets(buf, limit, stdin): at most ``limit - 1`` bytes, newline kept; None at EOF."""
    sys.stdout.flush()
    stdin = getattr(sys.stdin, "buffer", None)
    if stdin is None:
        return None
    data: bytes = stdin.readline(limit - 1)
    if not data:
        return None
    return data.decode("utf-8", "surrogateescape")


def read_password(prompt: str) -> str:
    """glibc getpass: prompt and read on /dev/tty with echo off, else stderr/stdin.

    At end of input the password is empty, as with glibc.
    """
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        err(prompt)
        line = read_stdin_line(4096) or ""
        return line[:-1] if line.endswith("\n") else line
    with open(fd, "r+b", buffering=0) as tty, _echo_off(fd) as echo_was_off:
        tty.write(prompt.encode())
        raw = _read_fd_line(fd)
        if echo_was_off:
            tty.write(b"\n")
    text = raw.decode("utf-8", "surrogateescape")
    return text[:-1] if text.endswith("\n") else text


def _read_fd_line(fd: int) -> bytes:
    data = bytearray()
    while not data.endswith(b"\n"):
        ch = os.read(fd, 1)
        if not ch:
            break
        data += ch
    return bytes(data)


@contextlib.contextmanager
def _echo_off(fd: int) -> Iterator[bool]:
    """Turn terminal echo off while reading; yields whether it did."""
    try:
        import termios

        old = termios.tcgetattr(fd)
    except (ImportError, OSError):
        yield False
        return
    new = list(old)
    new[3] &= ~(termios.ECHO | termios.ISIG)
    try:
        termios.tcsetattr(fd, termios.TCSAFLUSH, new)
        yield True
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, old)


def str_to_uint(text: str) -> int:
    """NUT's str_to_uint (common/str.c): trimmed, digits only, fits 32 bits.

    Raises:
        OSError: errno EINVAL or ERANGE, as the C function sets them.
    """
    s = text.strip(" \t\n\v\f\r")
    if not s or not s.isascii() or not s.isdigit():
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
    value = int(s)
    if value > 0xFFFFFFFF:
        raise OSError(errno.ERANGE, os.strerror(errno.ERANGE))
    return value
