"""Contact-closure UPSes on a pty and the modem lab (tests/drivers/sim/modemlab.py).

A :class:`ContactUps` closes the contacts its cable wires to the port's input lines:
for a genericups cable (a row of protocol/devices/contact/cables.py) its on-line,
low-battery, replace-battery and bypass states set the lines the row names; for
Liebert's MultiLink cable (``cable=None``) on battery joins TX to RX (each byte the
driver sends comes back) and low battery raises DCD. ``noise`` makes the MultiLink unit
answer a probe with other bytes (a noisy line). ``received`` keeps the bytes the driver
sent. Shaped after the dumps: Apollo 1000F (type 4), MicroDowell B-Box LP 500 and Sweex
1000VA (type 7, CyberPower Power99), Liebert GXT3 and PowerSure PSA 500 (MultiLink):
all on line, as the dumps show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.modemlab import ModemLine
from sim.pty import PtyPair

from nutrio.protocol.devices.contact import CAR, CableType, Signal

__all__ = ["ContactUps"]


def _level(bits: int, signal: Signal, holds: bool) -> int:
    """``bits`` with the signal's lines set so that it holds (or does not)."""
    if not signal.line:
        return bits
    wanted = signal.value if holds else signal.line & ~signal.value
    return (bits & ~signal.line) | wanted


@dataclass
class ContactUps:
    """One unit (see the module comment); change it with :meth:`show`."""

    cable: CableType | None
    line: ModemLine | None = None
    online: bool = True
    lowbatt: bool = False
    replace: bool = False
    bypass: bool = False
    noise: bytes = b""
    received: bytearray = field(default_factory=bytearray)

    def commands(self) -> list[bytes]:
        return []  # no instant commands on a contact-closure cable

    def attach(self, line: ModemLine) -> None:
        self.line = line
        self._write()

    def show(self, **state: bool) -> None:
        """Change the UPS's state (online, lowbatt, replace, bypass) and its lines."""
        for name, value in state.items():
            setattr(self, name, value)
        self._write()

    def _write(self) -> None:
        if self.line is None:
            return
        if self.cable is None:
            self.line.inputs = CAR if self.lowbatt else 0
            return
        bits = 0
        for signal, holds in ((self.cable.online, self.online),
                              (self.cable.lowbatt, self.lowbatt),
                              (self.cable.replace, self.replace),
                              (self.cable.bypass, self.bypass)):
            bits = _level(bits, signal, holds)
        self.line.inputs = bits

    async def serve(self, pty: PtyPair) -> None:
        """Read what the driver sends; on battery the MultiLink cable sends it back."""
        while chunk := await pty.master.receive_some(256):
            self.received += chunk
            if self.cable is None and self.noise:
                await pty.master.send_all(self.noise)
            elif self.cable is None and not self.online:
                await pty.master.send_all(chunk)
