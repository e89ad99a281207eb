"""The suite's own scheduling: the measured seconds table and the longest-first order."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cpuprofile import seconds_table
from tests.scheduling import TABLE, module_seconds

ROOT = Path(__file__).resolve().parents[1]


def test_every_module_in_the_seconds_table_exists() -> None:
    """A renamed or split module must be measured again, not ordered by a stale entry."""
    seconds = module_seconds()
    assert len(seconds) > 50
    missing = [name for name in seconds if not (ROOT / name).is_file()]
    assert not missing, f"measure again: python -m tests.cpuprofile RUN.jsonl > {TABLE}"


def test_the_seconds_table_is_written_longest_first_from_a_run(tmp_path: Path) -> None:
    records = [
        {"kind": "module", "module": "/x/tests/a/test_short.py", "wall": 6.2},
        {"kind": "session", "worker": "gw0", "wall": 99.0},
        {"kind": "module", "module": "/x/tests/b/test_long.py", "wall": 80.4},
        {"kind": "module", "module": "/x/tests/test_tiny.py", "wall": 1.0},
    ]
    table = tmp_path / "seconds.txt"
    table.write_text(seconds_table(json.loads(json.dumps(records))))
    assert list(module_seconds(table).items()) == [
        ("tests/b/test_long.py", 80.0), ("tests/a/test_short.py", 6.0)]
