"""The connection table: maxconn, the places kept for upsmon, and maxconn's default."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from nutrio.actors.upsd.table import FD_HEADROOM, Admission, ConnectionTable
from tests.paths import ROOT


def test_the_last_places_are_probation_and_past_maxconn_is_refused() -> None:
    table = ConnectionTable(maxconn=4, upsmon_slots=2)
    assert [table.admit() for _ in range(5)] == [
        Admission.SERVE, Admission.SERVE, Admission.PROBATION, Admission.PROBATION,
        Admission.REFUSE]
    assert (table.count, table.refused) == (4, 1)
    table.leave()
    assert table.admit() is Admission.PROBATION


def test_at_least_one_place_is_open_to_anyone() -> None:
    table = ConnectionTable(maxconn=2, upsmon_slots=8)
    assert table.upsmon_slots == 1
    assert table.admit() is Admission.SERVE


def test_a_held_connection_steps_out_and_may_come_back_past_maxconn() -> None:
    table = ConnectionTable(maxconn=1)
    assert table.admit() is Admission.SERVE
    table.leave()  # held back after a wrong guess
    assert table.admit() is Admission.SERVE
    table.rejoin()  # the held one is back
    assert table.count == 2 and table.admit() is Admission.REFUSE


def maxconn_under(soft: int, hard: int, configured: int | None) -> tuple[int, int]:
    """effective_maxconn in a child process with these open-file limits; (maxconn, soft after)."""
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_NOFILE, ({soft}, {hard}))\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from nutrio.actors.upsd.table import effective_maxconn\n"
        f"print(effective_maxconn({configured}), resource.getrlimit(resource.RLIMIT_NOFILE)[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    maxconn, after = out.stdout.splitlines()[-1].split()  # a warning may print first
    return int(maxconn), int(after)


@pytest.mark.skipif(resource.getrlimit(resource.RLIMIT_NOFILE)[1] < 2048,
                    reason="needs a hard open-file limit of 2048")
def test_maxconn_follows_the_open_file_limit_as_upsd_does() -> None:
    assert maxconn_under(1024, 2048, None) == (1024 - FD_HEADROOM, 1024)
    # a configured value that does not fit raises the soft limit ...
    assert maxconn_under(1024, 2048, 1500) == (1500, 1500 + FD_HEADROOM)
    # ... up to the hard one; beyond, it is lowered to what fits
    assert maxconn_under(256, 256, 1000) == (256 - FD_HEADROOM, 256)
    assert maxconn_under(1024, 2048, 100) == (100, 1024)
