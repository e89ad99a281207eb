"""An IVT solar charge controller on a pseudo-terminal, shaped after the ivtscd dump
(a 12 V battery discharging at 1.9 A, 16 degrees).

The controller hears single letters at 1200 baud: ``F`` asks for its line
(``R:`` and seven numbers, each ended by ``;``, written as its manual shows:
decimal commas, voltages with two decimals, currents with one in four
places after a minus when negative; CR LF at the end), ``L`` resets
the minimum and maximum to the present values. ``received`` keeps each
letter; :meth:`commands` all but ``F``. ``mode`` = "normal" | "silent" |
"garbage" (a second number that is none) | "partial" (no line end).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sim.linespeed import heard
from sim.pty import PtyPair, serving

__all__ = ["IvtUnit", "ivt_sim"]


def _volts(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _amps(value: float) -> str:
    """As the manual's "- 1,1" and " 1,5": a minus only when negative, then four places."""
    return ("-" if value < 0 else "") + f"{abs(value):4.1f}".replace(".", ",")


@dataclass
class IvtUnit:
    """The controller (see the module comment); the values may change freely."""

    mode: str = "normal"
    voltage: float = 12.10
    current: float = -1.9
    temperature: int = 16
    voltage_min: float = 11.84
    voltage_max: float = 14.02
    current_min: float = -2.4
    current_max: float = 2.2
    received: list[bytes] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)

    def commands(self) -> list[bytes]:
        return [letter for letter in self.received if letter != b"F"]

    def charging(self, amps: float = 1.5) -> None:
        self.current = amps
        self.current_max = max(self.current_max, amps)

    def discharging(self, volts: float, amps: float = -1.9) -> None:
        self.voltage, self.current = volts, amps
        self.voltage_min = min(self.voltage_min, volts)
        self.current_min = min(self.current_min, amps)

    def line(self) -> bytes:
        numbers = [_volts(self.voltage), _amps(self.current), str(self.temperature),
                   _volts(self.voltage_min), _volts(self.voltage_max),
                   _amps(self.current_min), _amps(self.current_max)]
        if self.mode == "garbage":
            numbers[1] = "--"
        text = "R:" + "".join(f"{n};" for n in numbers)
        return text.encode() + (b"" if self.mode == "partial" else b"\r\n")

    async def serve(self, pty: PtyPair) -> None:
        """Answer at the controller's speed until cancelled."""
        async for chunk in heard(pty, 1200, self.raw):
            for letter in chunk or b"":
                self.received.append(bytes([letter]))
                if letter == ord("F") and self.mode != "silent":
                    await pty.master.send_all(self.line())
                elif letter == ord("L"):
                    self.voltage_min = self.voltage_max = self.voltage
                    self.current_min = self.current_max = self.current


def ivt_sim(**kw: object) -> AbstractAsyncContextManager[tuple[IvtUnit, str]]:
    """A running simulator and the tty path a driver opens."""
    return serving(IvtUnit(**kw))  # type: ignore[arg-type]
