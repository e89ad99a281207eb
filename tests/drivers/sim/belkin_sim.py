"""Belkin smart-protocol units on a pseudo-terminal, for NUT 2.8.0's belkin and nutrio's.

Requests are ``~00P003STA``-style (the count covers the code and its data). The unit
answers a ``P`` request with ``~00D`` + three digits + the data, ``~00R000`` for what it
does not know, and nothing to an ``S`` command.

:data:`F6C625` follows Belkin__Belkin__Regulator_Pro_F6C625-220V__belkin__2.0.4__01.dev;
:data:`F6C1500` the Small Enterprise F6C1500-TW-RK, given firmware "001", whose rating
answer announces 53 bytes and sends 50 (as NUT's comment says that firmware does), and a
status reply shorter than sixteen fields.
"""

from __future__ import annotations

from sim.tripplite_sims import SimUnit, SmartOnlineUps

__all__ = ["F6C1500", "F6C625", "BelkinUps"]

F6C625 = SimUnit("f6c625", {
    "MNU": "BELKIN", "MOD": "F6C625-220V", "VER": "000",
    "RAT": "230;50;625;400;12;7;0;187;280;0", "STA": "0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;1",
    "STB": "0;0;0;0;0;0;130;0;50;86", "STI": "1;501;2400", "STO": "1;500;0;2410;0;0;50",
    "TSR": "1"},
    on_battery={"STA": "0;1;0;0;0;0;0;0;0;0;0;0;0;0;0;1", "STB": "0;0;0;0;0;0;124;0;50;64",
                "STI": "1;0;0", "TSR": "2"},
    low_battery={"STA": "0;1;0;0;0;0;0;0;0;0;0;0;0;0;0;1", "STB": "0;0;0;0;0;0;112;0;50;15",
                 "STI": "1;0;0"})
F6C1500 = SimUnit("f6c1500", {
    "MNU": "BELKIN", "MOD": "F6C1500-TW-RK", "VER": "001",
    "RAT": "120;60;1500;1000;24;5;0;100;135;0;" + "0" * 25,
    "STA": "0;0;0;0;0;0;0;0", "STB": "0;0;0;0;0;0;272;0;0;100", "STI": "1;599;1189",
    "STO": "1;599;0;1195;0;0;17", "TSR": "0"},
    on_battery={"STA": "0;1;0;0;0;0;0;0", "STI": "1;0;0"},
    low_battery={"STA": "0;1;0;0;0;1;0;0", "STB": "0;1;0;0;0;0;230;0;0;40", "STI": "1;0;0"})


class BelkinUps(SmartOnlineUps):
    """A Belkin unit (see the module comment)."""

    def kept(self) -> dict[str, str]:
        return {}

    def answer(self, request: bytes) -> bytes:
        self.received.append(request)
        if request[3:4] == b"S":
            return b""
        data = self.answers.get(request[7:10].decode("latin-1"))
        if data is None:
            return b"~00R000"
        if request[7:10] == b"RAT" and self.answers["VER"] == "001":
            return b"~00D053" + data.encode("latin-1")[:50]
        return b"~00D" + f"{len(data):03d}{data}".encode("latin-1")
