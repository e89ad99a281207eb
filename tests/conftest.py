"""Test tiers: a test without a slow marker is ``fast`` (``./test -m fast``).

The slow markers (registered in pyproject.toml) say what a test needs: server
processes of its own (e2e: ``nutrio run``, real NUT daemons and drivers, the
snmpsim agent), minutes of load (load), a browser, package installs, the
guides' rehearsals. Everything else is the
everyday tier, so a new test is fast unless it says otherwise; to keep that
tier fast, a fast test that keeps a daemon running fails and asks to be marked.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.scheduling import LongestFirst, longest_first

SLOW = ("e2e", "load", "browser", "packaging", "guide")
#: a daemon still running this long after its start is no quick CLI check
DAEMON_SECONDS = 15.0


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("NUTRIO_TEST_CPU"):  # opt-in: where the suite's CPU goes
        from tests.cpuprofile import CpuProfile
        config.pluginmanager.register(CpuProfile(os.environ["NUTRIO_TEST_CPU"]), "cpuprofile")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    slow_modules = set()
    for item in items:
        if any(item.get_closest_marker(name) for name in SLOW):
            slow_modules.add(item.path)
        else:
            item.add_marker(pytest.mark.fast)
    # the longest modules first (tests/scheduling.py): pytest-xdist hands them out in this order
    longest_first(items, Path(__file__).resolve().parents[1], slow_modules)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> LongestFirst | None:
    return LongestFirst(config, log) if config.getoption("dist") == "loadfile" else None


def is_daemon(argv: Sequence[str]) -> bool:
    """``nutrio run``, a real NUT server or driver (upsmon only as a daemon, a driver
    not for its one-shot -k), or the snmpsim agent."""
    words = [str(a) for a in argv]
    if not words:
        return False
    if "nutrio" in words[:3] and "run" in words[1:4] or Path(words[0]).name == "nutrio" \
            and words[1:2] == ["run"]:
        return True
    if any(Path(w).name == "run_snmpsim.py" for w in words[:2]):
        return True
    program = Path(words[0])
    if program.parent != Path("/lib/nut"):
        return False
    one_shot = {"-c", "-K"} if program.name == "upsmon" else {"-k"}
    return not one_shot & set(words)


class _DaemonWatch:
    """The daemon-like processes a test starts that run for a while or outlive it."""

    def __init__(self) -> None:
        self.lasting: list[str] = []
        self._started: list[tuple[str, int, threading.Timer]] = []

    def started(self, argv: Sequence[str], pid: int) -> None:
        if is_daemon(argv):
            command = " ".join(map(str, argv))
            timer = threading.Timer(DAEMON_SECONDS, self._check, (command, pid))
            timer.daemon = True
            timer.start()
            self._started.append((command, pid, timer))

    def _check(self, command: str, pid: int) -> None:
        if _running(pid) and command not in self.lasting:
            self.lasting.append(command)

    def close(self) -> list[str]:
        """What ran too long, and what still runs (a module's server outlives its test)."""
        for command, pid, timer in self._started:
            timer.cancel()
            self._check(command, pid)
        return self.lasting


def _running(pid: int) -> bool:
    try:  # a zombie has exited: only a running process counts
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


_watch: _DaemonWatch | None = None
_execute_child = subprocess.Popen._execute_child  # type: ignore[attr-defined]


def _noting_execute_child(self: subprocess.Popen[Any], args: Any, *rest: Any, **kw: Any) -> None:
    _execute_child(self, args, *rest, **kw)
    if _watch is not None:
        _watch.started([args] if isinstance(args, (str, bytes)) else list(args), self.pid)


subprocess.Popen._execute_child = _noting_execute_child  # type: ignore[attr-defined]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    global _watch
    _watch = _DaemonWatch() if item.get_closest_marker("fast") else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    global _watch
    yield
    watch, _watch = _watch, None
    lasting = watch.close() if watch is not None else []
    if lasting:
        raise pytest.fail.Exception(
            f"{item.nodeid} is in the fast tier but keeps a daemon running ({lasting[0]}): "
            "mark it e2e (tests/conftest.py)", pytrace=False)
