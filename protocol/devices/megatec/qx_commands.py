"""nutdrv_qx's instant commands, settings and shutdown (instcmd, setvar, upsdrv_shutdown).

How it works: a command or setting is an item of the protocol's table
(``Qx.CMD`` / ``Qx.SETVAR``). Its preprocess function builds the wire text
from the value (and from the delays NUT keeps server-side); without one the
item's own command is sent. A reply is success when it is empty or equals
the protocol's ``accepted`` word (after the item's columns are cut out), and
a success makes the next poll a full update. Settings are checked against
the variable's range or enum first; settings without a NUT variable
(``Qx.NONUT``) come from ups.conf once, at start-up.
"""

from __future__ import annotations

from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.megatec.qx_item import Exchange, Item, Qx, QxConfigError, QxFatal
from nutrio.protocol.devices.megatec.qx_session import (
    Session,
    is_numeric,
    process,
    rw_choices,
    set_var_info,
)

__all__ = ["MAXTRIES", "instcmd", "setvar", "shutdown"]

#: nutdrv_qx.h MAXTRIES: claims, failed polls and shutdown commands are tried this often.
MAXTRIES = 3


def _confirmed(s: Session, entry: Item) -> bool:
    """No reply, or the accepted word, is success; anything else (an echo) is failure."""
    if entry.value:
        return s.sub.accepted is not None and entry.value.lower() == s.sub.accepted.lower()
    return True


def instcmd(s: Session, name: str, extra: str | None) -> Exchange[str]:
    """Run one instant command; a ResultCode (SUCCESS, FAILED, INVALID-ARGUMENT)."""
    lname = name.lower()
    if lname in ("beeper.off", "beeper.on"):
        new = "beeper.disable" if lname == "beeper.off" else "beeper.enable"
        s.note("driver.qx_command_renamed", old=name, new=new)
        return (yield from instcmd(s, new, None))
    s.note("driver.qx_instcmd", name=name, value=extra)
    entry = s.find(name, Qx.CMD, Qx.SKIP)
    if entry is None:
        return (yield from _fallback(s, lname))
    value = extra if extra is not None else (entry.dfl or "")
    if entry.preprocess is not None:
        built = entry.preprocess(s, entry, value)
        if built is None:
            return ResultCode.FAILED
        value = built
    else:
        value = ""
    if not (yield from process(s, entry, value or None)) or not _confirmed(s, entry):
        return ResultCode.FAILED
    s.data_has_changed = True
    return ResultCode.SUCCESS


def _fallback(s: Session, lname: str) -> Exchange[str]:
    """Commands nutdrv_qx builds from others when the table lacks them."""
    if lname in ("load.on", "load.off"):
        return (yield from instcmd(s, f"{lname}.delay", "0"))
    if lname in ("shutdown.return", "shutdown.stayoff"):
        stay = lname == "shutdown.stayoff"
        if s.state.get("ups.start.auto") is not None:
            code = yield from setvar(s, "ups.start.auto", "no" if stay else "yes")
            if code != ResultCode.SUCCESS:
                return ResultCode.FAILED
        on_delay = "-1" if stay else s.state.get("ups.delay.start")
        code = yield from instcmd(s, "load.on.delay", on_delay)
        if code != ResultCode.SUCCESS:
            return code
        return (yield from instcmd(s, "load.off.delay", s.state.get("ups.delay.shutdown")))
    return ResultCode.INVALID_ARGUMENT


def _in_range(s: Session, entry: Item, value: str) -> bool:
    if not is_numeric(value):
        return False
    wanted = c_atoi(value)
    if entry.flags & Qx.NONUT:
        choices = rw_choices(s, entry)
        pairs = zip(choices[0::2], choices[1::2], strict=False)
        return bool(value) and any(c_atoi(lo) <= wanted <= c_atoi(hi) for lo, hi in pairs)
    return any(lo <= wanted <= hi for lo, hi in s.info(entry.name).ranges)


