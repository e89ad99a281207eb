"""Instant commands and SET VAR on a HID session (usbhid-ups.c instcmd/setvar, NUT 2.8.0).

A command is a table row flagged CMD: its value (the row's default, or the
command's extra value) goes through the row's lookup (or C atol) and is
written to the row's field. load.on/load.off and shutdown.return/stayoff are
made of others when the table has no row for them. A write expires every
report buffer and marks the data changed, so the next poll is a full one.
"""

from __future__ import annotations

from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.hid.hid2nut import HuFlag, atol
from nutrio.protocol.devices.hid.session import HidSession

__all__ = ["instcmd", "setvar"]

#: old names NUT still takes (with a warning)
_RENAMED = {"beeper.off": "beeper.disable", "beeper.on": "beeper.enable"}


def instcmd(session: HidSession, state: DeviceVars, name: str, value: str | None = None) -> str:
    """One instant command; returns a :class:`ResultCode`."""
    renamed = _RENAMED.get(name.lower())
    if renamed is not None:
        return instcmd(session, state, renamed)
    found = session.row_for(name)
    if found is None:
        return _composite(session, state, name.lower())
    row, field = found
    if not row.is_command:
        return ResultCode.INVALID_ARGUMENT
    text = value if value is not None else row.fmt  # None: the lookup makes the value up
    conv = session.conv(state)
    number = int(row.lookup.to_hid(text, conv)) if row.lookup else atol(text)
    if session.write(field, number):
        session.data_changed = True
        return ResultCode.SUCCESS
    return ResultCode.FAILED


def _composite(session: HidSession, state: DeviceVars, name: str) -> str:
    """Commands made of others when the table has no row for them."""
    if name in ("load.on", "load.off"):
        return instcmd(session, state, f"{name}.delay", "0")
    if name in ("shutdown.return", "shutdown.stayoff"):
        back = name == "shutdown.return"
        if state.get("ups.start.auto") is not None:
            setvar(session, state, "ups.start.auto", "yes" if back else "no")
        code = instcmd(session, state, "load.on.delay", state.get("ups.delay.start") if back else "-1")
        if code != ResultCode.SUCCESS:
            return code
        session.pause(0.125)  # NUT's wait for units that refuse commands sent too fast
        return instcmd(session, state, "load.off.delay", state.get("ups.delay.shutdown"))
    return ResultCode.INVALID_ARGUMENT


def setvar(session: HidSession, state: DeviceVars, name: str, value: str) -> str:
    """SET VAR; returns a :class:`ResultCode` (NUT answers UNKNOWN for every failure)."""
    found = session.row_for(name)
    if found is None or not found[0].rw:
        return ResultCode.UNKNOWN
    row, field = found
    if row.flags & HuFlag.ABSENT:
        state.set(row.var, value)  # kept by the driver, sent with the next shutdown
        return ResultCode.SUCCESS
    conv = session.conv(state)
    number = int(row.lookup.to_hid(value, conv)) if row.lookup else atol(value)
    if session.write(field, number):
        session.data_changed = True
        return ResultCode.SUCCESS
    return ResultCode.UNKNOWN
