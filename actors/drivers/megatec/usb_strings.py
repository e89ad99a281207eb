"""The bridges that carry no serial line: each query is a USB string descriptor.

krauler, fabula, hunnox and snr (drivers/nutdrv_qx.c, blazer_usb.c at v2.8.0) read
the reply to a Megatec query as the string whose index names the query (Q1 is
string 3, F 13, I 12, ...), in the device's first language or in ``langid_fix``'s;
a query they have no index for is echoed back at once, as a Megatec UPS echoes
what it does not know. fabula and hunnox also turn the shutdown commands into
indexes (the delay in the high nibble, 8 added for "back on after"); hunnox reads
a few strings between queries (its "lock-step"), snr reads its interrupt pipe
first. The chips answer "UPS No Ack" to what they did not take.
"""

from __future__ import annotations

import math
import time

from nutrio.actors.drivers.megatec.usb_bridges import (
    CR,
    BridgeState,
    EmptyReply,
    add_cr,
    cstr,
    is_no_ack,
    shutdown_delay,
)
from nutrio.actors.drivers.megatec.usb_io import UsbFailure, UsbHandle

__all__ = ["blazer_krauler", "fabula", "hunnox", "krauler", "snr"]

_NO_ACK = b"ups no ack"

#: command -> (string index, the byte that replaces the reply's first)
_KRAULER = {b"Q1\r": (0x03, b"("), b"F\r": (0x0D, b"#"), b"I\r": (0x0C, b"#"),
            b"T\r": (0x04, CR), b"TL\r": (0x05, CR), b"Q\r": (0x07, CR),
            b"C\r": (0x0B, CR), b"CT\r": (0x0B, CR)}  # fmt: skip
_SNR = {key: _KRAULER[key] for key in (b"Q1\r", b"F\r", b"I\r")}
_FABULA = {b"Q1\r": 0x03, b"F\r": 0x0D, b"I\r": 0x0C, b"Q\r": 0x07, b"C\r": 0x0A}
def _fabula_index(cmd: bytes) -> int | None:
    """fabula's and hunnox's string index of a command; None: not one they know."""
    if cmd in _FABULA:
        return _FABULA[cmd]
    shutdown = shutdown_delay(cmd)
    if shutdown is None:
        return None
    delay = min(max(shutdown[0], 0.5), 10.0)
    if delay < 1:
        index = 16 + math.floor((delay - 0.5) * 10 + 0.5) * 16
    else:
        index = int(96 + (delay - 1) * 16)
    # + 8: back on after the delay ("Sn" alone too: NUT's restart value stays -1 then)
    return index + 8 if shutdown[1] is None or shutdown[1] else index


def _unicode(raw: bytes, buflen: int) -> bytes | None:
    """NUT's in-place UTF-16 to ASCII of a raw descriptor; None when its length byte does
    not say how much came (a corrupted reply)."""
    if not raw or raw[0] != len(raw) or raw[0] > 0x7F:
        return None
    out = bytearray()
    for si in range(2, raw[0], 2):
        if len(out) >= buflen - 1:
            break
        high = raw[si + 1] if si + 1 < len(raw) else 0
        out.append(0x3F if high else raw[si])
    return bytes(out)


def _string_reply(h: UsbHandle, index: int, buflen: int, langid: int | None) -> bytes | None:
    """One string read: in ``langid`` (raw, then converted; None if corrupted) or simple."""
    if langid is None:
        text = h.string_ascii(index, buflen)
        if not text:
            raise EmptyReply
        return text
    raw = h.string(index, langid, buflen)
    if not raw:
        raise EmptyReply
    return _unicode(raw, buflen)


def _krauler(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState, *, blazer: bool) -> bytes:
    if cmd not in _KRAULER:
        # echoed back, the megatec way (blazer's commands, echoed onto themselves, are lost)
        return b"" if st.in_place else cstr(cmd)
    index, first = _KRAULER[cmd]
    for _ in range(10):
        buf = _string_reply(h, index, buflen, st.langid_fix)
        if buf is None:
            continue
        if not blazer:
            buf = add_cr(buf, buflen)
        if (cstr(buf).lower() == _NO_ACK) if blazer else is_no_ack(buf):
            continue
        return first + buf[1:] if buf else b""
    return b""


def krauler(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    return _krauler(h, cmd, buflen, st, blazer=False)


def blazer_krauler(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    return _krauler(h, cmd, buflen, st, blazer=True)


def fabula(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    index = _fabula_index(cmd)
    if index is None:
        return cstr(cmd)
    buf = add_cr(h.string_ascii(index, buflen), buflen)
    if not buf or is_no_ack(buf):
        return b""  # the chip's answer to every command: success for a command
    return buf


def _hunnox_step(h: UsbHandle, asking: int, st: BridgeState) -> None:
    """hunnox's lock-step: reads the chip wants between commands (their results unused)."""
    langid = 0x0409 if st.langid_fix is None else st.langid_fix
    reads = {0: ((0x00, 1026), (0x00, 1026), (0x01, 1026)), 1: ((0x0D, 102),),
             2: ((0x03, 102),), 3: ((0x0C, 102),)}.get(st.hunnox_step, ())
    for index, length in reads:
        if st.hunnox_step == 0 or index != asking:
            try:
                h.string(index, langid, length)
            except UsbFailure:
                pass
    if st.hunnox_step == 0:
        time.sleep(0.01)
    st.hunnox_step = st.hunnox_step + 1 if st.hunnox_step < 3 else 1


def hunnox(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    index = _fabula_index(cmd)
    if index is None:
        return cstr(cmd)
    _hunnox_step(h, index, st)
    buf = _string_reply(h, index, min(buflen, 102), st.langid_fix)
    if buf is None or is_no_ack(buf):
        return b""
    return buf


def snr(h: UsbHandle, cmd: bytes, buflen: int, st: BridgeState) -> bytes:
    if buflen < 102:
        return b""
    try:
        h.interrupt_in(0x81, 102, 1000)  # wakes the chip up; what it says does not matter
    except UsbFailure:
        pass
    if cmd not in _SNR:
        return cstr(cmd)
    index, first = _SNR[cmd]
    assert st.langid_fix is not None  # the transport refuses snr without langid_fix
    for _ in range(10):
        raw = h.string(index, st.langid_fix, 102)
        if not raw:
            raise EmptyReply
        buf = _unicode(raw, buflen)
        if buf is None or is_no_ack(buf):
            continue
        return first + buf[1:] if buf else b""
    return b""
