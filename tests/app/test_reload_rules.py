"""Which [monitor] changes a SIGHUP applies and which wait for a restart."""

from __future__ import annotations

from nutrio import conf
from nutrio.reload import fixed_changes, monitor_blocker

BASE = """
[devices.ups]
driver = "dummy-ups"
port = "ups.dev"
"""
MONITOR = """
[monitor]
shutdowncmd = "{cmd}"
[[monitor.ups]]
system = "ups@localhost"
powervalue = 1
user = "mon"
password = "pw"
role = "primary"
"""


def _config(monitor: str | None) -> conf.Config:
    return conf.loads(BASE + (monitor or ""), "nutrio.toml")


def test_adding_or_removing_monitor_waits_for_a_restart() -> None:
    without, with_ = _config(None), _config(MONITOR.format(cmd="/bin/true"))
    assert monitor_blocker(without, with_, False) is not None
    assert monitor_blocker(with_, without, False) is not None
    assert monitor_blocker(with_, with_, False) is None


def test_no_monitor_change_during_a_shutdown() -> None:
    old, new = _config(MONITOR.format(cmd="/bin/true")), _config(MONITOR.format(cmd="/bin/false"))
    assert monitor_blocker(old, new, True) == "a shutdown is under way"


def test_the_shutdown_command_is_fixed_at_start() -> None:
    old, new = _config(MONITOR.format(cmd="/bin/true")), _config(MONITOR.format(cmd="/bin/false"))
    assert fixed_changes(old, new) == ["shutdowncmd"]
    assert fixed_changes(old, old) == []
