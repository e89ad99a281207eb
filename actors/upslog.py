"""The power-statistics logger: one actor per ``[[log.entry]]``, as NUT's upslog.

Every ``interval`` seconds it renders one line for its UPS and appends it to
its file (or standard output). The first line is written at once, then on a
fixed schedule; a late line moves the schedule on instead of bunching up
(upslog's ``nextpoll`` rule).

Where the values come from: a plain UPS name is one of our own devices and
is read from its latest snapshot (no network round trip); ``ups@host[:port]``
is asked over the network, ``GET VAR`` per variable, like upslog does.

Never losing a line, the two ways logs get rotated:

- ``copytruncate``-free ``logrotate`` renames the file: before each write the
  path is checked against the open file (device and inode) and reopened when
  it names another file or none, so the line lands in the new file;
- ``postrotate kill -HUP``: :meth:`LogReopen.request` (the app calls it on
  SIGHUP) makes every logger reopen its file, as upslog's reopen_flag.

A write that fails (disk full, directory gone) keeps the line queued and the
next interval tries again, the oldest first; only past ``PENDING_LIMIT``
queued lines are the oldest dropped, counted and logged.
"""

from __future__ import annotations

import collections
import os
import socket
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import structlog
import trio

from nutrio.actors.nutclient import NutClient, NutClientError
from nutrio.actors.registry import Registry
from nutrio.conf.netaddr import parse_system
from nutrio.protocol.client import upslog as fmt
from nutrio.protocol.client.requests import Err, Var
from nutrio.protocol.upsd.replies import served_status
from nutrio.supervisor.cell import LatestCell

__all__ = ["PENDING_LIMIT", "LogFile", "LogReopen", "run_upslog"]

log = structlog.get_logger()

#: Lines kept while the file cannot be written (a day of 10 s lines).
PENDING_LIMIT = 8640

Values = Mapping[str, str] | None


class LogFile:
    """An append-only log that follows renames; ``path`` None is standard output.

    Synchronous on purpose: the standalone ``nutrio upslog`` uses it as is,
    and the actor appends one short line per interval with a single
    ``write(2)`` on an O_APPEND descriptor, as upslog does; a worker thread
    would cost more than the write.
    """

    def __init__(self, path: Path | str | None, *, header: str | None = None, stdout_fd: int = 1) -> None:
        self.path = None if path is None else Path(path)
        self._header = header
        self._fd: int | None = None if self.path is not None else stdout_fd
        self._reopen_requested = False
        self.reopen_error: OSError | None = None

    @property
    def is_stdout(self) -> bool:
        return self.path is None

    def open(self) -> None:
        """Open (create, append) the file. Raises OSError like fopen(..., "a")."""
        if self.path is not None and self._fd is None:
            self._fd = self._open_new()

    def _open_new(self) -> int:
        assert self.path is not None
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
        if self._header is not None and os.fstat(fd).st_size == 0:
            _write_all(fd, self._header + "\n")
        return fd

    def reopen(self) -> bool:
        """Reopen the file by name (SIGHUP). False for stdout, which stays.

        Raises:
            OSError: the new file cannot be opened; the old one stays open.
        """
        if self.path is None:
            return False
        new = self._open_new()
        old, self._fd = self._fd, new
        if old is not None:
            os.close(old)
        return True

    def request_reopen(self) -> None:
        """Reopen before the next write (only the writer ever touches the descriptor)."""
        self._reopen_requested = True

    def write_line(self, line: str) -> None:
        """Append one line (newline added) to the file the path names now.

        Raises:
            OSError: the write failed; the caller keeps the line.
        """
        if self.path is not None:
            if self._reopen_requested:
                self._reopen_requested = False
                self._reopen_keeping_old()
            self._follow_rename()
        assert self._fd is not None
        _write_all(self._fd, line + "\n")

    def _follow_rename(self) -> None:
        if self._fd is None:
            self._fd = self._open_new()
            return
        assert self.path is not None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._reopen_keeping_old()
            return
        except OSError:
            return  # cannot look (permissions): keep the file we have
        mine = os.fstat(self._fd)
        if (st.st_dev, st.st_ino) != (mine.st_dev, mine.st_ino):
            self._reopen_keeping_old()

    def _reopen_keeping_old(self) -> None:
        try:
            self.reopen()
            self.reopen_error = None
        except OSError as exc:
            # keep writing into the old (renamed) file: misplaced, but not lost
            self.reopen_error = exc

    def close(self) -> None:
        if self.path is not None and self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _write_all(fd: int, text: str) -> None:
    data = text.encode("utf-8", "surrogateescape")
    while data:
        written = os.write(fd, data)
        data = data[written:]


