"""Longest modules first: the order pytest-xdist hands test modules to its workers.

A module stays in one worker (``--dist loadfile``: its module-scoped daemons are
shared), so the suite ends when the worker holding the most seconds ends. Handing
out the longest modules first (greedy longest-processing-time) keeps any long
module from starting last. The seconds come from ``tests/module_seconds.txt``: what
each module held its worker in a measured run (``NUTRIO_TEST_CPU``, see
``tests/cpuprofile.py``; ``python -m tests.cpuprofile RUN.jsonl`` writes the table).

Two things in xdist's own scheduler work against that order, and are changed here:

- By default it sorts modules by their number of tests, whatever the collection
  order (``--loadscope-reorder``), so a long module of one test went last.
- A worker runs a test only once it holds the next one, so it is given another
  module while it still holds tests of its current one. That module used to be the
  next in line, the longest left: a worker busy with one long test then held two
  long modules, one after the other. Here a worker still busy for a while is given
  the shortest module left instead, and a worker at its last test the longest.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from xdist.scheduler import LoadFileScheduling
from xdist.workermanage import WorkerController

TABLE = Path(__file__).with_name("module_seconds.txt")
#: a worker whose held tests are expected to take longer than this is "busy"
BUSY_SECONDS = 10.0


def module_seconds(table: Path = TABLE) -> dict[str, float]:
    """The table's "seconds path" lines (``#`` lines are comments)."""
    seconds: dict[str, float] = {}
    for line in table.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            value, name = line.split(None, 1)
            seconds[name.strip()] = float(value)
    return seconds


def longest_first(items: list[pytest.Item], root: Path, slow: set[Path]) -> None:
    """Sort *items* (in place) by their module's measured seconds, longest first, then
    modules with slow tests before the rest; each module keeps its own order."""
    seconds = module_seconds()

    def weight(item: pytest.Item) -> tuple[float, bool]:
        name = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        return -seconds.get(name, 0.0), item.path not in slow

    items.sort(key=weight)


class LongestFirst(LoadFileScheduling):
    """xdist's per-module scheduling, in collection order, longest first (see above)."""

    def __init__(self, config: pytest.Config, log: object = None) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False  # keep the order longest_first made
        self.seconds = module_seconds()

    def _remaining(self, node: WorkerController) -> float:
        """Seconds the node's held, unfinished tests are expected to take."""
        total = 0.0
        for scope, tests in self.assigned_work.get(node, {}).items():
            left = list(tests.values()).count(False)
            if left:
                total += self.seconds.get(scope, 0.0) * left / len(tests)
        return total

    def _assign_work_unit(self, node: WorkerController) -> None:
        if self._remaining(node) > BUSY_SECONDS and len(self.workqueue) > 1:
            self.workqueue.move_to_end(next(reversed(self.workqueue)), last=False)
        super()._assign_work_unit(node)
