"""SIGHUP: apply a re-read config to the running tree, touching only what changed.

Devices: added ones start, removed ones stop, changed ones restart in their
LIST UPS place. Users: swapped in place. [monitor], [notify], [scheduler]:
upsmon and its monitors restart with the new settings (the notifier too when
[notify] or [scheduler] changed), as upsmon re-reads upsmon.conf on SIGHUP.

What cannot change without a restart is kept, with a warning: the shutdown
path (SHUTDOWNCMD, RUN_AS_USER, POWERDOWNFLAG) was fixed before privileges
dropped, and adding or removing [monitor] changes that path too.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import structlog

from nutrio import conf
from nutrio.actors.registry import DeviceHandle
from nutrio.actors.upsmon.coordinator import MonitorConfigError, monitor_children

if TYPE_CHECKING:
    from nutrio.app import Tree

__all__ = ["reload_tree"]

log = structlog.get_logger()

#: Settings the shutdown runner took before Trio started.
FIXED_AT_START = ("shutdowncmd", "run_as_user", "powerdownflag")


async def reload_tree(tree: Tree, new: conf.Config) -> None:
    """Apply *new* to *tree* (accounts are swapped by the caller); each part logs what
    it changed or why it kept the old."""
    old = tree.config
    await _reload_devices(tree, new)
    tree.config = dataclasses.replace(tree.config, users=new.users)
    if _monitoring(old) != _monitoring(new):
        await _reload_monitor(tree, old, new)


def _monitoring(config: conf.Config) -> tuple[object, ...]:
    return config.monitor, config.notify, config.scheduler


async def _reload_devices(tree: Tree, new: conf.Config) -> None:
    old = tree.config.devices
    tree.config = dataclasses.replace(tree.config, devices=new.devices)
    for name in old.keys() - new.devices.keys():
        await tree.drivers.stop_child(f"driver:{name}")
        tree.registry.remove(name)
        log.info("config.device_removed", ups=name)
    for name, device in new.devices.items():
        if name in old and old[name] == device:
            continue
        if name in old:
            await tree.drivers.stop_child(f"driver:{name}")
            # a fresh handle in the same place: upsd updates a changed UPS in place,
            # so LIST UPS keeps its ups.conf order
            tree.registry.add(DeviceHandle(name, desc=device.desc))
        await tree.drivers.start_child(tree.driver_spec(device))
        log.info("config.device_changed" if name in old else "config.device_added", ups=name)


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


async def _reload_monitor(tree: Tree, old: conf.Config, new: conf.Config) -> None:
    # from the first FSD on, a restarted upsmon would forget the shutdown it began
    requested = tree.upsmon.shutting_down or (tree.shutdown is not None
                                              and tree.shutdown.requested)
    blocker = monitor_blocker(old, new, requested)
    if blocker:
        log.warning("config.monitor_kept", reason=blocker)
        return
    kept = fixed_changes(old, new)
    if kept:
        log.warning("config.monitor_restart_needed", keys=kept,
                    reason="the shutdown path was set up before privileges dropped")
    staged = dataclasses.replace(tree.config, monitor=new.monitor, notify=new.notify,
                                 scheduler=new.scheduler)
    try:
        specs = monitor_children(staged, tree.registry, tree.notify_send, tree.shutdown,
                                 handle=tree.upsmon)
    except MonitorConfigError as exc:
        log.error("config.reload_failed", section="monitor", error=str(exc))
        return
    restart_notifier = (old.notify, old.scheduler) != (new.notify, new.scheduler)
    await _stop_monitoring(tree, restart_notifier)
    tree.config = staged
    if restart_notifier and specs:
        await tree.root.start_child(tree.notifier_spec())
    for spec in specs:
        await tree.root.start_child(spec)
    log.info("config.monitor_reloaded", monitors=[s.id for s in specs[1:]])


async def _stop_monitoring(tree: Tree, with_notifier: bool) -> None:
    """Monitors first, then upsmon, then (if asked) the notifier: reverse start order."""
    def doomed(child_id: str) -> bool:
        return (child_id == "upsmon" or child_id.startswith("monitor:")
                or (with_notifier and child_id == "notifier"))

    ids = [c.id for c in tree.root.children() if doomed(c.id)]
    for child_id in reversed(ids):
        await tree.root.stop_child(child_id)
