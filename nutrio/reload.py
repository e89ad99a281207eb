"""SIGHUP, pure: what a re-read config changes in the running tree (``plan_reload``).

The tree (nutrio.tree) applies the plan; nothing here runs, waits or imports trio,
so every rule is a plain function of two configs:

- devices: added ones start, removed ones stop, changed ones restart in their
  LIST UPS place;
- users: the accounts are swapped;
- [monitor], [notify], [scheduler]: upsmon and its monitors restart with the new
  settings, and the notifier with them when [notify] or [scheduler] changed, as
  upsmon re-reads upsmon.conf on SIGHUP;
- [web] and [log]: the extras (web pages, history, upslog files) restart;
- [server]: kept, with a warning (listen addresses and limits need a restart).

What cannot change without a restart is kept, with a warning: the shutdown path
(SHUTDOWNCMD, RUN_AS_USER, POWERDOWNFLAG) was fixed before privileges dropped, and
adding or removing [monitor] changes that path too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum

from nutrio import conf

__all__ = [
    "FIXED_AT_START",
    "Monitoring",
    "ReloadPlan",
    "fixed_changes",
    "monitor_blocker",
    "plan_reload",
]

#: Settings the shutdown runner took before Trio started.
FIXED_AT_START = ("shutdowncmd", "run_as_user", "powerdownflag")


class Monitoring(Enum):
    """What a reload does to the upsmon subtree."""

    KEEP = "keep"  # nothing changed, or the change is blocked
    UPSMON = "upsmon"  # upsmon and its monitors restart; the notifier keeps its timers
    ALL = "all"  # [notify] or [scheduler] changed: the notifier restarts too


@dataclass(frozen=True, slots=True, kw_only=True)
class ReloadPlan:
    """Everything a reload changes, decided before anything is touched."""

    new: conf.Config  # what the tree runs from now on: the new file, minus what is kept
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    users_changed: bool = False
    monitoring: Monitoring = Monitoring.KEEP
    monitoring_blocked: str | None = None
    restart_needed: tuple[str, ...] = ()  # [monitor] keys fixed at start
    extras_changed: bool = False
    server_kept: bool = False  # [server] changed: needs a restart


def plan_reload(old: conf.Config, new: conf.Config, *, shutting_down: bool = False) -> ReloadPlan:
    """What applying *new* over the running *old* does; *shutting_down*: FSD has begun."""
    blocked = _monitoring_blocker(old, new, shutting_down)
    applied = new
    if blocked is not None:
        applied = dataclasses.replace(applied, monitor=old.monitor, notify=old.notify,
                                      scheduler=old.scheduler)
    server_kept = old.server != new.server
    if server_kept:
        applied = dataclasses.replace(applied, server=old.server)
    return ReloadPlan(
        new=applied,
        removed=tuple(n for n in old.devices if n not in new.devices),
        added=tuple(n for n in new.devices if n not in old.devices),
        changed=tuple(n for n, d in new.devices.items() if n in old.devices and old.devices[n] != d),
        users_changed=old.users != new.users,
        monitoring=Monitoring.KEEP if blocked is not None else _monitoring(old, new),
        monitoring_blocked=blocked if _monitoring(old, new) is not Monitoring.KEEP else None,
        restart_needed=tuple(fixed_changes(old, new)) if blocked is None else (),
        extras_changed=(old.web, old.log) != (new.web, new.log),
        server_kept=server_kept,
    )


def monitor_blocker(old: conf.Config, new: conf.Config, shutdown_requested: bool) -> str | None:
    """Why the monitor part of *new* cannot be applied now, or None."""
    if (old.monitor is None) != (new.monitor is None):
        return "adding or removing [monitor] changes the shutdown path: restart nutrio"
    if shutdown_requested:
        return "a shutdown is under way"
    return None


def fixed_changes(old: conf.Config, new: conf.Config) -> list[str]:
    """[monitor] keys that changed but only take effect after a restart."""
    if old.monitor is None or new.monitor is None:
        return []
    return [k for k in FIXED_AT_START if getattr(old.monitor, k) != getattr(new.monitor, k)]


def _monitoring(old: conf.Config, new: conf.Config) -> Monitoring:
    if (old.notify, old.scheduler) != (new.notify, new.scheduler):
        return Monitoring.ALL
    if old.monitor != new.monitor:
        return Monitoring.UPSMON
    return Monitoring.KEEP


def _monitoring_blocker(old: conf.Config, new: conf.Config, shutting_down: bool) -> str | None:
    if _monitoring(old, new) is Monitoring.KEEP:
        return None
    return monitor_blocker(old, new, shutting_down)
