"""MGE UPS SYSTEMS U-Talk units on a pseudo-terminal, for NUT 2.8.0's mge-utalk and nutrio's.

Requests end in CR LF; the unit answers each with one line ending in CR LF: its value,
``OK`` for a setting or a command it takes, ``?`` for what it does not know. ``Z`` and
``Ax 0``/``Ax 1`` (communication off and on) get no answer. A setting (``Bl 45``) changes
what the matching query (``Bl ?``) answers.

:data:`EXTREME700` follows MGE_UPS_SYSTEMS__..._Pulsar_EXtreme_700C__mge-utalk__2.0.1__01.dev
(multiplier table 1: hertz in tenths), :data:`EVOLUTION2200` the Pulsar Evolution 2200
dump (table 3: amperes in hundredths; its low battery said in the second ``Ls`` byte).
``received`` holds every request; ``commands()`` those that act or set.
"""

from __future__ import annotations

from sim.pty import PtyPair
from sim.tripplite_sims import SimUnit, StepSim

__all__ = ["EVOLUTION2200", "EXTREME700", "UtalkUps"]

#: requests that only read, or switch the line, and get nothing but a value
_READS = frozenset({"Z", "Si", "Si 1", "Ai", "Ss", "Bs", "Ls", "Ps", "Bl", "Bn", "Bv", "St",
                    "Ll", "Lv", "Lc", "Uv", "Uf", "Ax 0", "Ax 1"})
_SILENT = frozenset({"Z", "Ax 0", "Ax 1"})
#: what a unit does not have
_NONE = {"St": "?", "Eo ?": "?", "Ea ?": "?"}

EXTREME700 = SimUnit("extreme700", {
    "Si": "3000 51 16", "Si 1": "EXtreme 700C 16", "Ai": "1 1", "Ss": "00000000",
    "Bs": "01000000", "Ls": "00000000 00000000", "Ps": "00000000", "Bl": "100", "Bn": "768",
    "Bv": "27.3", "Bl ?": "30", "Bv ?": "24", "Ll": "52", "Sm ?": "60", "Sn ?": "40",
    "Bp ?": "10080", "Lv": "230.5", "Lc": "1.3", "Uv": "240.2", "Uf": "500", "Ee ?": "?",
    "Eu ?": "?", **_NONE},
    on_battery={"Ss": "00000100", "Bs": "10000000", "Uv": "0", "Bl": "80", "Bn": "600"},
    low_battery={"Ss": "00001100", "Bs": "10000000", "Uv": "0", "Bl": "25", "Bn": "120"})
EVOLUTION2200 = SimUnit("evolution2200", {
    "Si": "3000 51 20", "Si 1": "Evolutio 2200 20", "Ai": "2 3", "Ss": "00000000",
    "Bs": "00000000", "Ls": "00001000 00000000", "Ps": "00000000", "Bl": "100", "Bn": "1480",
    "Bv": "82.9", "Bl ?": "30", "Bv ?": "72", "Ll": "34", "Sm ?": "1", "Sn ?": "20",
    "Bp ?": "10080", "Lv": "112.8", "Lc": "470", "Uv": "113.7", "Uf": "600", "Ee ?": "102",
    "Eu ?": "132", **_NONE},
    on_battery={"Ss": "00000100", "Ls": "00000000 00000000", "Uv": "0", "Bl": "70"},
    low_battery={"Ss": "00000100", "Ls": "00000000 00000001", "Uv": "0", "Bl": "20"})


class UtalkUps(StepSim):
    """A U-Talk unit (see the module comment)."""

    def kept(self) -> dict[str, str]:
        return {k: v for k, v in self.answers.items() if k.endswith("?")}

    def commands(self) -> list[bytes]:
        return [r for r in self.received
                if r.decode().strip() not in _READS and not r.decode().strip().endswith("?")]

    def reply(self, request: str) -> str | None:
        if request in _SILENT:
            return None
        if request in self.answers:
            return self.answers[request]
        head, _, value = request.partition(" ")
        if value and f"{head} ?" in self.answers and self.answers[f"{head} ?"] != "?":
            self.answers[f"{head} ?"] = value
            return "OK"
        if head in ("Bx", "Sx", "Wy", "Wx", "Px"):
            return "OK"
        return "?"

    async def serve(self, pty: PtyPair) -> None:
        buffer = b""
        while chunk := await pty.master.receive_some(256):
            buffer += chunk
            while b"\r\n" in buffer:
                raw, buffer = buffer.split(b"\r\n", 1)
                self.received.append(raw)
                reply = self.reply(raw.decode("latin-1"))
                if reply is not None and not self.silent:
                    await pty.master.send_all(reply.encode("latin-1") + b"\r\n")
