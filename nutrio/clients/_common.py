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
    "read_stdin_line",
    "read_password",
    "login_name",
    "str_to_uint",
]

#: Shown where NUT shows UPS_VERSION.
VERSION = nutrio.__version__


class KilledBySigpipe(Exception):
    """A write met a closed pipe or socket while SIGPIPE would kill a NUT tool.

    NUT's clients never touch SIGPIPE themselves, but NUT 2.8.0's SSL library
    (NSS) ignores it from its first initialisation on, which happens when a
    client connects with "try SSL" (upsc, upslog). Before that, and always in
    upscmd and upsrw, a write to a closed pipe or socket kills the tool without
    a word (status 128+13); after it the write just fails and the tool carries
    on. :func:`run_main` turns this exception into exit code 141.
    """


class _Sigpipe:
    """The process's SIGPIPE disposition as NUT's tool would have it, per run."""

    ignored = False  # NSS initialised: writes fail quietly instead of killing
    stdout_hit = False  # a write to stdout met a closed pipe


def ignore_sigpipe() -> None:
    """From now on a closed pipe fails writes quietly (NSS's PR_Init does this)."""
    _Sigpipe.ignored = True


def sigpipe_kills() -> bool:
    """Whether a write to a closed pipe or socket would kill NUT's tool now."""
    return not _Sigpipe.ignored


def stdout_closed() -> bool:
    """Whether a write to stdout has met a closed pipe in this run."""
    return _Sigpipe.stdout_hit


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


def _write(stream: object, text: str) -> None:
    # Values came off the wire or argv as bytes; give them back unchanged.
    data = text.encode("utf-8", "surrogateescape")
    buffer = getattr(stream, "buffer", None)
    try:
        if buffer is not None:
            stream.flush()  # type: ignore[attr-defined]
            buffer.write(data)
            buffer.flush()
        else:
            stream.write(data.decode("utf-8", "replace"))  # type: ignore[attr-defined]
    except BrokenPipeError:
        broken_pipe(stream)


def broken_pipe(stream: object) -> None:
    """A write to *stream* met a closed pipe: die as NUT's tool would, or carry on.

    The descriptor is pointed at /dev/null either way, so that the bytes
    Python still holds for it are dropped at exit instead of failing again
    there (which would print "Exception ignored ... BrokenPipeError").

    Raises:
        KilledBySigpipe: when SIGPIPE would kill NUT's tool at this point.
    """
    if stream is sys.stdout:
        _Sigpipe.stdout_hit = True
    fileno = getattr(stream, "fileno", None)
    with contextlib.suppress(OSError, ValueError):
        if fileno is not None:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fileno())
            os.close(null)
    if sigpipe_kills():
        raise KilledBySigpipe


def out(text: str) -> None:
    """printf to stdout."""
    _write(sys.stdout, text)


def err(text: str) -> None:
    """fprintf to stderr."""
    _write(sys.stderr, text)


def run_main(body: Callable[[], None]) -> int:
    """Run a tool's body; turn :class:`Exit` into its message and exit code."""
    _Sigpipe.ignored = _Sigpipe.stdout_hit = False  # a new process, as far as NUT knows
    try:
        return _run(body)
    except KilledBySigpipe:
        return 128 + 13  # the shell's view of NUT dying of SIGPIPE


def _run(body: Callable[[], None]) -> int:
    try:
        body()
    except Exit as exc:
        if exc.message is not None:
            err(exc.message + "\n")
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