def _in_enum(s: Session, entry: Item, value: str) -> bool:
    if entry.flags & Qx.NONUT:
        allowed = rw_choices(s, entry) if value else []
    else:
        allowed = list(s.info(entry.name).enums)
    return any(choice.lower() == value.lower() for choice in allowed)


def _acceptable(s: Session, entry: Item, value: str) -> bool:
    if entry.flags & Qx.RANGE:
        return _in_range(s, entry, value)
    if entry.flags & Qx.ENUM:
        return _in_enum(s, entry, value)
    length = s.info(entry.name).string_len
    return length is None or len(value) <= length


def setvar(s: Session, name: str, val: str | None) -> Exchange[str]:
    """Set a variable (or, for ``val`` None, a ups.conf-only setting); a ResultCode."""
    entry = s.find(name, Qx.SETVAR, Qx.SKIP)
    if entry is None:
        return ResultCode.UNKNOWN
    if entry.flags & Qx.NONUT:
        if not s.testvar(entry.name):
            return ResultCode.SUCCESS  # nothing asked for in ups.conf
        value = s.getval(entry.name) or ""
    else:
        if not val:
            return ResultCode.UNKNOWN  # "value not given"
        value = val
        if (s.state.get(entry.name) or "").lower() == value.lower():
            return ResultCode.SUCCESS  # "nothing to do"
    s.note("driver.qx_setvar", name=name, value=value)
    if not _acceptable(s, entry, value):
        s.note("driver.qx_setvar_refused", name=entry.name, value=value)
        return ResultCode.UNKNOWN
    if entry.preprocess is not None:
        built = entry.preprocess(s, entry, value)
        if built is None:
            return ResultCode.UNKNOWN
        value = built
    if entry.flags & Qx.ABSENT:
        s.state.set(entry.name, value)  # a server-side variable: no UPS involved
        return ResultCode.SUCCESS
    if entry.preprocess is None:
        value = ""
    if not (yield from process(s, entry, value or None)) or not _confirmed(s, entry):
        return ResultCode.UNKNOWN
    s.data_has_changed = True
    return ResultCode.SUCCESS


_DELAYS = (("ups.delay.start", "ondelay", "Start delay"),
           ("ups.delay.shutdown", "offdelay", "Shutdown delay"))  # fmt: skip


def set_delays(s: Session, *, defaults: bool) -> Exchange[None]:
    """ondelay/offdelay from ups.conf into ups.delay.start/shutdown (QxConfigError if refused).

    ``defaults``: first reset each to its table default, as upsdrv_shutdown does.
    """
    for name, option, label in _DELAYS:
        if defaults:
            entry = s.find(name, Qx(0), Qx.SKIP)
            if entry is None:
                raise QxFatal(f"Unable to set {label.lower()}")
            s.state.set(name, entry.dfl or "")
            set_var_info(s, entry)
        elif s.state.get(name) is None:
            continue
        wanted = s.getval(option)
        if wanted is not None and (yield from setvar(s, name, wanted)) != ResultCode.SUCCESS:
            raise QxConfigError(f"{label} '{wanted}' out of range ({option})")


def shutdown(s: Session) -> Exchange[tuple[str, str]]:
    """upsdrv_shutdown: cancel a pending shutdown, then shutdown.return (or .stayoff).

    Returns the command the UPS took and NUT's words; raises QxFatal when it took none.
    """
    yield from set_delays(s, defaults=True)
    if s.find("shutdown.stop", Qx.CMD, Qx.SKIP) is not None:
        for _ in range(MAXTRIES):
            if (yield from instcmd(s, "shutdown.stop", None)) == ResultCode.SUCCESS:
                break
        else:
            s.note("driver.killpower_nothing_pending")  # NUT: "No shutdown pending"
    name = "shutdown.stayoff" if s.testvar("stayoff") else "shutdown.return"
    for _ in range(MAXTRIES):
        if (yield from instcmd(s, name, None)) == ResultCode.SUCCESS:
            return name, f"Shutting down in {s.state.get('ups.delay.shutdown')} seconds"
    raise QxFatal("Shutdown failed!")
