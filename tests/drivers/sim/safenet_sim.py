"""A SafeNet-protocol UPS on a pseudo-terminal, shaped after the safenet dumps.

The unit hears 12-letter requests ending in CR at 1200 baud and answers each
one it knows with its status line: ``$``, ten letters A/B (NUT's flag order:
on battery, -, battery low, overload, -, silenced, battery bad, self-test
failed, test running, -), CR. It knows the initialising request, status
requests of the right shape (letters A-J and one ``L`` where the second
letter puts it; others go unanswered, as the SafeNet software's units
check them), the test and beeper requests and both shutdowns. ``received``
keeps every request; :meth:`commands` all but the status requests. ``mode``
= "normal" | "silent" | "garbage" (a letter that is neither A nor B) |
"partial" (half a line, no CR).

The dumps (../shared/data/ddl/: an Elsist unit, a Fenton PowerPal P600E) show
a unit on line with nothing else set; the manufacturer, model and serial
number come from ups.conf. Tests move the unit with :meth:`on_battery`,
:meth:`low_battery`, :meth:`on_line`, :meth:`set`.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sim.linespeed import heard
from sim.pty import PtyPair, serving

from nutrio.protocol.devices import safenet as sn

__all__ = ["SafenetUps", "safenet_sim"]


def _digits(part: str) -> bool:
    return all("A" <= ch <= "J" for ch in part)


def _is_shutdown(request: bytes) -> bool:
    """ZBASdddWLPGE or ZAFdddRddddO with digits written A-J."""
    text = request.decode("latin-1")
    if len(text) != 13:
        return False
    if text.startswith("ZBAS") and text[7:] == "WLPGE\r":
        return _digits(text[4:7])
    return text.startswith("ZAF") and text[6] == "R" and text[11:] == "O\r" and _digits(
        text[3:6] + text[7:11])


@dataclass
class SafenetUps:
    """The unit (see the module comment); ``flags`` may be changed freely between polls."""

    mode: str = "normal"
    flags: set[str] = field(default_factory=set)
    received: list[bytes] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)
    baud: int = 1200

    def commands(self) -> list[bytes]:
        return [request for request in self.received if not sn.is_status_request(request)]

    # -- what tests call --------------------------------------------------------

    def on_line(self) -> None:
        self.flags.clear()

    def on_battery(self) -> None:
        self.flags = {"onbattery"}

    def low_battery(self) -> None:
        self.flags = {"onbattery", "batterylow"}

    def set(self, *flags: str) -> None:
        """Exactly these flags (NUT's names, protocol/devices/safenet.FLAGS)."""
        assert set(flags) <= set(sn.FLAGS), flags
        self.flags = set(flags)

    # -- the line ---------------------------------------------------------------------

    def status_line(self) -> bytes:
        letters = "".join("B" if flag in self.flags else "A" for flag in sn.FLAGS)
        line = f"${letters}\r".encode()
        if self.mode == "garbage":
            return line[:4] + b"X" + line[5:]
        return line[:6] if self.mode == "partial" else line

    async def serve(self, pty: PtyPair) -> None:
        """Answer requests at the unit's speed until cancelled."""
        pending = b""
        async for chunk in heard(pty, self.baud, self.raw):
            if chunk is None:
                pending = b""
                continue
            pending += chunk
            while b"\r" in pending:
                request, pending = pending.split(b"\r", 1)
                if self._act(request + b"\r") and self.mode != "silent":
                    await pty.master.send_all(self.status_line())

    def _act(self, request: bytes) -> bool:
        """What the unit makes of a request; whether it answers."""
        self.received.append(request)
        if request == sn.BATTERY_TEST:
            self.flags.add("systemtest")
        elif request == sn.MAINS_TEST:
            self.flags |= {"systemtest", "onbattery"}
        elif request == sn.STOP_TEST:
            self.flags -= {"systemtest", "onbattery"} if "systemtest" in self.flags else set()
        elif request == sn.TOGGLE_BEEP:
            self.flags ^= {"silenced"}
        elif not (request == sn.INITIALIZE or sn.is_status_request(request)
                  or _is_shutdown(request)):
            return False
        return True


def safenet_sim(**kw: object) -> AbstractAsyncContextManager[tuple[SafenetUps, str]]:
    """A running simulator and the tty path a driver opens."""
    return serving(SafenetUps(**kw))  # type: ignore[arg-type]
