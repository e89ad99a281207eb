"""A CyberPower UPS on a pseudo-terminal, text or binary protocol, shaped after the dumps.

The unit hears requests ended by CR, at its own speed only (text 2400,
binary 1200), as NUT 2.8.0's powerpanel talks to it. Text: ``P1``-``P4``
and ``P6``-``P8`` answer from ``replies``, ``D`` the 35- or 58-byte
status, any other request "#0" (done). Binary: ``F`` answers its line,
``D`` 14 status bytes (flag pairs summing to 255), ``R<code>`` the step of
a setting, ``Q<code><step>`` changes one and echoes, any other request is
echoed (done). ``received`` keeps each request (CR cut); :meth:`commands`
those that are no reads. ``mode`` = "normal" | "silent" | "garbage"
(status flags that do not add up, a text status that does not parse).
Tests move the unit with :meth:`on_battery`, :meth:`low_battery`,
:meth:`on_line`, :meth:`boost`.

The values come from the dumps in ../shared/data/ddl/ (B-Box BP 1000 and
OP1250 text units, a CPS1500AVR "OP1500" and a PR3000E binary unit).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sim.linespeed import heard
from sim.pty import PtyPair, serving

__all__ = [
    "BBOX_1000",
    "OP1250",
    "OP1500",
    "PR2200",
    "PowerpanelUps",
    "PpProfile",
    "powerpanel_sim",
]

READS = (b"P1", b"P2", b"P3", b"P4", b"P5", b"P6", b"P7", b"P8", b"P9", b"D", b"F", b"")


@dataclass(frozen=True)
class PpProfile:
    """One unit: its protocol, fixed answers, settings (binary: code -> step byte), meters
    (input, output volts, load, charge, temperature, frequency; raw bytes for binary)
    and status flags on line."""

    protocol: str
    replies: dict[bytes, bytes]
    meters: tuple[float, ...]
    flags: int
    settings: dict[int, int] = field(default_factory=dict)
    long_status: bool = False  # text: the 58-byte status with battery voltage and runtime

    @property
    def baud(self) -> int:
        return 2400 if self.protocol == "text" else 1200


BBOX_1000 = PpProfile("text", {
    b"P4": b"#1000VA     ,2.107,000000000000,CYBER POWER    ",
    b"P3": b"#12.0,002,007.0,00", b"P2": b"#1000,0700,230,47,63", b"P1": b"#230,272,180,20",
    b"P6": b"#263,267,272,276", b"P7": b"#165,170,175,180", b"P8": b"#20,25,30,35"},
    meters=(211.0, 211.0, 16, 100, 43, 49.9), flags=0x10)
#: a text unit with the long status (battery voltage, runtime) and no P1 or P8
OP1250 = PpProfile("text", {
    b"P4": b"#1250VA     ,2.202,000000000000,CYBER POWER    ",
    b"P3": b"#12.0,002,007.0,00", b"P2": b"#1250,0700,120,47,63"},
    meters=(119.0, 119.0, 0, 100, 39, 60.0), flags=0x10, long_status=True)
#: binary, OP series: NUT's approximations (raw bytes here)
OP1500 = PpProfile("binary", {b"F": b".OP1500    .x.<.5100"},
                   meters=(130, 130, 28, 197, 172, 177), flags=0x01,
                   settings={0x02: 0, 0x04: 0, 0x08: 0, 0x0F: 2, 0x18: 0})
#: binary, PR series; its transfer points answer steps NUT cannot match (not offered)
PR2200 = PpProfile("binary", {b"F": b".PR2200    .x.<.1100"},
                   meters=(121, 121, 24, 100, 36, 150), flags=0x01,
                   settings={0x02: 0xFE, 0x04: 0x03, 0x08: 0, 0x0F: 2, 0x18: 0})


@dataclass
class PowerpanelUps:
    """The unit (see the module comment)."""

    profile: PpProfile
    mode: str = "normal"
    meters: list[float] = field(default_factory=list)
    flags: int = 0
    settings: dict[int, int] = field(default_factory=dict)
    received: list[bytes] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.on_line()
        self.settings = dict(self.profile.settings)

    def commands(self) -> list[bytes]:
        return [r for r in self.received if r not in READS and not r.startswith(b"R")]

    # -- what tests call --------------------------------------------------------

    def on_line(self) -> None:
        self.meters, self.flags = list(self.profile.meters), self.profile.flags

    def on_battery(self) -> None:
        self.on_line()
        self.meters[0] = 0
        self.flags |= 0x40 if self.profile.protocol == "text" else 0x80

    def low_battery(self) -> None:
        self.on_battery()
        self.flags |= 0x20 if self.profile.protocol == "text" else 0x40
        self.meters[3] = 20 if self.profile.protocol == "text" else 160

    def boost(self) -> None:
        """A low input raised by the AVR: the output 20 % above the input."""
        self.on_line()
        self.meters[0] = round(self.meters[1] / 1.2)

    # -- the line ---------------------------------------------------------------------

    def status(self) -> bytes:
        m, flags = self.meters, self.flags
        if self.profile.protocol == "binary":
            pair = (0x10 if self.mode == "garbage" else 0xFF) - flags
            return bytes([0x23, int(m[0]), int(m[1]), int(m[2]), 0, int(m[3]), int(m[4]),
                          int(m[5]), 0, flags, pair & 0xFF, 0x0F, 0xF0, 0x0D])
        head = f"#I{m[0]:05.1f}O{m[1]:05.1f}L{int(m[2]):03d}B{int(m[3]):03d}"
        if self.profile.long_status:
            text = f"{head}V27.1T{int(m[4]):03d}F{m[5]:05.1f}H{m[5]:05.1f}R045C00Q00.0S"
        else:
            text = f"{head}T{int(m[4]):03d}F{m[5]:05.1f}S"
        if self.mode == "garbage":
            text = text.replace("O", "X")
        body = text.encode() + bytes([flags, 0x30]) + b"\r"
        assert len(body) == (58 if self.profile.long_status else 35), body
        return body

    def answer(self, request: bytes) -> bytes:
        if self.mode == "silent" or request == b"":
            return b""
        if request == b"D":
            return self.status()
        if request in self.profile.replies:
            return self.profile.replies[request] + b"\r"
        if self.profile.protocol == "text":
            return b"" if request.startswith((b"P", b"F")) else b"#0\r"
        if request[:1] == b"R" and len(request) == 2:
            return b"" if request[1] not in self.settings else b"#" + bytes([self.settings[request[1]]])
        if request[:1] == b"Q" and len(request) == 3:
            self.settings[request[1]] = request[2]
        return request

    async def serve(self, pty: PtyPair) -> None:
        """Answer CR-ended requests at the unit's speed until cancelled."""
        pending = b""
        async for chunk in heard(pty, self.profile.baud, self.raw):
            if chunk is None:
                pending = b""
                continue
            pending += chunk
            while b"\r" in pending:
                request, pending = pending.split(b"\r", 1)
                self.received.append(request)
                reply = self.answer(request)
                if reply:
                    await pty.master.send_all(reply)


def powerpanel_sim(profile: PpProfile, **kw: object) -> AbstractAsyncContextManager[tuple[PowerpanelUps, str]]:
    """A running simulator of ``profile`` and the tty path a driver opens."""
    return serving(PowerpanelUps(profile, **kw))  # type: ignore[arg-type]
