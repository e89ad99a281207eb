"""`nutrio scan --serial PORT ...`: which UPS protocol answers on each given port.

Only the ports named are opened (a serial scan of every tty can upset other
equipment), at 2400 8N1, and asked read-only questions, one protocol after the
other: the Megatec/Q1 status query ``Q1`` (nutdrv_qx), then APC's smart-mode
``Y`` (apcsmart), which answers ``SM``, followed by the model name ``\\x01``.
Neither changes anything on the UPS.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import trio

from nutrio.actors.drivers.errors import DriverError
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.scan.found import Found

__all__ = ["probe_port", "scan_serial"]

_BAUD = 2400
_Q1_REPLY = re.compile(r"\(\d[\d. ]{20,}$")


async def scan_serial(ports: Sequence[str], *, timeout: float = 1.0) -> list[Found]:
    out = []
    for path in ports:
        found = await probe_port(path, timeout)
        if found is not None:
            out.append(found)
    return out


async def probe_port(path: str, timeout: float) -> Found | None:
    """The device table for what answered on *path*, or None (a note says why)."""
    port = SerialPort(path, baudrate=_BAUD)
    try:
        await port.open()
    except DriverError as exc:
        return _silent(path, f"cannot open it: {exc}")
    try:
        q1 = await _ask(port, b"Q1\r", b"\r", timeout)
        if _Q1_REPLY.match(q1):
            return Found(source="serial", driver="nutdrv_qx", port=path,
                         notes=(f"serial {path}: Megatec/Q1 answered {q1!r}",
                                "also: blazer_ser (NUT's older driver for the same units)"))
        if await _smart_mode(port, timeout):
            model = await _ask(port, b"\x01", b"\n", timeout)
            return Found(source="serial", driver="apcsmart", port=path, desc=model,
                         notes=(f"serial {path}: APC smart protocol answered (model {model!r})",))
        return _silent(path, "neither Q1 nor APC smart answered")
    except DriverError as exc:
        return _silent(path, str(exc))
    finally:
        await port.close()


async def _ask(port: SerialPort, question: bytes, end: bytes, timeout: float) -> str:
    await port.discard_input()
    await port.write(question)
    reply = await port.read_until(end, timeout)
    return reply.decode("ascii", "replace").strip()


async def _smart_mode(port: SerialPort, timeout: float) -> bool:
    """'Y' answered by "SM"; an APC unit may still be answering the Q1 probe's
    bytes ('Q' is its status query), so every line up to the timeout counts."""
    await port.discard_input()
    await port.write(b"Y")
    with trio.move_on_after(timeout):
        while True:
            line = await port.read_until(b"\n", timeout)
            if line.strip() == b"SM":
                return True
            if not line:
                return False
    return False


def _silent(path: str, why: str) -> Found:
    return Found(source="serial", driver="", port=path, notes=(f"serial {path}: {why}",))
