"""``upslog``: log a UPS's variables at an interval, as NUT 2.8.0's upslog.

Same options (-s -l -i -f -F -B -p -u -h -V, and the old positional form
``<system> <logfile> <interval> [<format>...]``), messages, exit codes and
log lines as the real program (clients/upslog.c), including its habits:

- the banner goes to stdout first; unknown options are reported and ignored;
- the first line is written at once, then every interval on whole seconds;
  SIGUSR1 writes one now, SIGHUP reopens the file (and writes one), SIGINT,
  SIGQUIT or SIGTERM write a last one and exit 0 ("Signal 15: exiting");
- a file log goes to the background unless -F (stdout stays in front unless
  -B); stdout text still buffered in a pipe is lost there, as with stdio;
  once in the background, messages go to syslog instead of stderr;
- the PID file is written in /run/nut (or at -p's absolute path) and, when
  started as root, it switches to -u's user (default "nut");
- the connection is dropped after each line when the interval exceeds 30 s.

One addition: before each write the log path is compared with the open file,
so a logrotate rename without SIGHUP still puts new lines in the new file.
"""

from __future__ import annotations

import os
import pwd
import signal
import socket
import sys
import syslog
import time
from collections.abc import Sequence
from dataclasses import dataclass

from nutrio.actors.upslog import LogFile
from nutrio.clients import _environ
from nutrio.clients._common import (
    VERSION,
    Exit,
    broken_pipe,
    err,
    fatal,
    fatal_with_errno,
    getopt,
    run_main,
)
from nutrio.clients._conn import ClientFailure, NutConnection
from nutrio.protocol.client import upslog as fmt
from nutrio.protocol.client.requests import AddressError, split_ups_name
from nutrio.protocol.common.cnum import c_atoi

__all__ = ["help_text", "main"]

PROG = "upslog"
#: NUT's PIDPATH on Debian (rootpidpath()).
PIDPATH = "/run/nut"
#: RUN_AS_USER of Debian's build.
RUN_AS_USER = "nut"
_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGUSR1)


def help_text() -> str:
    """What -h prints after the banner."""
    return f"""UPS status logger.

usage: {PROG} [OPTIONS]

  -f <format>\t- Log format.  See below for details.
\t\t- Use -f "<format>" so your shell doesn't break it up.
  -i <interval>\t- Time between updates, in seconds
  -l <logfile>\t- Log file name, or - for stdout (foreground by default)
  -F\t\t- stay foregrounded even if logging into a file
  -B\t\t- stay backgrounded even if logging to stdout
  -p <pidbase>  - Base name for PID file (defaults to "{PROG}")
  -s <ups>\t- Monitor UPS <ups> - <upsname>@<host>[:<port>]
        \t- Example: -s myups@server
  -u <user>\t- Switch to <user> if started as root

Some valid format string escapes:
\t%% insert a single %
\t%TIME format% insert the time with strftime formatting
\t%HOST% insert the local hostname
\t%UPSHOST% insert the host of the ups being monitored
\t%PID% insert the pid of upslog
\t%VAR varname% insert the value of ups variable varname

format string defaults to:
{fmt.DEFAULT_FORMAT}

See the upslog(8) man page for more information.
"""


class _Stdout:
    """stdio's stdout: a tty sees text at once, a pipe or file when flushed."""

    def __init__(self) -> None:
        self.pending: list[str] = []
        self.tty = sys.stdout.isatty()

    def write(self, text: str) -> None:
        self.pending.append(text)
        if self.tty:
            self.flush()

    def flush(self) -> None:
        text, self.pending = "".join(self.pending), []
        if text:
            data = text.encode("utf-8", "surrogateescape")
            try:
                sys.stdout.flush()
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
            except BrokenPipeError:
                broken_pipe(sys.stdout)


@dataclass
class _Options:
    monhost: str | None = None
    logfn: str | None = None
    interval: int = 30
    logformat: str = fmt.DEFAULT_FORMAT
    user: str = RUN_AS_USER
    pidbase: str = PROG
    foreground: int = -1


