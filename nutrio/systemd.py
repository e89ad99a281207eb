"""Talking to systemd: readiness notifications, the watchdog, and the journal.

Two datagram protocols over AF_UNIX sockets, both spoken without libsystemd:

- sd_notify: ``KEY=value`` lines in one datagram to ``$NOTIFY_SOCKET`` (an
  absolute path, or ``@name`` in the abstract namespace). Without the variable
  every call is a no-op, so a program run by hand behaves as before.
- the journal's native protocol: one datagram per entry to
  ``/run/systemd/journal/socket``; each field is ``NAME=value\\n``, or, when the
  value holds a newline, ``NAME\\n`` + its length as 64-bit little endian +
  the value + ``\\n``. An entry too big for one datagram goes as a sealed
  memfd passed with SCM_RIGHTS; failing that, its values are truncated.

The watchdog pings come from a task on the Trio loop on purpose, not from a
thread: a thread would keep pinging while the loop is stuck in a blocking call
or after the root supervisor gave up, and systemd would never restart a
process that no longer serves. Pinging from the loop ties "alive" to "the loop
runs and the tree is up".
"""

from __future__ import annotations

import array
import contextlib
import errno
import fcntl
import json
import os
import re
import socket
import struct
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import IO, Any

import structlog
import trio
from structlog.typing import EventDict, WrappedLogger

__all__ = [
    "JOURNAL_SOCKET",
    "JOURNAL_SOCKET_ENV",
    "JournalLogger",
    "JournalLoggerFactory",
    "JournalRenderer",
    "SystemdNotifier",
    "encode_journal_entry",
    "journal_field_name",
    "journal_socket_path",
    "run_watchdog",
]

log = structlog.get_logger()

JOURNAL_SOCKET = "/run/systemd/journal/socket"
#: tests (and odd set-ups) point the journal output at another socket with this variable
JOURNAL_SOCKET_ENV = "NUTRIO_JOURNAL_SOCKET"
#: a send may wait this long for a full socket queue before it counts as failed
SEND_TIMEOUT = 1.0

_NOTIFY_ENV = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")


# -- sd_notify ---------------------------------------------------------------


class SystemdNotifier:
    """sd_notify without libsystemd; every method is a no-op without a socket.

    Methods return True when the datagram was sent. A failed send is logged
    once and never raised: telling systemd is a courtesy, serving is the job.
    """

    def __init__(self, address: str | None, watchdog_usec: int | None = None) -> None:
        self.address = _notify_address(address)
        self.watchdog_usec = watchdog_usec if watchdog_usec and watchdog_usec > 0 else None
        self._sock: socket.socket | None = None
        self._warned = False

    @classmethod
    def from_environ(
        cls, environ: MutableMapping[str, str] | None = None, *, unset: bool = False
    ) -> SystemdNotifier:
        """Read NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID.

        The watchdog is on only when WATCHDOG_PID is unset or names this
        process. With *unset* the variables are removed, so the programs we
        start (NOTIFYCMD, SHUTDOWNCMD) never talk to systemd in our name.
        """
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET") or None
        usec = _positive_int(env.get("WATCHDOG_USEC"))
        pid = env.get("WATCHDOG_PID")
        if pid and _positive_int(pid) != os.getpid():
            usec = None
        if unset:
            for name in _NOTIFY_ENV:
                env.pop(name, None)
        return cls(address, usec)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    @property
    def watchdog_interval(self) -> float | None:
        """Seconds between pings: half of WATCHDOG_USEC, as systemd advises; None if off."""
        if self.address is None or self.watchdog_usec is None:
            return None
        return self.watchdog_usec / 2_000_000

    def notify(self, **fields: str | int) -> bool:
        """Send ``KEY=value`` lines, e.g. ``notify(READY=1, STATUS="up")``."""
        if self.address is None:
            return False
        lines = [f"{key}={_one_line(str(value))}" for key, value in fields.items()]
        payload = ("\n".join(lines) + "\n").encode()
        try:
            self._socket().sendto(payload, self.address)
        except OSError as exc:
            if not self._warned:
                self._warned = True
                log.warning("systemd.notify_failed", error=str(exc))
            return False
        return True

    def ready(self, status: str | None = None) -> bool:
        return self.notify(READY=1, **_status(status))

    def reloading(self, status: str | None = None) -> bool:
        # MONOTONIC_USEC lets systemd tell this reload from an earlier one
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        return self.notify(RELOADING=1, MONOTONIC_USEC=usec, **_status(status))

    def stopping(self, status: str | None = None) -> bool:
        return self.notify(STOPPING=1, **_status(status))

    def status(self, text: str) -> bool:
        return self.notify(STATUS=text)

    def watchdog(self) -> bool:
        return self.notify(WATCHDOG=1)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _socket(self) -> socket.socket:
        if self._sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            # bounded: a stuck manager may stall the loop this long, never for ever
            sock.settimeout(SEND_TIMEOUT)
            self._sock = sock
        return self._sock


