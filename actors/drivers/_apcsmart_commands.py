"""apcsmart's instant commands: shutdowns, calibration and the plain one-character ones."""

from __future__ import annotations

from collections.abc import Mapping

import structlog
import trio

from actors.drivers._apcsmart_link import ApcLink
from protocol import apcsmart as ap
from protocol.state import ResultCode

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
            await link.flush()
            if not await link.write_repeated(cmd.char):
                return ResultCode.FAILED
            return await _shutdown_ok(link, allow_silence=cmd.char == "Z")
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