class LogReopen:
    """SIGHUP for the loggers: each request makes every logger reopen its file."""

    def __init__(self) -> None:
        self._cell: LatestCell[int] = LatestCell(0)

    def request(self) -> None:
        self._cell.publish(self._cell.value + 1)

    @property
    def version(self) -> int:
        return self._cell.version

    async def wait_request(self, seen: int) -> int:
        version, _ = await self._cell.wait_newer(seen)
        return version


# -- where the values come from --------------------------------------------


class _LocalSource:
    """One of our own devices: its latest snapshot, judged as upsd would."""

    def __init__(self, registry: Registry, ups: str, maxage: float,
                 fsd: LatestCell[frozenset[str]] | None = None) -> None:
        self._registry, self._ups, self._maxage = registry, ups, maxage
        self._fsd = fsd

    async def read(self, names: tuple[str, ...]) -> tuple[str, Values]:
        handle = self._registry.get(self._ups)
        if handle is None or not handle.snapshot.connected:
            return "disconnected", None
        snap = handle.snapshot
        now = trio.current_time()
        if snap.stale or now - snap.heard_at(now) > self._maxage:
            return "stale", None
        data = snap.data
        values = data.vars if not names else {n: v for n in names if (v := data.get(n)) is not None}
        if self._fsd is not None and self._ups.lower() in self._fsd.value:
            values = {n: served_status(v, True) if n.lower() == "ups.status" else v
                      for n, v in values.items()}
        return "ok", values

    async def aclose(self) -> None:
        pass


class _RemoteSource:
    """A UPS on another upsd: GET VAR per variable on a kept connection."""

    def __init__(self, upsname: str, host: str, port: int) -> None:
        self._upsname, self._host, self._port = upsname, host, port
        self._client: NutClient | None = None

    async def read(self, names: tuple[str, ...]) -> tuple[str, Values]:
        names = names or fmt.CSV_VARS
        try:
            if self._client is None or not self._client.connected:
                self._client = await NutClient.connect(self._host, self._port)
            values: dict[str, str] = {}
            for name in names:
                reply = await self._client.request("GET", "VAR", self._upsname, name)
                if isinstance(reply, Var):
                    values[name] = reply.value
                elif not isinstance(reply, Err):
                    raise NutClientError("protocol error", lost=True)
        except NutClientError as exc:
            log.debug("upslog.read_failed", error=exc.code)
            await self.aclose()
            return "disconnected", None
        return "ok", values

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


def _source(spec: str, registry: Registry, maxage: float,
            fsd: LatestCell[frozenset[str]] | None) -> _LocalSource | _RemoteSource:
    upsname, host, port = parse_system(spec)
    if "@" not in spec:
        return _LocalSource(registry, upsname, maxage, fsd)
    return _RemoteSource(upsname, host, port)


# -- the actor ---------------------------------------------------------------