async def run_watchdog(
    notifier: SystemdNotifier,
    *,
    alive: Callable[[], bool] = lambda: True,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Send WATCHDOG=1 every WATCHDOG_USEC/2 while ``alive()``; returns at once if off.

    Run it in the same nursery as the tree: a blocked loop or a tree that
    stopped (``alive()`` false) means no more pings, and systemd restarts us.
    """
    interval = notifier.watchdog_interval
    task_status.started()
    if interval is None:
        return
    log.info("systemd.watchdog", interval=interval)
    while alive():
        notifier.watchdog()
        await trio.sleep(interval)
    log.warning("systemd.watchdog_stopped", reason="not alive")


def _notify_address(address: str | None) -> str | None:
    if not address:
        return None
    if address.startswith("@"):
        return "\0" + address[1:]  # abstract namespace
    if address.startswith("/"):
        return address
    log.warning("systemd.notify_socket_unsupported", address=address)
    return None


def _positive_int(text: str | None) -> int | None:
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if value > 0 else None


def _status(status: str | None) -> dict[str, str]:
    return {} if status is None else {"STATUS": status}


def _one_line(text: str) -> str:
    return text.replace("\n", " ")


# -- the journal's native protocol -----------------------------------------------

#: syslog priorities (RFC 5424) for structlog's level names
_PRIORITY = {"debug": 7, "info": 6, "notice": 5, "warn": 4, "warning": 4,
             "error": 3, "exception": 3, "critical": 2, "fatal": 2}
#: names journald or journalctl give a meaning of their own; a bound key that
#: would collide gets the identifier as a prefix (message= -> NUTRIO_MESSAGE)
_RESERVED = frozenset({
    "MESSAGE", "MESSAGE_ID", "PRIORITY", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "ERRNO",
    "INVOCATION_ID", "USER_INVOCATION_ID", "SYSLOG_FACILITY", "SYSLOG_IDENTIFIER",
    "SYSLOG_PID", "SYSLOG_TIMESTAMP", "SYSLOG_RAW", "DOCUMENTATION", "TID", "UNIT",
    "USER_UNIT", "OBJECT_PID", "EVENT", "EXCEPTION",
})
#: each value is cut to this many bytes when an entry fits no datagram and no memfd
TRUNCATE_AT = 8192
_NOT_NAME = re.compile(r"[^A-Z0-9_]")


def journal_socket_path(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get(JOURNAL_SOCKET_ENV) or JOURNAL_SOCKET


def journal_field_name(key: str, prefix: str = "NUTRIO") -> str:
    """A structlog key as a journal field name: upper case, ``[A-Z0-9_]``, at most 64.

    Names may not start with ``_`` (journald's trusted fields) or a digit.
    """
    name = _NOT_NAME.sub("_", key.upper()).lstrip("_")
    if not name or name[0].isdigit() or name in _RESERVED:
        name = f"{prefix}_{name}"
    return name[:64]


def encode_journal_entry(fields: Iterable[tuple[str, bytes]]) -> bytes:
    """The datagram for one entry; binary form for values holding a newline."""
    out = bytearray()
    for name, value in fields:
        key = name.encode("ascii")
        if b"\n" in value:
            out += key + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"
        else:
            out += key + b"=" + value + b"\n"
    return bytes(out)


class JournalRenderer:
    """structlog's last processor: the event dict as journal fields (a dict).

    MESSAGE is the event name plus ``key=value`` pairs, for plain
    ``journalctl``; every bound key also becomes a field of its own (actor ->
    ACTOR), event -> EVENT, level -> PRIORITY, a traceback -> EXCEPTION.
    """

    def __init__(self, identifier: str = "nutrio") -> None:
        self.identifier = identifier
        self.prefix = journal_field_name(identifier, prefix="X")

    def __call__(self, _logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
        event = str(event_dict.pop("event", ""))
        level = str(event_dict.pop("level", "info"))
        event_dict.pop("timestamp", None)  # the journal stamps each entry itself
        exception = event_dict.pop("exception", None)
        pairs = [f"{k}={_logfmt(v)}" for k, v in event_dict.items() if isinstance(k, str)]
        message = " ".join([event, *pairs])
        fields: dict[str, str] = {
            "MESSAGE": message if exception is None else f"{message}\n{exception}",
            "PRIORITY": str(_PRIORITY.get(level, 6)),
            "SYSLOG_IDENTIFIER": self.identifier,
            "EVENT": event,
        }
        if exception is not None:
            fields["EXCEPTION"] = str(exception)
        for key, value in event_dict.items():
            if isinstance(key, str):
                fields.setdefault(journal_field_name(key, self.prefix), _text(value))
        return fields


class JournalLogger:
    """Sends each rendered entry to the journal socket; never raises.

    When the journal cannot be reached the MESSAGE goes to *fallback* (stderr,
    which systemd usually connects to the journal too), so no line is lost.
    """

    def __init__(self, path: str | None = None, fallback: IO[str] | None = None) -> None:
        self.path = path or journal_socket_path()
        self.fallback = fallback
        self._sock: socket.socket | None = None

    def msg(self, **fields: str) -> None:
        entry = [(name, value.encode("utf-8", "backslashreplace"))
                 for name, value in fields.items()]
        if not self._send(entry):
            self._write_fallback(fields.get("MESSAGE", ""))

    # structlog calls the method named like the level; all of them send
    debug = info = warning = warn = error = err = critical = fatal = exception = msg

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _send(self, entry: list[tuple[str, bytes]]) -> bool:
        payload = encode_journal_entry(entry)
        try:
            self._socket().sendto(payload, self.path)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EMSGSIZE, errno.ENOBUFS):
                return False
        if self._send_memfd(payload):
            return True
        cut = [(name, _truncate(value)) for name, value in entry]
        with contextlib.suppress(OSError):
            self._socket().sendto(encode_journal_entry(cut), self.path)
            return True
        return False

    def _send_memfd(self, payload: bytes) -> bool:
        """journald reads a big entry from a sealed memfd sent with an empty datagram."""
        try:
            fd = os.memfd_create("journal-entry", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        except (AttributeError, OSError):
            return False
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
            seals = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
            rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))]
            self._socket().sendmsg([], rights, 0, self.path)
            return True
        except OSError:
            return False
        finally:
            os.close(fd)

    def _socket(self) -> socket.socket:
        if self._sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            with contextlib.suppress(OSError):  # bigger entries fit one datagram
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 * 1024 * 1024)
            sock.settimeout(SEND_TIMEOUT)
            self._sock = sock
        return self._sock

    def _write_fallback(self, message: str) -> None:
        if self.fallback is None:
            return
        with contextlib.suppress(OSError, ValueError):
            self.fallback.write(message + "\n")
            self.fallback.flush()


class JournalLoggerFactory:
    """One shared :class:`JournalLogger` (one socket) for every structlog logger."""

    def __init__(self, path: str | None = None, fallback: IO[str] | None = None) -> None:
        self.logger = JournalLogger(path, fallback)

    def __call__(self, *_args: Any) -> JournalLogger:
        return self.logger


def _text(value: Any) -> str:
    """A field's value: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _logfmt(value: Any) -> str:
    text = _text(value)
    if isinstance(value, str) and (not text or any(c in text for c in ' "=\n')):
        return json.dumps(text)
    return text


def _truncate(value: bytes) -> bytes:
    if len(value) <= TRUNCATE_AT:
        return value
    # cut on a UTF-8 boundary so the journal shows text, not a broken character
    head = value[:TRUNCATE_AT].decode("utf-8", "ignore").encode()
    return head + f"... [{len(value) - len(head)} bytes cut]".encode()
