"""A Masterguard unit on a pseudo-terminal, shaped after the masterguard dump and NUT's source.

The unit hears requests ending in CR at 2400 baud: "Q1" (46 characters
back), "Q3" (70, for the units that know it), "WH" (who am I: 112
characters, 53 in the old form, "NAK", or nothing), "S.2R0001" (shut down)
and "C" (cancel), which it does not answer. ``received`` keeps each request
(CR gone); :meth:`commands` all but the three questions. ``mode`` =
"normal" | "silent" | "garbage" (a line of the wrong length) | "partial"
(half a line, no CR). Tests move the unit with :meth:`on_battery`,
:meth:`low_battery`, :meth:`on_line`, :meth:`boost`.

VI_1000's readings are those of the dump (a PowerWalker VI 1000 read by
masterguard: ../shared/data/ddl/PowerWalker__PowerWalker__Line-Interactive_VI_1000__masterguard__2.1.0__03.dev;
no name or firmware: its "WH" goes unanswered). No dump shows a Q3 unit or a
"WH" reply: A_3000, E_60 and GENERIC follow the lengths and offsets NUT's
masterguard.c expects.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace

from sim.linespeed import heard
from sim.pty import PtyPair, serving

__all__ = ["A_3000", "E_60", "GENERIC", "VI_1000", "MgProfile", "MgReadings", "MgUps",
           "masterguard_sim"]

QUESTIONS = frozenset({"Q1", "Q3", "WH"})


@dataclass(frozen=True)
class MgReadings:
    """What the unit measures (text as it writes it) and its flags."""

    vin: str = "225.8"
    vfault: str = "225.8"
    vout: str = "225.8"
    load: str = "016"
    freq: str = "49.9"
    batt: str = "26.0"
    temp: str = "25.0"
    current: str = "003.1"
    runtime: str = "0045"
    charge: str = "100"
    flags: str = "00001001"


@dataclass(frozen=True)
class MgProfile:
    """One unit: whether it knows Q3, its "WH" reply (None: silence), its readings."""

    q3: bool
    wh: str | None
    readings: MgReadings = MgReadings()
    baud: int = 2400


def _wh(firmware: str, name: str) -> str:
    """A 112-character WH: the firmware at 4, the name at 16 (30 characters)."""
    return f"(01 {firmware:<5}       {name:<30}".ljust(112, "0")


VI_1000 = MgProfile(q3=False, wh=None)
A_3000 = MgProfile(q3=True, wh=_wh("V3.12", "A 3000 19"),
                   readings=MgReadings(vin="230.4", vfault="230.1", vout="229.9", load="031",
                                       freq="50.0", batt="2.27", temp="31.5"))
#: the old WH: 4 characters of firmware, then 12 of name
E_60 = MgProfile(q3=True, wh="V1.0E 60 kVA    ".ljust(53, " "))
GENERIC = MgProfile(q3=False, wh="NAK")


def q1_line(r: MgReadings) -> str:
    return f"({r.vin} {r.vfault} {r.vout} {r.load} {r.freq} {r.batt} {r.temp} {r.flags}"


def q3_line(r: MgReadings) -> str:
    return (f"(#01 {r.vin} {r.vfault} {r.vout} {r.current} {r.freq} {r.batt} {r.temp} "
            f"{r.runtime} {r.charge} {r.flags} 00000000")


@dataclass
class MgUps:
    """The unit (see the module comment); ``readings`` may be changed freely."""

    profile: MgProfile
    mode: str = "normal"
    readings: MgReadings = field(default_factory=MgReadings)
    received: list[str] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.readings = self.profile.readings

    def commands(self) -> list[str]:
        return [r for r in self.received if r not in QUESTIONS]

    # -- what tests call --------------------------------------------------------

    def on_battery(self) -> None:
        self.readings = replace(self.profile.readings, vin="000.0", freq="00.0",
                                flags="10001001", charge="080", runtime="0031")

    def low_battery(self) -> None:
        self.readings = replace(self.profile.readings, vin="000.0", freq="00.0",
                                flags="11001001", charge="015", runtime="0004")

    def on_line(self) -> None:
        self.readings = self.profile.readings

    def boost(self) -> None:
        self.readings = replace(self.profile.readings, vin="196.2", flags="00101001")

    # -- the line ---------------------------------------------------------------------

    def answer(self, request: str) -> str | None:
        if request == "Q1":
            return q1_line(self.readings)
        if request == "Q3" and self.profile.q3:
            return q3_line(self.readings)
        return self.profile.wh if request == "WH" else None

    def _sent(self, line: str) -> bytes:
        if self.mode == "silent":
            return b""
        if self.mode == "garbage":
            return line[: len(line) - 3].encode() + b"\r"
        if self.mode == "partial":
            return line[: len(line) // 2].encode()
        return line.encode() + b"\r"

    async def serve(self, pty: PtyPair) -> None:
        """Answer requests at the unit's speed until cancelled."""
        pending = b""
        async for chunk in heard(pty, self.profile.baud, self.raw):
            if chunk is None:
                pending = b""
                continue
            pending += chunk
            while b"\r" in pending:
                request, pending = pending.split(b"\r", 1)
                self.received.append(request.decode("latin-1"))
                line = self.answer(self.received[-1])
                if line is not None and (reply := self._sent(line)):
                    await pty.master.send_all(reply)


def masterguard_sim(profile: MgProfile, **kw: object) -> AbstractAsyncContextManager[tuple[MgUps, str]]:
    """A running simulator of ``profile`` and the tty path a driver opens."""
    return serving(MgUps(profile, **kw))  # type: ignore[arg-type]