class _Renderer:
    """Turns (state, values) into the entry's line: NUT format, csv or jsonl."""

    def __init__(self, ups: str, format_: str, host: str) -> None:
        self.ups, self.kind, self.host = ups, format_, host
        self.pieces = () if format_ in fmt.STRUCTURED_FORMATS else fmt.compile_format(format_)
        if format_ == "csv":
            self.names: tuple[str, ...] = fmt.CSV_VARS
        elif format_ == "jsonl":
            self.names = ()  # every variable
        else:
            self.names = fmt.variables_of(self.pieces)

    def header(self) -> str | None:
        return fmt.csv_header() if self.kind == "csv" else None

    def line(self, now: float, state: str, values: Values) -> str:
        if self.kind == "csv":
            return fmt.csv_row(self.ups, now, values)
        if self.kind == "jsonl":
            return fmt.jsonl_line(self.ups, now, values, state)
        ctx = fmt.LineContext(now=now, host=self.host, upshost=self.ups, pid=os.getpid())
        vals = values or {}
        return fmt.render_line(self.pieces, ctx, lambda n: _lookup(vals, n))


def _lookup(values: Mapping[str, str], name: str) -> str | None:
    value = values.get(name)
    if value is None:  # upsd matches variable names case-insensitively
        lower = name.lower()
        value = next((v for k, v in values.items() if k.lower() == lower), None)
    return value


async def run_upslog(
    entry: object,
    registry: Registry,
    *,
    reopen: LogReopen | None = None,
    maxage: float = 15.0,
    fsd: LatestCell[frozenset[str]] | None = None,
    wallclock: Callable[[], float] = time.time,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Log one ``conf.LogEntry`` (``ups``, ``interval``, ``format``, ``file``) until cancelled.

    *maxage* is the server's MAXAGE (older snapshots log as NA, as upsd
    would answer DATA-STALE); *fsd* is upsd's FSD flags (a local UPS's status is
    logged with ``FSD`` as upsd serves it); *wallclock* gives the time printed in lines.
    """
    ups: str = entry.ups  # type: ignore[attr-defined]
    interval: float = entry.interval  # type: ignore[attr-defined]
    structlog.contextvars.bind_contextvars(actor="upslog", ups=ups)
    renderer = _Renderer(ups, entry.format, socket.gethostname())  # type: ignore[attr-defined]
    sink = LogFile(entry.file, header=renderer.header())  # type: ignore[attr-defined]
    sink.open()  # a file we cannot open is a crash, as upslog's fatal exit
    source = _source(ups, registry, maxage, fsd)
    pending: collections.deque[str] = collections.deque()
    log.info("upslog.started", file=str(sink.path or "-"), interval=interval)
    try:
        async with trio.open_nursery() as nursery:
            if reopen is not None:
                nursery.start_soon(_follow_reopen, sink, reopen)
            task_status.started()
            next_at = trio.current_time()
            while True:
                state, values = await source.read(renderer.names)
                _queue(pending, renderer.line(wallclock(), state, values))
                _flush(sink, pending)
                next_at += interval
                now = trio.current_time()
                if next_at <= now:  # we fell behind: start the schedule afresh
                    next_at = now + interval
                await trio.sleep_until(next_at)
    finally:
        with trio.CancelScope(shield=True):
            await source.aclose()
        sink.close()


def _queue(pending: collections.deque[str], line: str) -> None:
    if len(pending) >= PENDING_LIMIT:
        pending.popleft()
        log.error("upslog.line_dropped", queued=len(pending), reason="file unwritable too long")
    pending.append(line)


def _flush(sink: LogFile, pending: collections.deque[str]) -> None:
    while pending:
        line = pending[0]
        try:
            sink.write_line(line)
        except OSError as exc:
            log.error("upslog.write_failed", error=str(exc), queued=len(pending))
            return
        pending.popleft()
        if sink.reopen_error is not None:
            log.warning("upslog.reopen_failed", error=str(sink.reopen_error))
            sink.reopen_error = None


async def _follow_reopen(sink: LogFile, reopen: LogReopen) -> None:
    seen = reopen.version
    while True:
        seen = await reopen.wait_request(seen)
        if sink.is_stdout:
            log.info("upslog.reopen_skipped", reason="logging to stdout")
            continue
        sink.request_reopen()  # done by the writer before its next line
        log.info("upslog.reopen_requested", file=str(sink.path))
