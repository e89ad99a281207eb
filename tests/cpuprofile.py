"""Where the suite's CPU goes: an opt-in per-module profile (NUTRIO_TEST_CPU=<file>).

For each test module it appends one JSON line: wall time, this worker's own CPU
(user+sys) and its reaped children's CPU between the module's first setup and its
last teardown (``--dist loadfile`` keeps a module in one worker, so the spans of
one worker never overlap). Children count once waited for: a daemon that
backgrounds itself and is reaped by init is not seen. Each worker also appends a
``session`` line with its whole CPU, so what no module holds (collection, start-up,
xdist traffic) shows as the difference. tests/conftest.py registers the plugin
only when the variable is set.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Generator
from dataclasses import dataclass, field

import pytest


@dataclass(frozen=True)
class Sample:
    wall: float
    own: float
    children: float

    @classmethod
    def now(cls) -> Sample:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(time.monotonic(), own.ru_utime + own.ru_stime,
                   kids.ru_utime + kids.ru_stime)

    def since(self, start: Sample) -> dict[str, float]:
        return {"wall": round(self.wall - start.wall, 3),
                "self_cpu": round(self.own - start.own, 3),
                "children_cpu": round(self.children - start.children, 3)}


@dataclass
class _Module:
    path: str
    start: Sample
    end: Sample
    tests: dict[str, float] = field(default_factory=dict)  # node id -> own+children CPU


class CpuProfile:
    """The pytest plugin: one record per module, written as its next module starts."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.session_start = Sample.now()
        self.current: _Module | None = None

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        start = Sample.now()
        module = str(item.path)
        if self.current is None or self.current.path != module:
            self._flush()
            self.current = _Module(module, start, start)
        yield
        end = Sample.now()
        self.current.end = end
        self.current.tests[item.nodeid] = round(
            end.own - start.own + end.children - start.children, 3)

    def pytest_sessionfinish(self) -> None:
        self._flush()
        self._write({"kind": "session", "worker": self.worker,
                     **Sample.now().since(self.session_start)})

    def _flush(self) -> None:
        if self.current is None:
            return
        module, self.current = self.current, None
        top = sorted(module.tests.items(), key=lambda kv: -kv[1])[:3]
        self._write({"kind": "module", "worker": self.worker, "module": module.path,
                     "tests": len(module.tests), **module.end.since(module.start),
                     "top_tests": top})

    def _write(self, record: dict[str, object]) -> None:
        line = (json.dumps(record) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:  # one write per line: the workers share the file
            os.write(fd, line)
        finally:
            os.close(fd)


def seconds_table(records: list[dict[str, object]], least: float = 5.0) -> str:
    """tests/module_seconds.txt from a run's records: each module's wall seconds,
    longest first (tests/scheduling.py reads it)."""
    rows = sorted(((float(str(r["wall"])), str(r["module"])) for r in records
                   if r["kind"] == "module"), reverse=True)
    lines = ["# seconds a module held its xdist worker in a whole run (NUTRIO_TEST_CPU,",
             "# tests/cpuprofile.py), longest first: tests/scheduling.py hands the longest",
             f"# out first. Written by `python -m tests.cpuprofile RUN.jsonl`; under {least:g} s",
             "# left out."]
    for wall, module in rows:
        if wall >= least:
            lines.append(f"{wall:4.0f} tests/{module.split('/tests/', 1)[1]}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys
    with open(sys.argv[1]) as run:
        sys.stdout.write(seconds_table([json.loads(line) for line in run]))
