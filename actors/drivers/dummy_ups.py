"""dummy-ups: serve a ``.dev`` dump or a ``.seq`` sequence as NUT 2.8.0 does.

How it works: the file is parsed into items (:mod:`protocol.devices.dummy.devfile`) and
walked from the top; a ``TIMER n`` item stops the walk for n seconds on the
Trio clock. Modes, as dummy-ups 2.8.0 picks them:

* ``dummy-once`` (default for ``*.dev``): read to the end once; afterwards
  each poll compares the file's stamp and reads it again from the top when
  it changed. SET VAR values stay until then.
* ``dummy-loop`` (``*.seq``, or ``mode = dummy`` / ``dummy-loop``) and the
  plain default ``dummy`` (any other file name): at the end, start again
  from the top, so the file's values come back after each pass.

Differences from the real binary, on purpose: a TIMER holds its state for
its exact length (real dummy-ups rounds up to its 2 s polls plus a 1 s sleep,
6-8 s for ``TIMER 5``); a loop goes back to the top in the same poll; the
file stamp includes nanoseconds and size (NUT compares whole seconds); a
missing file makes polls fail (stale) until it is back, where dummy-ups
exits. Repeater mode (``port = ups@host``) is :mod:`actors.drivers.repeater`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy import tables as dummy_tables
from nutrio.protocol.devices.dummy.devfile import (
    DeviceVars,
    Item,
    Pause,
    apply_item,
    dummy_setvar,
    parse_file,
    put_initial_vars,
)

__all__ = ["DummyUps", "pick_mode"]

log = structlog.get_logger()

_Stamp = tuple[int, int, int]


def pick_mode(mode: str | None, port: str) -> tuple[bool, str]:
    """(loops, driver.parameter.mode) for a ``mode`` option and a port, as 2.8.0 decides.

    2.8.0 accepts any mode string (its check never fails): an unknown one
    falls back to guessing from the file name, like no mode at all.
    """
    if mode in ("dummy-loop", "dummy"):
        return True, "dummy-loop"
    if mode == "dummy-once":
        return False, "dummy-once"
    if mode is not None:
        log.warning("driver.unknown_mode", mode=mode)
    if port.endswith(".seq"):
        return True, "dummy-loop"
    if port.endswith(".dev"):
        return False, "dummy-once"
    return True, "dummy"


def _demo_commands(device: DeviceLike) -> tuple[str, ...]:
    """nutrio's ``commands`` option: demo commands this simulated UPS takes (not NUT's)."""
    names = tuple(device.options.get("commands", "").split())
    unknown = [n for n in names if n not in dummy_tables.DEMO_COMMANDS]
    if unknown:
        known = ", ".join(sorted(dummy_tables.DEMO_COMMANDS))
        raise DriverConfigError(f"{device.name}: commands: unknown {', '.join(unknown)} "
                                f"(dummy-ups can simulate {known})")
    return names


def _var_of(command: str) -> str:
    """The variable a demo command changes."""
    return dummy_tables.DEMO_COMMANDS[command][0][0]


def _stamp(path: Path) -> _Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class DummyUps:
    """The dummy-ups driver over one file (see the module comment)."""

    name = "dummy-ups"
    version_internal = "0.15-nutrio"
    flags = frozenset({"repeater_disable_strict_start"})

    def __new__(cls, device: DeviceLike) -> Any:
        # repeater mode (port "ups@host[:port]") is another driver behind the same name
        from nutrio.actors.drivers.repeater import Repeater, is_repeater

        if is_repeater(device):
            return Repeater(device)
        return super().__new__(cls)

    def __init__(self, device: DeviceLike) -> None:
        self.commands = _demo_commands(device)
        mode = device.options.get("mode")
        self.loops, self.mode = pick_mode(mode, device.port)
        # absolute ports stay absolute: Path("/etc") / "/x" == "/x"
        self.path = Path(device.config_dir) / device.port
        self._items: tuple[Item, ...] = ()
        self._pos: int | None = None  # None: between passes
        self._resume_at: float | None = None
        self._stamp: _Stamp | None = None
        self._warned: _Stamp | None = None  # the file version whose parse errors were logged

    async def open(self, state: DeviceVars) -> None:
        state.set("driver.parameter.mode", self.mode)
        put_initial_vars(state)
        self._load()
        self._walk(state)
        for command in (*dummy_tables.COMMANDS, *self.commands):
            state.add_command(command)
        for command in self.commands:  # what the UPS reports before any command
            var = _var_of(command)
            if state.get(var) is None:
                state.set(var, dummy_tables.DEMO_INITIAL[var])

    async def poll(self, state: DeviceVars) -> PollResult:
        now = trio.current_time()
        if self._resume_at is not None and now < self._resume_at:
            return PollResult(next_poll=self._resume_at - now)
        fresh = self._pos is None
        if fresh:
            if not self.loops and not self._changed():
                return PollResult()
            self._load()
        self._walk(state)
        if self._pos is None and self.loops and not fresh:
            self._load()  # the end of a sequence: back to the top at once
            self._walk(state)
        return self._result()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        if name in self.commands:
            var, new = dummy_tables.demo_command_effect(name, state.get(_var_of(name)))
            state.set(var, new)
            log.info("driver.demo_command", name=name, variable=var, value=new)
            return ResultCode.SUCCESS
        # dummy-ups 2.8.0 answers every command "unknown" (upsd: ERR UNKNOWN)
        log.info("driver.instcmd_unknown", name=name, value=value)
        return ResultCode.UNKNOWN

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        dummy_setvar(state, name, value)
        return ResultCode.SUCCESS

    async def close(self) -> None:
        self._items = ()

    # -- reading ------------------------------------------------------------

    def _changed(self) -> bool:
        stamp = _stamp(self.path)
        if stamp is None:
            self._stamp = None  # read again whatever comes back
            raise DriverIOError(f"cannot stat {self.path}")
        return stamp != self._stamp

    def _load(self) -> None:
        # a small local file: read it synchronously (a worker thread would let
        # an autojump clock run ahead while the read is in flight)
        self._stamp = _stamp(self.path)
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            self._stamp = None
            raise DriverIOError(f"cannot read {self.path}: {exc.strerror}") from exc
        self._items, errors = parse_file(data)
        self._pos = 0
        if errors and self._stamp != self._warned:
            # once per version of the file: a .seq is read again at every pass
            self._warned = self._stamp
            log.warning("driver.file_parse_errors", file=str(self.path), errors=len(errors),
                        first=errors[0])

    def _walk(self, state: DeviceVars) -> None:
        """Apply items until a TIMER or the end of the file."""
        assert self._pos is not None
        self._resume_at = None
        for index in range(self._pos, len(self._items)):
            item = self._items[index]
            if isinstance(item, Pause):
                self._resume_at = trio.current_time() + item.seconds
                self._pos = index + 1
                return
            apply_item(state, item)
        self._pos = None

    def _result(self) -> PollResult:
        if self._resume_at is None:
            return PollResult()
        return PollResult(next_poll=self._resume_at - trio.current_time())
