"""A Tripp Lite reply value the driver does not know is said once, not at every poll."""

from __future__ import annotations

from structlog.testing import capture_logs

from nutrio.actors.drivers.tripplite.oddvalues import OddValues


def _said(logs: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(e["reply"], e["problem"]) for e in logs if e["event"] == "driver.unknown_value"]


def test_an_odd_value_is_logged_once_while_the_ups_keeps_sending_it() -> None:
    odd = OddValues()
    with capture_logs() as logs:
        for _ in range(5):
            odd.seen(["s[2] 0x37"], at="S")
    assert _said(logs) == [("S", "s[2] 0x37")]


def test_an_odd_value_that_goes_away_and_comes_back_is_logged_again() -> None:
    odd = OddValues()
    with capture_logs() as logs:
        odd.seen(["s[2] 0x37"], at="S")
        odd.seen([], at="S")
        odd.seen(["s[2] 0x37", "s[3] 0x99"], at="S")
    assert _said(logs) == [("S", "s[2] 0x37"), ("S", "s[2] 0x37"), ("S", "s[3] 0x99")]


def test_each_reply_kind_keeps_its_own_memory() -> None:
    odd = OddValues()
    with capture_logs() as logs:
        odd.seen(["bad"], at="S")
        odd.seen(["bad"], at="V")
        odd.seen(["bad"], at="S")
    assert _said(logs) == [("S", "bad"), ("V", "bad")]
