"""Pure restart decisions: no clock, no Trio."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.supervisor import (
    GiveUp,
    Restart,
    RestartLedger,
    Retry,
    Strategy,
    affected,
    backoff_delay,
    should_restart,
)

ORDER = ("a", "b", "c", "d")


@pytest.mark.parametrize(
    ("strategy", "failed", "expected"),
    [
        (Strategy.ONE_FOR_ONE, "b", ("b",)),
        (Strategy.ONE_FOR_ALL, "b", ORDER),
        (Strategy.REST_FOR_ONE, "b", ("b", "c", "d")),
        (Strategy.REST_FOR_ONE, "a", ORDER),
        (Strategy.REST_FOR_ONE, "d", ("d",)),
    ],
)
def test_affected_children_follow_the_strategy(
    strategy: Strategy, failed: str, expected: tuple[str, ...]
) -> None:
    assert affected(strategy, ORDER, failed) == expected


def test_affected_rejects_an_unknown_child() -> None:
    with pytest.raises(ValueError):
        affected(Strategy.ONE_FOR_ONE, ORDER, "zz")


@pytest.mark.parametrize(
    ("policy", "error", "expected"),
    [
        (Restart.PERMANENT, None, True),
        (Restart.PERMANENT, ValueError(), True),
        (Restart.TRANSIENT, None, False),
        (Restart.TRANSIENT, ValueError(), True),
        (Restart.TEMPORARY, None, False),
        (Restart.TEMPORARY, ValueError(), False),
    ],
)
def test_restart_types(policy: Restart, error: Exception | None, expected: bool) -> None:
    assert should_restart(policy, error) is expected


def test_ledger_gives_up_after_more_than_intensity_restarts_in_period() -> None:
    ledger = RestartLedger(intensity=2, period=10.0)
    assert isinstance(ledger.record_failure(0.0, "a"), Retry)
    assert isinstance(ledger.record_failure(1.0, "b"), Retry)  # counted across children
    assert ledger.record_failure(2.0, "a") == GiveUp()


def test_ledger_forgets_restarts_older_than_period() -> None:
    ledger = RestartLedger(intensity=2, period=10.0)
    for now in (0.0, 5.0, 10.0, 15.0, 20.0):
        assert isinstance(ledger.record_failure(now, "a"), Retry)


def test_ledger_backoff_doubles_and_is_capped() -> None:
    ledger = RestartLedger(intensity=100, period=1000.0, base=0.5, cap=3.0)
    delays = [ledger.record_failure(float(t), "a") for t in range(6)]
    assert delays == [Retry(0.5), Retry(1.0), Retry(2.0), Retry(3.0), Retry(3.0), Retry(3.0)]


def test_ledger_backoff_is_per_child_and_resets_after_a_healthy_run() -> None:
    ledger = RestartLedger(intensity=100, period=10.0, base=1.0, cap=60.0)
    assert ledger.record_failure(0.0, "a") == Retry(1.0)
    assert ledger.record_failure(1.0, "a") == Retry(2.0)
    assert ledger.record_failure(2.0, "b") == Retry(1.0)
    assert ledger.record_failure(30.0, "a", ran_for=20.0) == Retry(1.0)
    assert ledger.streak("a") == 1


def test_ledger_rejects_nonsense_limits() -> None:
    with pytest.raises(ValueError):
        RestartLedger(intensity=-1, period=5.0)
    with pytest.raises(ValueError):
        RestartLedger(intensity=1, period=0.0)


@given(
    base=st.floats(min_value=0.0, max_value=100.0),
    cap=st.floats(min_value=0.0, max_value=100.0),
    streak=st.integers(min_value=0, max_value=10_000),
)
def test_backoff_never_exceeds_cap(base: float, cap: float, streak: int) -> None:
    delay = backoff_delay(base, cap, streak)
    assert 0.0 <= delay <= max(cap, 0.0)


def test_policy_module_is_pure() -> None:
    # Loaded by path, outside the package (whose __init__ imports trio).
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('policy', 'supervisor/policy.py')\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['policy'] = module\n"
        "spec.loader.exec_module(module)\n"
        "assert 'trio' not in sys.modules, 'policy imports trio'\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=30)
