"""nutdrv_qx's walks over a protocol's table: start-up, quick and full updates.

How it works (qx_ups_walk, upsdrv_initinfo, upsdrv_updateinfo):

* INIT reads every item whose variable does not exist yet, declares the
  instant commands, publishes flags/enums/ranges, and marks an item that
  fails as SKIP for good (unless it is QUICK_POLL: then the walk fails).
* QUICK reads only QUICK_POLL items (the status bits) and keeps the status
  bits it does not touch; FULL (every ``pollfreq`` seconds and after a
  command) starts the status and the alarms afresh and reads everything but
  the STATIC items (SEMI_STATIC ones only after a change).
* Consecutive items of the same query share one reply.
* A failed walk leaves the published data alone; the caller counts
  failures (NUT goes stale after MAXTRIES + 1 of them in a row).
"""

from __future__ import annotations

import enum

from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.devices.megatec.qx_commands import set_delays, setvar
from nutrio.protocol.devices.megatec.qx_item import Exchange, Item, Qx, QxFatal
from nutrio.protocol.devices.megatec.qx_session import (
    Session,
    cstr,
    infoval_set,
    process,
    process_answer,
    set_var_info,
)

__all__ = ["DEFAULT_POLLFREQ", "Walk", "init_info", "update_info", "walk"]

#: seconds between full updates (nutdrv_qx.h DEFAULT_POLLFREQ).
DEFAULT_POLLFREQ = 30


class Walk(enum.Enum):
    INIT = "init"
    QUICK = "quick"
    FULL = "full"


def _wanted(s: Session, entry: Item, mode: Walk) -> bool:
    """Whether the walk in ``mode`` processes this item (ABSENT ones are handled apart)."""
    if mode is Walk.INIT:
        if entry.name.startswith(("ups.alarm", "ups.status")):
            return True  # several items feed these
        return s.state.get(entry.name) is None
    if mode is Walk.QUICK:
        return bool(entry.flags & Qx.QUICK_POLL)
    if entry.flags & (Qx.ABSENT | Qx.CMD | Qx.SETVAR | Qx.STATIC):
        return False
    return not (entry.flags & Qx.SEMI_STATIC) or s.data_has_changed


def walk(s: Session, mode: Walk, now: float) -> Exchange[bool]:
    """qx_ups_walk: False when a QUICK_POLL item failed."""
    if mode is Walk.FULL:
        s.battery.runtime_act = s.battery.charge_act = -1
    previous: tuple[str, bytes] = ("", b"")
    for entry in s.items:
        if entry.flags & Qx.SKIP:
            continue
        if mode is Walk.INIT and entry.flags & Qx.ABSENT:
            if s.state.get(entry.name) is None:
                s.state.set(entry.name, entry.dfl or "")
                set_var_info(s, entry)
            continue
        if not _wanted(s, entry, mode):
            continue
        if entry.flags & Qx.CMD:
            s.state.add_command(entry.name)
            continue
        if entry.flags & Qx.SETVAR:
            if entry.flags & Qx.NONUT:
                yield from setvar(s, entry.name, None)
                entry.flags |= Qx.SKIP
            continue
        command, answer = previous
        if command and answer and command.lower() == (entry.command or "").lower():
            entry.answer = answer
            ok = process_answer(s, entry, len(answer))
        else:
            ok = yield from process(s, entry)
        previous = (entry.command or "", cstr(entry.answer).encode("latin-1"))
        code = infoval_set(s, entry) if ok else -1
        entry.answer, entry.value = b"", ""
        if code == -1:
            if entry.flags & Qx.QUICK_POLL:
                return False
            if mode is Walk.INIT and not ok:
                entry.flags |= Qx.SKIP  # no reply: never asked again
            continue
        if code and mode is Walk.INIT:
            set_var_info(s, entry)
    if mode is Walk.FULL:
        s.battery.after_full_update(s.state, "OL" in s.ups_status, now)
    return True


def init_info(s: Session, now: float) -> Exchange[None]:
    """upsdrv_initinfo: the INIT walk, battery guesses, delays from ups.conf, pollfreq.

    Raises QxFatal (QxConfigError for a refused ups.conf setting).
    """
    s.state.set("driver.version.data", s.sub.version)
    if not (yield from walk(s, Walk.INIT, now)):
        raise QxFatal("Can't initialise data from the UPS")
    s.battery.init(s.state, s.getval, s.note, now)
    yield from set_delays(s, defaults=False)
    for name in ("load.off", "load.on"):
        if s.find(name, Qx.CMD, Qx.SKIP) is None and s.find(f"{name}.delay", Qx.CMD, Qx.SKIP):
            s.state.add_command(name)  # served by the .delay command with 0
    pollfreq = s.getval("pollfreq")
    if pollfreq is not None:
        s.pollfreq = c_atoi(pollfreq)
    s.state.set("driver.parameter.pollfreq", str(s.pollfreq))
    s.lastpoll = now
    if s.sub.initinfo is not None:
        s.sub.initinfo(s)


def update_info(s: Session, now: float) -> Exchange[bool]:
    """upsdrv_updateinfo: a full or a quick update; False when the walk failed."""
    s.status_buf.clear()
    full = now > s.lastpoll + s.pollfreq or s.data_has_changed
    if full:
        s.ups_status.clear()
        s.alarm_active = False
        s.alarm_buf.clear()
    if not (yield from walk(s, Walk.FULL if full else Walk.QUICK, now)):
        return False
    if full:
        s.lastpoll = now
        s.data_has_changed = False
        s.commit_alarms()
    s.commit_status()
    return True
