"""apcsmart-old's conversations beyond reading: smart mode, the capability list, instant
commands, settings and killpower (NUT 2.8.0's apcsmart-old 2.2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import structlog
import trio

from nutrio.actors.drivers.apcsmart.link import ApcLink, ApcTiming
from nutrio.actors.drivers.base import Sent
from nutrio.actors.drivers.errors import DriverError, KillPowerFailed
from nutrio.protocol.common.state import VarInfo
from nutrio.protocol.devices.apcsmart import old
from nutrio.protocol.devices.apcsmart import protocol as ap
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["OLD_TIMING", "calibrate", "capabilities", "do_cmd", "kill_power", "set_enum",
           "set_string", "smartmode"]

log = structlog.get_logger()

#: every read waits 3 s (SER_WAIT_SEC); repeated characters go 1.5 s apart (CMDLONGDELAY)
OLD_TIMING = replace(ApcTiming(), short=3.0, repeat_pause=1.5)
_TRIES = 5


async def _reply(link: ApcLink) -> str:
    """read_buf: one alert-aware line ("" when none came)."""
    return await link.read(link.t.default, alerts=True, allow_timeout=True,
                           ignore=old.POLL_IGNORE)


async def smartmode(link: ApcLink) -> bool:
    """'Y' until "SM" (five tries; a second, then ESC and its answer eaten, between)."""
    for _ in range(_TRIES):
        if await link.ask("Y", link.t.short, allow_timeout=True, ignore=old.IGNORE) == "SM":
            return True
        await trio.sleep(link.t.retry_sleep)
        await link.port.write(ap.ESC)
        await link.read(link.t.short, allow_timeout=True, ignore=old.IGNORE)
    return False


async def capabilities(link: ApcLink, state: DeviceVars, present: Sequence[ap.Var],
                       quirky: bool) -> None:
    """do_capabilities: ^Z's entries for the unit's locale (the firmware's last
    character) or for all ('4') make those settings writable enums."""
    firmware = state.get("ups.firmware") or ""
    reply = await link.ask("\x1a", link.t.default, allow_timeout=True, ignore=old.CAPS_IGNORE)
    if not reply or reply == "NA":
        log.error("driver.capabilities_missing",
                  detail="APC cannot do capabilities but said it could")
        return
    try:
        entries = ap.parse_caps(reply)
    except ValueError as exc:
        if quirky or str(exc).startswith("unknown"):
            log.error("driver.capabilities_unreadable", reply=reply)
            return
        raise DriverError(f"capability overflow: {exc}") from exc
    for char, loc, values in entries:
        var = next((v for v in old.VARS if v.char == char), None)
        if var is None or loc not in (firmware[-1:] or "\0", "4"):
            continue
        enums = list(state.info(var.name).enums)
        for value in values:  # an enum value is listed once (NUT's state_addenum)
            if (text := ap.convert(var, value)) not in enums:
                enums.append(text)
        state.set_info(var.name, VarInfo(rw=True, enums=tuple(enums)))


async def do_cmd(link: ApcLink, cmd: ap.Cmd) -> None:
    """The command's character (twice, 1.5 s apart, for Z, K and ^N); "OK" expected."""
    await link.flush()
    await link.port.write(cmd.char.encode("latin-1"))
    if cmd.repeat:
        await trio.sleep(link.t.repeat_pause)
        await link.port.write(cmd.char.encode("latin-1"))
    reply = await _reply(link)
    if reply == "OK":
        log.info("driver.command_done", name=cmd.name)
    elif reply:
        log.warning("driver.command_refused", name=cmd.name, reply=reply)


async def calibrate(link: ApcLink, *, start: bool) -> None:
    """do_cal: 'D' toggles the runtime calibration, so the status byte is asked first."""
    status = await link.ask("Q", alerts=True, allow_timeout=True, ignore=old.POLL_IGNORE)
    if not status or status == "NA":
        return
    if bool(ap.parse_status(status) & ap.STAT_CAL) == start:
        log.info("driver.calibration_unchanged", running=start)
        return
    reply = await link.ask("D", alerts=True, allow_timeout=True, ignore=old.POLL_IGNORE)
    if reply in ("", "NA", "NO"):
        log.warning("driver.calibration_failed", start=start, reply=reply)


