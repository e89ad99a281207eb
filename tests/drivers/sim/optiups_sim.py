"""An OPTI-UPS (or an ONLINE USV Zinto D) on a pseudo-terminal, shaped after the optiups dump.

The unit hears two-letter requests at 2400 baud ("AG", "BV"), some with an
argument ("Ct1", "Cs00000080", "Oi11"); a Zinto D gets CR LF after each. It
answers each with a line ending in CR LF: a value, ^F (0x06) for a command
it carried out, ^U (0x15) for a request it does not know. A Zinto D that is
off answers "AG" with a lone "2" and nothing else, until "Cu" switches it
on. ``received`` keeps each request; :meth:`commands` those that act.
``mode`` = "normal" | "silent" | "garbage" (lines without LF, then noise) |
"partial" (half a line, no LF). Tests move the unit with :meth:`on_battery`,
:meth:`low_battery`, :meth:`on_line`, :meth:`turn_off`.

PS_1440RM's values are those of the PS-1440RM dump (../shared/data/ddl/,
OptiUPS__OptiUPS__PS-1440RM__optiups__2.8.0.1__01.dev); OPTI_420E's and
ZINTO_D's come from the replies NUT's optiups.c lists in its comments (no
dump has them).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sim.linespeed import heard
from sim.pty import PtyPair, serving

__all__ = ["OPTI_420E", "PS_1440RM", "QUERIES", "ZINTO_D", "OptiProfile", "OptiUps", "optiups_sim"]

ACK, NAK = b"\x06", b"\x15"
QUERIES = frozenset({"AG", "IM", "IZ", "IS", "IO", "NV", "OL", "OV", "FF", "BT", "OF", "NF",
                     "BV"})
ACTIONS = frozenset({"Ts", "Ct", "Cs", "Cu", "Oi", "Om", "ON"})
UNKNOWN = None  # a value the unit answers ^U to


@dataclass(frozen=True)
class OptiProfile:
    """One unit: its replies on line (None: ^U; "": an empty line) and its kind."""

    replies: Mapping[str, str | None]
    zinto: bool = False
    baud: int = 2400


#: the dump's PS-1440RM (a 24 V unit: 27.0 V reads 100 %), no serial number
PS_1440RM = OptiProfile({"AG": "00", "IM": "OPTI-UPS", "IZ": "", "IS": "V2.2B1",
                         "IO": "PS-1440RM", "NV": "242.0", "OL": "044", "OV": "242.0",
                         "FF": "500", "BT": "037", "BV": "270"})
#: the OPTI SAFE 420E NUT's source describes: no serial, no temperature
OPTI_420E = OptiProfile({"AG": "00", "IM": "ViewSonic", "IZ": UNKNOWN, "IS": "V1.2B",
                         "IO": "UPS-420E", "NV": "116", "OL": "027", "OV": "118", "FF": "600",
                         "BT": UNKNOWN, "BV": "0136"})
#: a Zinto D: voltages in units of 2 V, both frequencies
ZINTO_D = OptiProfile({"AG": "00", "IM": "ONLINE", "IZ": "0815-4711", "IS": "V2.04",
                       "IO": "D 1000", "NV": "115", "OL": "031", "OV": "114", "NF": "499",
                       "OF": "500", "BT": "29", "BV": "128", "FF": UNKNOWN}, zinto=True)


def request_size(data: bytes) -> int | None:
    """How many bytes the first request takes (None: more must come first)."""
    if data[:1] in (b"\r", b"\n"):
        return 1  # a Zinto D's CR LF ends the request before
    if len(data) < 2:
        return None
    head = data[:2]
    if head == b"Ct":
        return 3 if len(data) >= 3 else None
    if head in (b"Oi", b"Om"):
        return 4 if len(data) >= 4 else None
    if head in (b"Cs", b"Cu"):  # 8 characters (an OPTI-UPS), 7 (a Zinto D), or fewer and more
        body = data[2:10]
        count = len(body) - len(body.lstrip(b"-0123456789"))
        return 2 + count if count == 8 or len(data) > 2 + count else None
    return 2


@dataclass
class OptiUps:
    """The unit (see the module comment); ``values`` may be changed freely between polls."""

    profile: OptiProfile
    mode: str = "normal"
    off: bool = False
    values: dict[str, str | None] = field(default_factory=dict)
    received: list[str] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.values = dict(self.profile.replies)

    def commands(self) -> list[str]:
        return [r for r in self.received if r[:2] in ACTIONS]

    # -- what tests call --------------------------------------------------------

    def on_battery(self) -> None:
        self.on_line()
        self.values.update(AG="20", NV="0", FF="0", BV=self._bv(-12))

    def low_battery(self) -> None:
        self.on_battery()
        self.values.update(AG="60", BV=self._bv(-25))

    def on_line(self) -> None:
        self.values = dict(self.profile.replies)
        self.off = False

    def overload(self) -> None:
        self.on_line()
        self.values.update(AG="1A", OL="112")  # overload, replace battery, output off

    def turn_off(self) -> None:
        self.off = True

    def _bv(self, tenths: int) -> str:
        return str(int(self.profile.replies["BV"] or "0") + tenths).zfill(3)

    # -- the line ---------------------------------------------------------------------

    def answer(self, request: str) -> bytes:
        if self.off:
            if request.startswith("Cu"):
                self.off = False
            return b"2" if request == "AG" else b""
        if request[:2] in ACTIONS:
            line = ACK
        else:
            value = self.values.get(request, UNKNOWN)
            line = NAK if value is None else value.encode()
        if self.mode == "silent":
            return b""
        if self.mode == "garbage":
            return line.swapcase() + b"\x8f\r"
        return line[: len(line) // 2] if self.mode == "partial" else line + b"\r\n"

    async def serve(self, pty: PtyPair) -> None:
        """Answer requests at the unit's speed until cancelled."""
        pending = b""
        async for chunk in heard(pty, self.profile.baud, self.raw):
            if chunk is None:
                pending = b""
                continue
            pending += chunk
            while pending and (size := request_size(pending)) is not None:
                request, pending = pending[:size].decode("latin-1"), pending[size:]
                if request in ("\r", "\n"):
                    continue
                self.received.append(request)
                reply = self.answer(request)
                if reply:
                    await pty.master.send_all(reply)


def optiups_sim(profile: OptiProfile, **kw: object) -> AbstractAsyncContextManager[tuple[OptiUps, str]]:
    """A running simulator of ``profile`` and the tty path a driver opens."""
    return serving(OptiUps(profile, **kw))  # type: ignore[arg-type]
