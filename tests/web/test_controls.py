"""Which commands ask first, and which controls a upsd.users account gets (pure)."""

from __future__ import annotations

import pytest

from nutrio.actors.web.controls import Rights, power_cut
from tests.web.conftest import ACCOUNTS

VARS = {"ups.delay.shutdown": "20", "ups.delay.start": "30"}


@pytest.mark.parametrize(("command", "says"), [
    ("load.off", "Turns off every device powered by this UPS, immediately."),
    ("LOAD.OFF", "immediately"),
    ("load.off.delay", "after 20 s (ups.delay.shutdown)"),
    ("shutdown.return", "come back on when the mains power returns"),
    ("shutdown.stayoff", "stay off until someone turns the UPS on again"),
    ("shutdown.reboot", "they come back after 30 s (ups.delay.start)"),
    ("shutdown.reboot.graceful", "After 20 s (ups.delay.shutdown)"),
    ("outlet.2.load.off", "powered by outlet 2 of this UPS"),
    ("outlet.1.shutdown.return", "outlet 1"),
    ("load.cycle", "briefly, then back on"),
    ("driver.killpower", "turned off after 20 s (ups.delay.shutdown)"),
])
def test_commands_that_cut_the_power_say_what_will_happen(command: str, says: str) -> None:
    text = power_cut(command, VARS)
    assert text is not None and says in text


def test_a_delay_given_with_the_command_is_the_one_named() -> None:
    assert "after 5 s." in (power_cut("load.off.delay", VARS, "5") or "")


@pytest.mark.parametrize("command", [
    "beeper.toggle", "test.battery.start", "load.on", "shutdown.stop", "outlet.1.load.on",
    "calibrate.start", "driver.exit", "driver.reload",
])
def test_other_commands_run_without_asking(command: str) -> None:
    assert power_cut(command, VARS) is None


def test_controls_follow_the_accounts_rights() -> None:
    offered = ("load.off", "test.battery.start")
    admin, helper = Rights(ACCOUNTS["admin"]), Rights(ACCOUNTS["helper"])
    monitor, setter, gone = Rights(ACCOUNTS["monuser"]), Rights(ACCOUNTS["hashed"]), Rights(None)
    assert (admin.may_set, admin.commands(offered)) == (True, offered)
    assert (helper.may_set, helper.commands(offered)) == (False, ("test.battery.start",))
    assert (setter.may_set, setter.commands(offered)) == (True, ())
    for nobody in (monitor, gone):
        assert (nobody.may_set, nobody.commands(offered), nobody.may_act) == (False, (), False)