async def set_enum(link: ApcLink, var: ap.Var, value: str) -> bool:
    """setvar_enum: '-' steps the setting on, six times at most; whether to read it again."""
    await link.flush()
    original = await link.ask(var.char, alerts=True, allow_timeout=True, ignore=old.POLL_IGNORE)
    if not original or original == "NA" or ap.convert(var, original) == value:
        return False
    for _ in range(6):
        if await link.ask("-", alerts=True, allow_timeout=True, ignore=old.POLL_IGNORE) != "OK":
            return False
        current = await link.ask(var.char, alerts=True, allow_timeout=True,
                                 ignore=old.POLL_IGNORE)
        if not current or current == "NA":
            return False
        if ap.convert(var, current) == value:
            return True
        if ap.convert(var, current) == original:  # NUT compares with the raw first value
            log.error("driver.setvar_wrapped", name=var.name, value=value)
            return False
    log.error("driver.setvar_gave_up", name=var.name, value=value)
    return True


async def set_string(link: ApcLink, var: ap.Var, value: str) -> bool:
    """setvar_string: '-', the characters and CRs up to 8, 50 ms apart; "NO" refuses."""
    await link.flush()
    current = await link.ask(var.char, alerts=True, allow_timeout=True, ignore=old.POLL_IGNORE)
    if not current or current == "NA" or current == value:
        return False
    for char in "-" + value + "\r" * (ap.STRING_LEN - len(value)):
        await link.port.write(char.encode("latin-1"))
        await trio.sleep(link.t.pace)
    return (await _reply(link)) not in ("", "NO")


# -- killpower --------------------------------------------------------------------


async def kill_power(link: ApcLink, options: Mapping[str, str]) -> Sent:
    """upsdrv_shutdown: smart mode, the status ('Q'; none: on battery, low), then the
    ``advorder`` methods in turn (unless "no"), else the ``sdtype`` one(s)."""
    if not await smartmode(link):
        log.warning("driver.smartmode_failed", detail="trying a shutdown command anyway")
    reply = await link.ask("Q", allow_timeout=True, ignore=old.IGNORE)
    status = ap.parse_status(reply) if reply else ap.STAT_LB | ap.STAT_OB
    order = options.get("advorder")
    if order is not None and order.lower() != "no":
        methods = old.advanced_order(order)
    else:
        methods = old.simple_methods(options.get("sdtype"), on_line=bool(status & ap.STAT_OL),
                                     on_battery=bool(status & ap.STAT_OB))
    for method in methods:
        if await _shutdown(link, method, status, options.get("wugrace")):
            return Sent(method, f"shutdown method {method} confirmed")
    raise KillPowerFailed(f"no shutdown method confirmed ({', '.join(methods)})")


async def _shutdown(link: ApcLink, method: str, status: int, wugrace: str | None) -> bool:
    if method == "CS" and status & ap.STAT_OL:  # the CS 350 hack: on battery for a moment
        await link.port.write(b"U")
        await trio.sleep(link.t.pace)
    await link.flush()
    if method in ("S", "CS"):
        await link.port.write(b"S")
    elif method in ("K", "Z"):
        await link.port.write(method.encode())
        await trio.sleep(link.t.repeat_pause)
        await link.port.write(method.encode())
    else:
        return await _hibernate(link, int(method[1]), wugrace)
    return await _sdok(link)


async def _hibernate(link: ApcLink, digits: int, wugrace: str | None) -> bool:
    """'@' and the wake-up grace; the two-digit form is undone with a bogus '@' when refused."""
    await link.port.write(b"@")
    await trio.sleep(link.t.repeat_pause)
    for char in old.timer_text(wugrace, digits):
        await link.port.write(char.encode())
        await trio.sleep(link.t.pace)
    if await _sdok(link):
        return True
    if digits == 3:
        return False
    await link.port.write(b"@")
    await trio.sleep(link.t.pace)
    await link.flush()
    return False


async def _sdok(link: ApcLink) -> bool:
    """sdok: "OK" or '*' confirms a shutdown command."""
    reply = await link.read(link.t.default, allow_timeout=True, ignore=old.IGNORE, asterisk=True)
    return reply == "OK"
