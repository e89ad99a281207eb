"""SET VAR, SET TRACKING and INSTCMD (net-protocol.txt; server/netset.c, netinstcmd.c).

Checks run in upsd 2.8.0's order, observed on the real binary:
SET VAR: UNKNOWN-UPS, driver state, ACCESS-DENIED, then the value
(VAR-NOT-SUPPORTED, READONLY, STRING length TOO-LONG, ENUM, RANGE).
INSTCMD: UNKNOWN-UPS, driver state, CMD-NOT-SUPPORTED, ACCESS-DENIED.
The request then goes to the driver; ``OK`` (or ``OK TRACKING <id>``)
means "handed over", the outcome is for GET TRACKING.
"""

from __future__ import annotations

import re

from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.errors import NutError, ProtocolError
from nutrio.protocol.common.state import CommandRequest, VarInfo
from nutrio.protocol.upsd.replies import line
from nutrio.protocol.upsd.types import DeviceView, SessionView

__all__ = ["set_", "set_tracking", "set_var", "instcmd", "check_value", "c_atoi"]

_NUMBER = re.compile(r"[ \t]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t]*")


def set_(session: SessionView, args: tuple[str, ...]) -> bytes:
    if len(args) < 2:
        raise ProtocolError(NutError.INVALID_ARGUMENT)
    match args[0].upper():
        case "VAR":
            if len(args) < 4:
                raise ProtocolError(NutError.INVALID_ARGUMENT)
            return set_var(session, args[1], args[2], args[3])
        case "TRACKING":
            return set_tracking(session, args[1])
    raise ProtocolError(NutError.INVALID_ARGUMENT)


def set_tracking(session: SessionView, value: str) -> bytes:
    match value.upper():
        case "ON":
            session.tracking = True
        case "OFF":
            session.tracking = False
        case _:
            raise ProtocolError(NutError.INVALID_ARGUMENT)
    return line("OK")


def check_value(info: VarInfo, value: str, *, numbers: bool = False) -> NutError | None:
    """Why upsd would refuse *value* for a variable described by *info*, or None."""
    if not info.rw:
        return NutError.READONLY
    if info.string_len is not None:
        if info.string_len < 1:  # "insanity from the driver"
            return NutError.SET_FAILED
        if len(value) > info.string_len:
            return NutError.TOO_LONG
    elif numbers and not info.enums and _NUMBER.fullmatch(value) is None:
        return NutError.INVALID_VALUE
    if info.enums and value not in info.enums:
        return NutError.INVALID_VALUE
    if info.ranges:
        number = c_atoi(value)
        if not any(low <= number <= high for low, high in info.ranges):
            return NutError.INVALID_VALUE
    return None


def set_var(session: SessionView, upsname: str, var: str, value: str) -> bytes:
    device = session.device(upsname)
    data = session.available(device).data
    session.require_action("SET", device.name)
    name = data.canonical(var)
    if name is None:
        raise ProtocolError(NutError.VAR_NOT_SUPPORTED)
    problem = check_value(data.var_info(name), value, numbers=session.ctx.settings.check_numbers)
    if problem is not None:
        raise ProtocolError(problem)
    return _hand_over(session, device, "SET", name, value, NutError.SET_FAILED)


def instcmd(session: SessionView, args: tuple[str, ...]) -> bytes:
    if len(args) < 2:
        raise ProtocolError(NutError.INVALID_ARGUMENT)
    device = session.device(args[0])
    data = session.available(device).data
    if not data.has_command(args[1]):
        raise ProtocolError(NutError.CMD_NOT_SUPPORTED)
    session.require_instcmd(args[1], device.name)
    name = next((c for c in data.commands if c.lower() == args[1].lower()), args[1])
    value = args[2] if len(args) == 3 else None  # upsd passes a value only with exactly 3 words
    return _hand_over(session, device, "INSTCMD", name, value, NutError.INSTCMD_FAILED)


def _hand_over(session: SessionView, device: DeviceView, kind: str, name: str,
               value: str | None, failed: NutError) -> bytes:
    tracking = session.ctx.state.tracking.new_id(session.now) if session.tracking else None
    request = CommandRequest(kind=kind, ups=device.name, name=name, value=value, tracking=tracking,
                             user=session.username, peer=session.addr)
    if not session.ctx.submit(request):
        raise ProtocolError(failed, "driver did not take the request")
    return line(f"OK TRACKING {tracking}" if tracking else "OK")
