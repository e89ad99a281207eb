"""Tripp Lite serial units on a pseudo-terminal: a SmartPro (tripplite) and a SmartOnline
(tripplitesu).

:class:`SmartProUps` echoes each ``:X...`` request and its line end, then sends
its reply line (CR LF), as NUT 2.8.0's tripplite expects of a SMART700SER. The
replies are hex text: ``D`` is 21 characters of status, input volts, temperature,
load and frequency. No dump of the NUT library was taken with tripplite, so
:data:`SMART700` follows the unit NUT's comments describe (W 84, L 60: 700 VA).

:class:`SmartOnlineUps` answers ``~00P003STO``-style requests with ``~00D`` + a
three-digit count + data, ``~00A`` for a setting it takes, ``~00R`` for what it
does not know. :data:`SU1500` is shaped after the library's only tripplitesu dump
(Tripp_Lite__SU1500RTXL2UA__tripplitesu__2.2.1__01.dev).

Both keep every request in ``received``; ``commands()`` lists those that act,
``on_battery``/``low_battery``/``on_line`` change what the unit reports, and
``silent = True`` makes it answer nothing (a cable pulled).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.pty import PtyPair

__all__ = ["SMART700", "SU1500", "SU2200", "UNISON", "SimUnit", "SmartOnlineUps", "SmartProUps",
           "StepSim"]

#: letters that only read (SmartPro)
_PRO_QUERIES = frozenset(b"WLVXDBMIC")
#: what a SmartOnline unit keeps once set
_SETTINGS = frozenset({"UID", "TXV", "VSN", "ARB"})


@dataclass(frozen=True)
class SimUnit:
    """What a unit answers on line, and what changes on battery and with a low battery."""

    name: str
    answers: dict[str, str]
    on_battery: dict[str, str]
    low_battery: dict[str, str]


@dataclass
class StepSim:
    """The answers of a :class:`SimUnit` in its current state; what it was sent."""

    unit: SimUnit
    answers: dict[str, str] = field(default_factory=dict)
    received: list[bytes] = field(default_factory=list)
    silent: bool = False

    def __post_init__(self) -> None:
        self.on_line()

    def kept(self) -> dict[str, str]:
        """Answers a power change leaves as they are (settings made since the start)."""
        return {}

    def on_line(self) -> None:
        self.answers = {**self.unit.answers, **self.kept()}

    def on_battery(self) -> None:
        self.answers = {**self.unit.answers, **self.unit.on_battery, **self.kept()}

    def low_battery(self) -> None:
        self.answers = {**self.unit.answers, **self.unit.low_battery, **self.kept()}


#: D: battery OK, load OK, 120 V, no tap change, on line, 25 C, 30 %, 60.0 Hz
SMART700 = SimUnit("smart700", {
    "W": "84", "L": "60", "V": "12", "X": "40", "D": "1178027F00001E5B82258", "B": "87",
    "M": "7C", "I": "73", "C": "0"},
    on_battery={"D": "1100017F00001C5B82258", "B": "7D"},
    low_battery={"D": "0100017F00001C5B82257", "B": "6E", "C": "1"})
#: an older Unison (W's top bit clear: the old rating formula), boosting, second generation
UNISON = SimUnit("unison", {
    "W": "40", "L": "C8", "V": "31", "X": "08", "D": "116A2282000050037B262", "B": "84",
    "M": "70", "I": "68", "C": "2"},
    on_battery={"D": "1100018200005003B7262", "B": "7A"},
    low_battery={"D": "0100018200005003B7262", "B": "70"})


class SmartProUps(StepSim):
    """A SmartPro unit (see the module comment)."""

    def commands(self) -> list[bytes]:
        return [r for r in self.received if r[1:2] and r[1] not in _PRO_QUERIES]

    def answer(self, request: bytes) -> bytes:
        self.received.append(request)
        reply = self.answers.get(request[1:2].decode("latin-1"), "") if request[:1] == b":" else ""
        return request + b"\n" + reply.encode("latin-1") + b"\r\n"

    async def serve(self, pty: PtyPair) -> None:
        buffer = b""
        while chunk := await pty.master.receive_some(256):
            buffer += chunk
            while b"\r" in buffer:
                request, buffer = buffer.split(b"\r", 1)
                reply = self.answer(request + b"\r")
                if not self.silent:
                    await pty.master.send_all(reply)


SU1500 = SimUnit("su1500", {
    "AVL": "010110110100111101", "MNU": "Tripp Lite", "MOD": "SU1500RTXL2Ua", "VER": "13  ",
    "RAT": "120;60;120;60;1500;1350;2;0;0;75;60;140;130;0;48", "LET": "2", "UID": "rack 4",
    "TXV": "65;138", "VSN": "0", "ARB": "2", "STO": "0;600;1;1202;17;204;17",
    "STB": "0;0;0;0;0;0;522;0;24;100", "STA": "0;0;0;0;0;0", "STI": "1;600;1236", "TSR": "0"},
    on_battery={"STO": "1;600;1;1199;17;204;18", "STI": "1;0;0", "STB": "0;0;0;0;0;0;498;-35;24;87"},
    low_battery={"STO": "1;600;1;1199;17;204;18", "STI": "1;0;0",
                 "STB": "0;1;0;0;0;0;441;-38;25;18"})
#: no outlet banks, no id, an environment probe with contacts, an overload alarm on battery
SU2200 = SimUnit("su2200", {
    "AVL": "111111111111111111111", "MNU": "Tripp Lite", "MOD": "SU2200RTXL2Ua", "VER": "2.1",
    "RAT": "230;50;230;50;2200;2000;4;0;0;200;180;260;240;0;72", "LET": "0",
    "TXV": "190;250", "VSN": "2", "ARB": "1", "STO": "3;500;1;2301;42;964;44",
    "STB": "2;0;0;0;0;0;815;0;31;95", "STA": "0;0;0;0", "STI": "1;500;2480", "TSR": "4",
    "ENV": "23;41;0;1;1;0"},
    on_battery={"STO": "1;500;1;2299;42;964;101", "STI": "1;0;0", "STA": "0;0;0;1"},
    low_battery={"STO": "1;500;1;2299;42;964;101", "STI": "1;0;0", "STA": "0;0;0;1",
                 "STB": "0;0;0;0;0;0;701;-60;33;30"})


class SmartOnlineUps(StepSim):
    """A SmartOnline unit (see the module comment); settings change its answers."""

    def kept(self) -> dict[str, str]:
        return {k: v for k, v in self.answers.items() if k in _SETTINGS}

    def commands(self) -> list[bytes]:
        return [r for r in self.received if r[3:4] == b"S"]

    def answer(self, request: bytes) -> bytes:
        self.received.append(request)
        kind, body = request[3:4], request[7:].decode("latin-1")
        command, parameters = body[:3], body[3:]
        if kind == b"S" and command in _SETTINGS:
            self.answers[command] = parameters
        if kind == b"S":
            return b"~00A"
        data = self.answers.get(command)
        if data is None:
            return b"~00R"
        return b"~00D" + f"{len(data):03d}{data}".encode("latin-1")

    async def serve(self, pty: PtyPair) -> None:
        buffer = b""
        while chunk := await pty.master.receive_some(256):
            buffer += chunk
            while (start := buffer.find(b"~00")) >= 0 and len(buffer) >= start + 7:
                buffer = buffer[start:]
                size = int(buffer[4:7]) if buffer[4:7].isdigit() else 0
                if len(buffer) < 7 + size:
                    break
                request, buffer = buffer[: 7 + size], buffer[7 + size :]
                reply = self.answer(request)
                if not self.silent:
                    await pty.master.send_all(reply)
