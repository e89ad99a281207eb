"""The embedded dummy.seq: a realistic UPS whose power fails and returns in a loop."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from nutrio.conf import DEFAULT_PATH

sys.path.insert(0, str(Path(__file__).parent.parent))
from realnut import real_nut, requires_real_nut

SEQ = DEFAULT_PATH.parent / "dummy.seq"


def steps() -> list[tuple[dict[str, str], float]]:
    """The state after each TIMER step (values carry over) and how long it lasts."""
    out: list[tuple[dict[str, str], float]] = []
    state: dict[str, str] = {}
    for line in SEQ.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if timer := re.fullmatch(r"TIMER (\d+)", line):
            out.append((dict(state), float(timer.group(1))))
            continue
        name, _, value = line.partition(": ")
        state[name] = value
    return out


def test_dummy_ups_looks_like_a_real_ups() -> None:
    first, _ = steps()[0]
    assert len(first) >= 40
    assert not any(name.startswith("driver.") for name in first)
    for name in ("ups.mfr", "ups.model", "ups.serial", "battery.charge", "input.voltage"):
        assert first[name]
    assert {n.split(".")[0] for n in first} >= {"battery", "input", "output", "ups"}


def test_power_fails_goes_low_and_comes_back() -> None:
    statuses = [(state["ups.status"], seconds) for state, seconds in steps()]
    merged: list[tuple[str, float]] = []
    for status, seconds in statuses:
        if merged and merged[-1][0] == status:
            merged[-1] = (status, merged[-1][1] + seconds)
        else:
            merged.append((status, seconds))
    # dummy-ups rewinds at the end of a .seq file, so OL CHRG follows OB LB.
    assert merged == [("OL CHRG", 120), ("OB DISCHRG", 60), ("OB LB DISCHRG", 30)]


def test_on_battery_there_is_no_input_and_charge_falls() -> None:
    charges = []
    for state, _ in steps():
        if state["ups.status"].startswith("OB"):
            assert float(state["input.voltage"]) == 0
        charges.append(int(state["battery.charge"]))
    assert charges == sorted(charges, reverse=True) and charges[0] > charges[-1]
    low = steps()[-1][0]
    assert int(low["battery.charge"]) < int(low["battery.charge.low"])


@pytest.mark.e2e
@requires_real_nut
def test_real_dummy_ups_serves_the_embedded_sequence() -> None:
    with real_nut({"dummy": SEQ}) as nut:
        result = nut.upsc(f"dummy@127.0.0.1:{nut.port}")
    served = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert served["ups.status"] == "OL CHRG"
    assert served["ups.model"] == "Simulated 1500"
    assert sum(1 for name in served if not name.startswith("driver.")) >= 40
