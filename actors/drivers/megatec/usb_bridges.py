"""The USB-to-serial bridges of NUT 2.8.0's nutdrv_qx and blazer_usb ("subdrivers").

Each bridge is a function ``(handle, command, buflen, state) -> reply`` that carries
one command line the way the chip wants it and returns the reply as NUT's
``*_command`` functions leave it for their caller: the bytes up to the length they
return (b"" for 0). A libusb error they do not handle themselves leaves as
:class:`UsbFailure`, for the transport to react as qx_command does. Facts from
drivers/nutdrv_qx.c and drivers/blazer_usb.c at tag v2.8.0:

- cypress, phoenix: the command in 8-byte HID SET_REPORTs (0x21 0x09 0x0200), the
  reply in 8-byte interrupt reads on 0x81 until a CR came; phoenix first drains up
  to eight stale reads (clearing a stalled endpoint);
- ippon: SET_REPORTs with wValue 0x0002, the reply in one 64-byte read;
- sgs: SET_REPORTs carrying a length byte and up to 7 bytes; reads the same way
  until one times out;
- armac: 4-byte SET_REPORTs (0xa0 + length, 3 bytes), 6-byte reads (count in the
  low nibble of the first byte) until a count of 0;
- fuji: one 8-byte interrupt OUT on endpoint 2 (0x80 0x06 len 0x03, the command,
  the reply's expected length), 8-byte reads on 0x81;
- phoenixtec: a vendor request 0x0d carrying the command, reads on 0x81; commands
  known to get no answer are not read for;
- ablerex: a 47-byte feature SET_REPORT (id 5), half a second, a GET_REPORT.

The bridges with no serial line at all (krauler, fabula, hunnox, snr: each query
is a string descriptor) are in usb_strings.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from nutrio.actors.drivers.megatec.usb_io import PIPE, TIMEOUT, UsbFailure, UsbHandle

__all__ = [
    "Bridge",
    "BridgeState",
    "EmptyReply",
    "ablerex",
    "add_cr",
    "armac",
    "blazer_cypress",
    "blazer_ippon",
    "blazer_phoenix",
    "cstr",
    "cypress",
    "fuji",
    "ippon",
    "is_no_ack",
    "phoenix",
    "phoenixtec",
    "returning_empty",
    "sgs",
    "shutdown_delay",
    "CR",
]

CR = b"\r"
_NO_ACK = b"ups no ack"


@dataclass
class BridgeState:
    """What the bridges keep between commands: ``langid_fix`` (None: not set),
    hunnox's lock-step position (a global in NUT, kept across reconnects), and whether
    the command and its reply share one buffer (blazer's instant commands: a command
    echoed in place by C's snprintf reads as empty, so the echo is no reply there)."""

    langid_fix: int | None = None
    hunnox_step: int = 0
    in_place: bool = False


Bridge = Callable[[UsbHandle, bytes, int, BridgeState], bytes]


def cstr(data: bytes | bytearray) -> bytes:
    return bytes(data).split(b"\0", 1)[0]


def add_cr(buf: bytes, buflen: int) -> bytes:
    """nutdrv_qx's repair of a reply without its CR (when the buffer has room)."""
    if buf and CR not in buf and len(buf) < buflen - 1:
        return buf + CR
    return buf


def is_no_ack(buf: bytes) -> bool:
    """"UPS No Ack" before the CR: the bridge's way of saying nothing came back."""
    line = cstr(buf).split(CR, 1)[0]
    return len(line) == 10 and line.lower() == _NO_ACK


def _send_reports(h: UsbHandle, cmd: bytes, value: int, timeout_ms: int) -> None:
    """The command in zero-padded 8-byte SET_REPORTs; a refused one ends the command."""
    data = cstr(cmd)
    for i in range(0, len(data), 8):
        if h.control_out(0x21, 0x09, value, 0, data[i:i + 8].ljust(8, b"\0"), timeout_ms) <= 0:
            raise EmptyReply


class EmptyReply(Exception):
    """The bridge returns 0 bytes (NUT's "timeout" return): the reply is b"" (see
    :func:`returning_empty`)."""


def _read_to_cr(h: UsbHandle, endpoint: int, buflen: int, *, upto_nul: bool = False) -> bytes:
    """8-byte interrupt reads into a zeroed buffer until it holds a CR (blazer_usb's strchr
    stops looking at the first NUL) or has no room for another chunk."""
    buf = bytearray(buflen)
    i = 0
    while i <= buflen - 8 and CR not in (cstr(buf) if upto_nul else buf):
        chunk = h.interrupt_in(endpoint, 8, 1000)
        if not chunk:
            raise EmptyReply
        buf[i:i + len(chunk)] = chunk
        i += len(chunk)
    return bytes(buf[:i])


def cypress(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    _send_reports(h, cmd, 0x0200, 5000)
    return _read_to_cr(h, 0x81, buflen)


def blazer_cypress(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    _send_reports(h, cmd, 0x0200, 5000)
    return _read_to_cr(h, 0x81, buflen, upto_nul=True)


def _drain(h: UsbHandle) -> None:
    """phoenix: read until the chip has nothing left (at most eight reads)."""
    for _ in range(8):
        try:
            h.interrupt_in(0x81, 8, 1000)
        except UsbFailure as failure:
            if failure.code == PIPE:
                try:
                    h.clear_halt(0x81)
                except UsbFailure:
                    pass  # NUT does not look at it
            return


def phoenix(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    _drain(h)
    _send_reports(h, cmd, 0x0200, 1000)
    return _read_to_cr(h, 0x81, buflen)


def blazer_phoenix(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    _drain(h)
    _send_reports(h, cmd, 0x0200, 1000)
    return _read_to_cr(h, 0x81, buflen, upto_nul=True)


def _ippon_send(h: UsbHandle, cmd: bytes) -> bytes:
    """Up to 63 bytes of the command in 8-byte reports (wValue 2); the reply in one read.
    NUT sends whatever its stack buffer holds after the command; nutrio sends zeros."""
    _send_reports(h, cmd[:63], 0x0002, 1000)
    reply = h.interrupt_in(0x81, 64, 1000)
    if not reply:
        raise EmptyReply
    return reply


def ippon(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    tmp = _ippon_send(h, cmd)
    end = tmp.find(CR)
    size = end + 1 if end >= 0 else len(cstr(tmp))
    return add_cr(tmp[:min(size, buflen - 1)], buflen)


def blazer_ippon(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    tmp = cstr(_ippon_send(h, cmd))
    size = len(tmp.split(CR, 1)[0])
    size = size + 1 if size else 0
    return tmp[:min(size, buflen - 1)].ljust(size, b"\0")


def sgs(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    data = cstr(cmd)
    i = 0
    while i < len(data):
        part = data[i:i + 7]
        sent = h.control_out(0x21, 0x09, 0x0200, 0, (bytes([len(part)]) + part).ljust(8, b"\0"),
                             5000)
        if sent <= 0:
            raise EmptyReply
        i += sent - 1
    buf = bytearray()
    while len(buf) <= buflen - 8:
        try:
            chunk = h.interrupt_in(0x81, 8, 1000)
        except UsbFailure as failure:
            if failure.code == TIMEOUT:
                break  # the end of every reply
            raise
        if not chunk:
            raise EmptyReply
        chunk = chunk.ljust(8, b"\0")
        count = chunk[0] if chunk[0] <= 7 else (7 if chunk[0] < 0x80 else 0)
        buf += chunk[1:1 + count]
    return add_cr(bytes(buf), buflen)


def armac(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    if cmd in (b"QGS\r", b"QS\r", b"QPI\r", b"M\r", b"D\r"):
        return cmd  # the UPS ignores these: echoed back at once, as NUT does
    data = cstr(cmd)
    sent: int | UsbFailure = 0
    for i in range(0, len(data), 3):
        part = data[i:i + 3]
        try:
            sent = h.control_out(0x21, 0x09, 0x0200, 0, (bytes([0xA0 + len(part)]) + part)
                                 .ljust(4, b"\0"), 5000)
        except UsbFailure as failure:
            sent = failure  # NUT looks only at the last chunk's result
    if isinstance(sent, UsbFailure):
        raise sent
    if sent <= 0:
        raise EmptyReply
    buf = bytearray()
    while len(buf) + 6 < buflen:
        report = h.interrupt_in(0x81, 6, 1000)
        if len(report) != 6:  # NUT returns the short read's length
            return bytes(buf).ljust(len(report), b"\0")[:len(report)]
        count = min(report[0] & 0x0F, 5)
        if not count:
            return bytes(buf)
        buf += report[1:1 + count]
        if count <= 2:
            time.sleep(0.015)  # let the UPS buffer more bytes
    raise UsbFailure(-1)  # "Protocol error, too much data read"


_FUJI_REPLY_LENGTHS = {b"Q1": 47, b"F": 22, b"I": 39}


def fuji(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    command = cstr(cmd).split(CR, 1)[0]
    shutdown = shutdown_delay(cmd)
    if shutdown is not None and shutdown[1]:  # both parsed, m != 0
        command = command[:3]  # SnRm cannot fit: Sn, back on as soon as mains returns
    if len(command) > 3:
        return cstr(cmd)  # too long for the chip: echoed back, the megatec way
    packet = bytes([0x80, 0x06, len(command) + 1, 0x03]) + command
    packet = packet.ljust(7, b"\0") + bytes([_FUJI_REPLY_LENGTHS.get(command, 0)])
    if h.interrupt_out(0x02, packet, 5000) <= 0:
        raise EmptyReply
    return cstr(_read_to_cr(h, 0x81, buflen))


#: commands the phoenixtec (Masterguard) chip never answers
_SILENT = (b"T", b"TL", b"S", b"C", b"CT", b"M", b"N", b"O", b"SRC", b"FCLR", b"SS", b"TUD",
           b"SSN")  # fmt: skip


def phoenixtec(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    data = cstr(cmd)
    if h.control_out(0x42, 0x0D, 0, 0, data, 1000) <= 0:
        raise EmptyReply
    for word in _SILENT:  # a prefix, not followed by another capital ("M" is not "MSO")
        if data.startswith(word) and not (b"A" <= data[len(word):len(word) + 1] <= b"Z"):
            return b""
    buf = b""
    while len(buf) < buflen:
        chunk = h.interrupt_in(0x81, buflen - len(buf), 1000)
        if not chunk:
            raise EmptyReply
        if CR in chunk:
            line = buf + chunk[:chunk.index(CR) + 1]
            return line if len(line) < buflen else b""
        buf += chunk
    return b""


def ablerex(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    size = len(cstr(cmd).split(CR, 1)[0]) + 1
    report = (bytes([0x05, 0x00, size]) + cmd[:size]).ljust(47, b"\0")
    for _ in range(3):
        try:
            h.control_out(0x21, 0x09, 0x0305, 0, report, 1000)
        except UsbFailure:
            pass  # NUT only logs it: the GET_REPORT decides
        time.sleep(0.5)
        back = h.control_in(0xA1, 0x01, 0x0305, 0, 47, 1000)
        if not back:
            raise EmptyReply
        back = back.ljust(47, b"\0")
        end = back.find(CR)
        length = end + 1 if end > 0 else 0
        wanted = {b"Q1\r": 47, b"I\r": 39, b"F\r": 22}.get(cmd.upper())
        if wanted is not None and length != wanted:
            continue
        if cmd.upper() == b"Q5\r" and length != 22:
            return b"(".ljust(22, b"\0")  # NUT makes up an empty Q5 reply
        return back[:length]
    return b""


_FLOAT = r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_SN = re.compile(rb"S(" + _FLOAT.encode() + rb")")
_RM = re.compile(rb"R\s*([-+]?\d+)")


def shutdown_delay(cmd: bytes) -> tuple[float, int | None] | None:
    """sscanf "S%lfR%d" or "S%lf": the delay and the restart value (None when absent)."""
    head = _SN.match(cmd)
    if head is None:
        return None
    tail = _RM.match(cmd, head.end())
    return float(head.group(1)), (int(tail.group(1)) if tail else None)


def returning_empty(bridge: Bridge) -> Bridge:
    def run(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
        try:
            return bridge(h, cmd, buflen, st)
        except EmptyReply:
            return b""

    return run