def main(argv: list[str]) -> int:
    """Run upslog with *argv* (without the program name); return the exit code."""
    stdout = _Stdout()
    try:
        return run_main(lambda: _Upslog(stdout).run(argv), PROG, announce=False)
    finally:
        stdout.flush()


def _parse(argv: Sequence[str], stdout: _Stdout) -> _Options:
    opts = _Options()
    rest = list(argv)
    while True:
        parsed, rest = getopt(rest, "hs:l:i:f:u:Vp:FB", PROG)
        for opt, value in parsed:
            match opt:
                case "h":
                    _help(stdout)
                case "s":
                    opts.monhost = value
                case "l":
                    opts.logfn = value
                case "i":
                    opts.interval = c_atoi(value)
                case "f":
                    opts.logformat = value
                case "u":
                    opts.user = value
                case "V":
                    raise Exit(0)
                case "p":
                    opts.pidbase = value
                case "F":
                    opts.foreground = 1
                case "B":
                    opts.foreground = 0
                case "?":  # glibc reports it; upslog ignores it and reads on
                    err(value + "\n")
        if not parsed or parsed[-1][0] != "?" or not rest or not rest[0].startswith("-"):
            break
    _positional(opts, rest, stdout)
    return opts


def _positional(opts: _Options, args: list[str], stdout: _Stdout) -> None:
    """The old form: <system> <logfile> <interval> [<format>...]."""
    if len(args) in (1, 2):
        _help(stdout)
    if len(args) >= 3:
        opts.monhost, opts.logfn, opts.interval = args[0], args[1], c_atoi(args[2])
    if len(args) >= 4:
        opts.logformat = "".join(a + " " for a in args[3:])[: fmt.LINE_LIMIT]


def _help(stdout: _Stdout) -> None:
    stdout.write(help_text())
    raise Exit(0)


class _Upslog:
    def __init__(self, stdout: _Stdout) -> None:
        self.stdout = stdout
        self.to_syslog = False
        self.conn: NutConnection | None = None
        self.upsname = ""

    def say(self, message: str) -> None:
        """upslogx: stderr in the foreground, syslog once in the background."""
        if self.to_syslog:
            syslog.syslog(syslog.LOG_INFO, message)
        else:
            err(_environ.logged(message) + "\n")

    def run(self, argv: Sequence[str]) -> None:
        self.stdout.write(f"Network UPS Tools {PROG} {VERSION}\n")
        o = _parse(argv, self.stdout)
        _environ.after_options()
        _environ.debug(1, f"logformat: {o.logformat}")
        if not o.monhost:
            raise fatal("No UPS defined for monitoring - use -s <system>")
        if not o.logfn:
            raise fatal("No filename defined for logging - use -l <file>")
        self.stdout.write(f"logging status of {o.monhost} to {o.logfn} ({o.interval}s intervals)\n")
        try:
            address = split_ups_name(o.monhost)
        except AddressError as exc:
            if exc.message:
                err(exc.message + "\n")
            raise fatal("Error: invalid UPS definition.  Required format: upsname[@hostname[:port]]\n") from None
        self.upsname, host, port = address.upsname or "", address.host, address.port
        _environ.debug(1, f"Checking parse of '{o.monhost}' => '{self.upsname}' '{host}' '{port}'")
        try:
            self.conn = NutConnection.connect(host, port, try_ssl=True)
        except ClientFailure as exc:
            err(f"Warning: initial connect failed: {exc.message}\n")
        sink = LogFile(None if o.logfn == "-" else o.logfn)
        try:
            sink.open()
        except OSError as exc:
            raise fatal_with_errno(f"could not open logfile {o.logfn}", exc.errno or 0) from None
        try:
            account = pwd.getpwnam(o.user)
        except KeyError:
            raise fatal(f"user {o.user} not found") from None
        foreground = o.foreground if o.foreground >= 0 else int(sink.is_stdout)
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        if not foreground:
            self._background()
        self._writepid(o.pidbase)
        _become_user(account)
        self._loop(o, sink, (host, port))

    def _background(self) -> None:
        # a tty has seen the text already; a pipe's stdio buffer dies with the child's stdout
        if self.stdout.tty:
            self.stdout.flush()
        self.stdout.pending = []
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() != 0:
            os._exit(0)
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        self.to_syslog = True
        syslog.openlog(PROG, syslog.LOG_PID, syslog.LOG_DAEMON)

    def _writepid(self, base: str) -> None:
        path = base if base.startswith("/") else f"{PIDPATH}/{base}.pid"
        mask = os.umask(0o022)
        try:
            with open(path, "w") as f:
                f.write(f"{os.getpid()}\n")
        except OSError as exc:
            self.say(f"writepid: fopen {path}: {os.strerror(exc.errno or 0)}")
        finally:
            os.umask(mask)

    def _loop(self, o: _Options, sink: LogFile, address: tuple[str, int]) -> None:
        pieces = fmt.compile_format(o.logformat)
        ctx_host = socket.gethostname()
        nextpoll = 0
        flags: dict[str, int] = {}
        while "exit" not in flags:
            now = int(time.time())
            if nextpoll > now:
                _wait_signal(flags, nextpoll - now)
                nextpoll += o.interval
            else:
                nextpoll = now + o.interval
            if "reopen" in flags:
                self._reopen(sink, flags.pop("reopen"), o.logfn or "")
            if self.conn is None or self.conn.error is not None:
                self.conn = _connect(*address)
            ctx = fmt.LineContext(now=time.time(), host=ctx_host, upshost=o.monhost or "", pid=os.getpid())
            line = fmt.render_line(pieces, ctx, self._getvar)
            if sink.is_stdout:
                self.stdout.flush()
            _write_line(sink, line)
            if o.interval > 30 and self.conn is not None:
                self.conn.close()
                self.conn = None
            _poll_signals(flags)
        self.say(f"Signal {flags['exit']}: exiting")
        sink.close()
        if self.conn is not None:
            self.conn.close()

    def _reopen(self, sink: LogFile, signum: int, logfn: str) -> None:
        self.say(f"Signal {signum}: reopening log file")
        if sink.is_stdout:
            self.say("logging to stdout")
            return
        try:
            sink.reopen()
        except OSError as exc:
            raise fatal_with_errno(f"could not reopen logfile {logfn}", exc.errno or 0) from None

    def _getvar(self, name: str) -> str | None:
        if self.conn is None:
            return None
        try:
            words = self.conn.get("VAR", self.upsname, name)
        except ClientFailure:
            return None
        return words[3] if len(words) > 3 else "(null)"


