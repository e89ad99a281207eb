"""An APC Smart-UPS on a pseudo-terminal, speaking the smart (one character) protocol.

Each byte received is a command; replies end in CR LF. Power events go
out at once as alert characters, as real units send them: ``on_battery``
sends '!', ``low_battery`` '%', ``on_line`` '$' (and '+' when LB clears).
Dangerous commands behave as on hardware: K and Z and ^N act only when
repeated, '@' takes three digits, '-' after 'c'/'x' takes an 8-character
string. ``mode`` = "normal" | "silent" | "garbage" | "partial" steers the
replies; ``received`` keeps every byte in order.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

import trio

from sim.pty import PtyPair, serving

__all__ = ["CMDSET", "ApcSmartSim", "apcsmart_sim"]

OL, OB, LB, CAL, RB, OVER = 0x08, 0x10, 0x40, 0x01, 0x80, 0x20

#: what the unit says it understands (with ^Z: it can list its settings' values)
CMDSET = "3.!$%+?=#|.\x01@ABCDEFGKLMNOPQRSUWXYZabcefgjlmnopqrsuxy\x0e9\x1a"
#: the values each setting steps through with '-' (locale 'I' like the firmware, '4' = all)
CHOICES = {"u": ("I", ("253", "258", "261", "264")), "l": ("I", ("196", "200", "204", "208")),
           "e": ("4", ("00", "15", "25", "90")), "o": ("D", ("115",))}


def caps_reply(choices: dict[str, tuple[str, tuple[str, ...]]]) -> str:
    return "#" + "".join(
        f"{char}{loc}{len(values)}{len(values[0])}{''.join(values)}" for char, (loc, values) in choices.items()
    )


def _values() -> dict[str, str]:
    return {
        "C": "036.0", "P": "021.3", "E": "336", "X": "OK", "r": "000", "p": "020",
        "c": "UPS_IDEN", "L": "230.4", "F": "50.00", "s": "H", "9": "FF", "l": "196",
        "u": "253", "G": "O", "M": "235.2", "N": "226.8", "O": "230.4", "o": "230",
        "x": "11/29/21", "f": "100.0", "e": "00", "B": "27.43", "g": "024",
        "j": "0045:", "q": "02", "n": "AS1234567890", "m": "01/25/20",
        "\x01": "Smart-UPS 1000", "b": "652.13.I",
    }


@dataclass
class ApcSmartSim:
    status: int = OL
    values: dict[str, str] = field(default_factory=_values)
    cmdset: str = CMDSET
    choices: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=lambda: dict(CHOICES))
    mode: str = "normal"
    #: sent before every reply (e.g. "|" for an EEPROM change, "#" for replace battery)
    reply_prefix: str = ""
    received: bytearray = field(default_factory=bytearray)
    smart: bool = False
    _pending: str = ""  # a command waiting for its argument bytes ('@', '-')
    _arg: str = ""
    _last: str = ""  # the previous command byte, for repeated commands
    _string_target: str = "c"
    _out: trio.MemorySendChannel[bytes] | None = None

    # -- what tests call ------------------------------------------------------

    def alert(self, chars: str) -> None:
        if self._out is not None and self.mode != "silent":
            self._out.send_nowait(chars.encode("latin-1"))

    def on_battery(self) -> None:
        self.status = (self.status & ~OL) | OB
        self.values.update(L="000.0", f="087.0", j="0031:")
        self.alert("!")

    def low_battery(self) -> None:
        if not self.status & OB:
            self.on_battery()
        self.status |= LB
        self.values.update(f="012.0", j="0002:")
        self.alert("%")

    def on_line(self) -> None:
        was_low = self.status & LB
        self.status = (self.status & ~(OB | LB)) | OL
        self.values.update(L="230.4", f="100.0", j="0045:")
        self.alert("$+" if was_low else "$")

    def commands(self) -> bytes:
        """Received bytes other than queries of values and status."""
        queries = set(self.values) | set("QYVa\x1b")
        return bytes(b for b in self.received if chr(b) not in queries)

    # -- the protocol -----------------------------------------------------------

    def answer(self, byte: int) -> str | None:
        """The reply (CR LF added by the caller) or None for silence."""
        ch = chr(byte)
        self.received.append(byte)
        if self._pending:
            return self._argument(ch)
        last, self._last = self._last, ch
        if ch == "Y":
            self.smart = True
            return "SM"
        if ch == "R":
            self.smart = False
            return "BYE"
        if ch == "\x1b":
            return None
        if ch == "a":
            return self.cmdset
        if ch == "\x1a":
            return caps_reply(self.choices)
        if ch == "-" and last in self.choices:
            return self._next_choice(last)
        if ch == "Q":
            return f"{self.status:02X}"
        if ch in ("@", "-"):
            self._pending, self._arg = ch, ""
            if ch == "-":
                self._string_target = last
            return None
        if ch in "KZ\x0e":
            if last != ch:
                return None  # a single press does nothing
            self._last = ""
            if ch == "Z":
                self.status = 0
                return None
            if ch == "\x0e":
                self.status = OL
                return None
            return "OK"
        if ch in "WADUS":
            if ch == "D":
                self.status ^= CAL
            return "OK"
        return self.values.get(ch, "NA")

    def _next_choice(self, char: str) -> str:
        values = self.choices[char][1]
        current = self.values.get(char, values[0])
        index = values.index(current) if current in values else -1
        self.values[char] = values[(index + 1) % len(values)]
        self._last = char  # '-' again steps once more
        return "OK"

    def _argument(self, ch: str) -> str | None:
        self._arg += ch
        if self._pending == "@" and len(self._arg) == 3:
            self._pending = ""
            return "OK"
        if self._pending == "-" and len(self._arg) == 8:
            self._pending = ""
            self.values[self._string_target] = self._arg.rstrip("\r")
            return "OK"
        return None

    def _shape(self, reply: str) -> bytes:
        data = (self.reply_prefix + reply + "\r\n").encode("latin-1")
        if self.mode == "garbage":
            return b"\x00gar|bage\xff\r\n"
        if self.mode == "partial":
            return data[:1]
        return data

    async def serve(self, pty: PtyPair) -> None:
        send, receive = trio.open_memory_channel[bytes](64)
        self._out = send
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._writer, pty, receive)
            while True:
                chunk = await pty.master.receive_some(256)
                if not chunk:
                    return
                for byte in chunk:
                    reply = self.answer(byte)
                    if reply is not None and self.mode != "silent":
                        send.send_nowait(self._shape(reply))

    async def _writer(self, pty: PtyPair, receive: trio.MemoryReceiveChannel[bytes]) -> None:
        async for data in receive:
            await pty.master.send_all(data)


def apcsmart_sim(**kw: object) -> AbstractAsyncContextManager[tuple[ApcSmartSim, str]]:
    """A running simulator and the tty path a driver opens."""
    return serving(ApcSmartSim(**kw))  # type: ignore[arg-type]
