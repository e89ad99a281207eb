"""apcsmart's instant commands (shutdowns, calibration, the plain one-character ones)
and its killpower sequence (sdtype / advorder)."""

from __future__ import annotations

from collections.abc import Mapping

import structlog
import trio

from nutrio.actors.drivers.apcsmart.link import ApcLink
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.apcsmart import protocol as ap

log = structlog.get_logger()


async def run_command(
    link: ApcLink, cmd: ap.Cmd, value: str | None, options: Mapping[str, str]
) -> str:
    """Run one instant command; ``options`` are the device's ups.conf options."""
    match cmd.name:
        case "calibrate.start" | "calibrate.stop":
            return await _calibrate(link, cmd.name == "calibrate.start")
        case "load.on":
            await link.flush()
            ok = await link.write_repeated(cmd.char)
            return ResultCode.SUCCESS if ok else ResultCode.FAILED
        case "load.off" | "shutdown.stayoff":
            return await _repeated_down(link, cmd.char)
        case "shutdown.return" if cmd.char == "@":
            return await _grace_down(link, (value or "")[3:], options)
        case "shutdown.return":
            if value and value[:1].lower() == "c":
                return await _cs_hack(link, options)
            return await _soft_down(link)
    return await _plain_command(link, cmd)


async def _shutdown_ok(link: ApcLink, *, allow_silence: bool) -> str:
    """sdok: "OK" (or '*') confirms a shutdown command; Z may stay silent."""
    reply = await link.read(link.t.short, allow_timeout=True, asterisk=True)
    if reply == "OK" or (allow_silence and reply == ""):
        return ResultCode.SUCCESS
    log.warning("driver.shutdown_refused", reply=reply)
    return ResultCode.FAILED


async def _repeated_down(link: ApcLink, char: str) -> str:
    """K (delayed poweroff) or Z (instant poweroff): sent twice; Z may stay silent."""
    await link.flush()
    if not await link.write_repeated(char):
        return ResultCode.FAILED
    return await _shutdown_ok(link, allow_silence=char == "Z")


async def _soft_down(link: ApcLink) -> str:
    await link.flush()
    await link.port.write(b"S")
    return await _shutdown_ok(link, allow_silence=False)


async def _cs_hack(link: ApcLink, options: Mapping[str, str]) -> str:
    """CS 350 workaround: simulate a power failure first when on line."""
    if link.status & ap.STAT_OL:
        await link.flush()
        await link.port.write(b"U")
        await link.read(link.t.short, allow_timeout=True)
        delay = options.get("cshdelay")
        await trio.sleep(float(delay) if delay else 3.5)
    return await _soft_down(link)


async def _grace_down(link: ApcLink, awd: str, options: Mapping[str, str]) -> str:
    wire = ap.grace_down_bytes(awd or options.get("awd"))
    await link.flush()
    if not await link.write_long(wire):
        return ResultCode.FAILED
    result = await _shutdown_ok(link, allow_silence=False)
    if result != ResultCode.SUCCESS and len(wire) == 3:
        await link.port.write(b"Y")  # abort the two-digit attempt cleanly
        await link.read(link.t.short, allow_timeout=True)
    return result


async def _calibrate(link: ApcLink, start: bool) -> str:
    """do_cal: toggle 'D' only when the CAL bit says it is needed; NUT always says handled."""
    await link.flush(alerts=True)
    reply = await link.ask("Q", alerts=True, allow_timeout=True)
    if not reply or reply == "NA":
        return ResultCode.SUCCESS
    running = bool(ap.parse_status(reply) & ap.STAT_CAL)
    if running != start:
        await link.ask("D", alerts=True, allow_timeout=True)
    return ResultCode.SUCCESS


async def _plain_command(link: ApcLink, cmd: ap.Cmd) -> str:
    await link.flush(alerts=True)
    if cmd.repeat:
        if not await link.write_repeated(cmd.char):
            return ResultCode.FAILED
        reply = await link.read(link.t.default, alerts=True, allow_timeout=True)
    else:
        reply = await link.ask(cmd.char, alerts=True, allow_timeout=True)
    if reply != "OK":
        log.warning("driver.instcmd_failed", name=cmd.name, reply=reply)
        return ResultCode.FAILED
    return ResultCode.SUCCESS


#: advorder digits name these methods (apcsmart's own order, not sdtype's)
_ADVORDER = ("S", "@", "K", "Z", "CS")
#: sdtype values that always use one method; 0 and 1 look at the status first
_SDTYPE = {2: "Z", 3: "K", 4: "CS", 5: "@"}
_METHODS = {
    "S": "soft hibernate", "@": "hard hibernate", "K": "delayed poweroff",
    "Z": "instant poweroff", "CS": "simulated power failure, then soft hibernate",
}


def shutdown_methods(status: int, options: Mapping[str, str]) -> tuple[str, ...]:
    """The methods apcsmart's shutdown tries in turn, for a status byte and ups.conf options.

    ``advorder`` (unless "no") lists them by digit, the first that works ends
    the list; otherwise ``sdtype`` picks: 0 (default) @ on line, else S;
    1 S when on battery with @ if S fails, else @; 2 Z; 3 K; 4 CS; 5 @.
    """
    advorder = options.get("advorder")
    if advorder and advorder[:1].upper() != "N":
        return tuple(_ADVORDER[int(digit)] for digit in advorder)
    sdtype = int(options.get("sdtype") or "0")
    if sdtype in _SDTYPE:
        return (_SDTYPE[sdtype],)
    if sdtype == 1:
        return ("S", "@") if status & ap.STAT_OB else ("@",)
    return ("@",) if status & ap.STAT_OL else ("S",)


async def kill_power(link: ApcLink, options: Mapping[str, str]) -> tuple[str, str] | None:
    """Try the shutdown methods in turn; (wire command, what it does) of the one the
    UPS confirmed, or None when none was."""
    for method in shutdown_methods(link.status, options):
        result = await _shutdown_method(link, method, options)
        log.info("driver.killpower_method", method=method, result=result)
        if result == ResultCode.SUCCESS:
            wire = ap.grace_down_bytes(options.get("awd")).decode() if method == "@" else method
            return wire, _METHODS[method]
    return None


async def _shutdown_method(link: ApcLink, method: str, options: Mapping[str, str]) -> str:
    match method:
        case "S":
            return await _soft_down(link)
        case "@":
            return await _grace_down(link, "", options)
        case "CS":
            return await _cs_hack(link, options)
    return await _repeated_down(link, method)
