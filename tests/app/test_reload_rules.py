"""What a SIGHUP applies and what waits for a restart: nutrio.reload's pure plan."""

from __future__ import annotations

from nutrio import conf
from nutrio.reload import Monitoring, fixed_changes, monitor_blocker, plan_reload

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


# -- plan_reload: the whole decision, before anything is touched ----------------------

DEVICES = """
[devices.a]
driver = "dummy-ups"
port = "a.dev"
[devices.b]
driver = "dummy-ups"
port = "b.dev"
"""


def test_a_plan_names_added_removed_and_changed_devices_in_config_order() -> None:
    old = conf.loads(DEVICES, "nutrio.toml")
    new = conf.loads(DEVICES.replace('"b.dev"', '"b2.dev"').replace("[devices.a]", "[devices.c]")
                     .replace('"a.dev"', '"c.dev"'), "nutrio.toml")
    plan = plan_reload(old, new)
    assert (plan.removed, plan.added, plan.changed) == (("a",), ("c",), ("b",))
    assert plan.monitoring is Monitoring.KEEP and not plan.users_changed
    assert plan.new is new
    same = plan_reload(old, old)
    assert (same.removed, same.added, same.changed) == ((), (), ())


def test_a_monitor_change_restarts_upsmon_and_a_notify_change_the_notifier_too() -> None:
    old = _config(MONITOR.format(cmd="/bin/true"))
    pollfreq = _config(MONITOR.format(cmd="/bin/true").replace("[monitor]", "[monitor]\npollfreq = 2"))
    notify = conf.loads(BASE + MONITOR.format(cmd="/bin/true") + '[notify]\nnotifycmd = "/bin/echo"\n',
                        "nutrio.toml")
    assert plan_reload(old, pollfreq).monitoring is Monitoring.UPSMON
    assert plan_reload(old, notify).monitoring is Monitoring.ALL
    assert plan_reload(old, old).monitoring is Monitoring.KEEP


def test_a_blocked_monitor_change_keeps_the_running_monitor_in_the_plan() -> None:
    old = _config(MONITOR.format(cmd="/bin/true"))
    new = _config(MONITOR.format(cmd="/bin/true").replace("[monitor]", "[monitor]\npollfreq = 2"))
    plan = plan_reload(old, new, shutting_down=True)
    assert plan.monitoring is Monitoring.KEEP
    assert plan.monitoring_blocked == "a shutdown is under way"
    assert plan.new.monitor == old.monitor and plan.new.devices == new.devices
    unblocked = plan_reload(old, new)
    assert unblocked.monitoring_blocked is None and unblocked.new.monitor == new.monitor


def test_the_shutdown_path_is_reported_as_needing_a_restart() -> None:
    old, new = _config(MONITOR.format(cmd="/bin/true")), _config(MONITOR.format(cmd="/bin/false"))
    assert plan_reload(old, new).restart_needed == ("shutdowncmd",)
    assert plan_reload(old, new, shutting_down=True).restart_needed == ()


def test_server_changes_are_kept_and_web_or_log_changes_restart_the_extras() -> None:
    old = _config(None)
    server = conf.loads(BASE + "[server]\nmaxage = 30\n", "nutrio.toml")
    web = conf.loads(BASE + '[web]\nenabled = true\nlisten = "127.0.0.1:0"\n', "nutrio.toml")
    plan = plan_reload(old, server)
    assert plan.server_kept and plan.new.server == old.server and not plan.extras_changed
    plan = plan_reload(old, web)
    assert plan.extras_changed and not plan.server_kept and plan.new.web == web.web


def test_a_users_change_is_in_the_plan() -> None:
    old = _config(None)
    new = conf.loads(BASE + '[users.admin]\npassword = "x"\nactions = ["SET"]\n', "nutrio.toml")
    assert plan_reload(old, new).users_changed and not plan_reload(old, old).users_changed