def _write_line(sink: LogFile, line: str) -> None:
    """fprintf + fflush: upslog never looks at the result.

    A closed pipe kills it, unless its SSL library ignores SIGPIPE by now
    (after a successful first connect); then the line is lost and it goes on.
    """
    try:
        sink.write_line(line)
    except BrokenPipeError:
        broken_pipe(sys.stdout if sink.is_stdout else None)
    except OSError:
        pass


def _connect(host: str, port: int) -> NutConnection | None:
    """The loop's silent reconnect (upscli_connect without TRYSSL)."""
    try:
        return NutConnection.connect(host, port)
    except ClientFailure:
        return None


def _note(flags: dict[str, int], signum: int) -> None:
    if signum == signal.SIGHUP:
        flags["reopen"] = signum
    elif signum != signal.SIGUSR1:  # USR1 only cuts the sleep short
        flags["exit"] = signum


def _wait_signal(flags: dict[str, int], seconds: int) -> None:
    """sleep(seconds), cut short by any of upslog's signals."""
    info = signal.sigtimedwait(_SIGNALS, seconds)
    if info is not None:
        _note(flags, info.si_signo)
        _poll_signals(flags)


def _poll_signals(flags: dict[str, int]) -> None:
    """Signals that came while we worked (the C handlers would have set flags)."""
    while (info := signal.sigtimedwait(_SIGNALS, 0)) is not None:
        _note(flags, info.si_signo)


def _become_user(account: pwd.struct_passwd) -> None:
    """NUT's become_user: only root switches; failures are fatal."""
    if os.getuid() != 0 and os.geteuid() != 0:
        return
    try:
        os.initgroups(account.pw_name, account.pw_gid)
        os.setgid(account.pw_gid)
        os.setuid(account.pw_uid)
    except OSError as exc:
        raise fatal_with_errno("setuid", exc.errno or 0) from None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
