"""A SEC-protocol UPS on a pseudo-terminal, shaped after the gamatronic dumps (an NHS
Expert C Online 8000, "EXPERT GIII  8kVA", once on line and once on battery).

The unit talks at one speed (``baud``; at any other it hears noise and stays
silent, so the driver's speed search has to find it). It reads requests by
their length field (they have no line end): a poll of a command it knows is
answered ``^D`` + length + the command's fields + CR, a poll of another
``^0``; a set of a known command is taken (``^1``) and kept. Its variable
list (AP1, AP2) names the single-phase variables the dumps show and the
status and alarm ones. ``received`` keeps every request (bytes);
:meth:`commands` the sets. ``mode`` = "normal" | "silent" | "garbage" (a
line that is no reply) | "refuse" (``^0`` to everything). Tests change the
unit through ``fields`` (command -> list of field texts) or the helpers.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sim.linespeed import heard
from sim.pty import PtyPair, serving

__all__ = ["NHS_AP1", "NHS_AP2", "SecUps", "nhs_on_line", "sec_sim"]

#: the variable numbers of the NHS unit: alarms, battery, input and output, nominal
#: values, identity (AP1 the first part, AP2 the rest)
NHS_AP1 = ",".join(str(n) for n in (*range(1, 25), 28, 29, 33, 36, 37, 38, 39))
NHS_AP2 = ",".join(str(n) for n in (40, 43, 46, 47, 48, 51, *range(54, 66), 68, 69, 72, 73, 76,
                                    77, *range(80, 90)))


def nhs_on_line() -> dict[str, list[str]]:
    """The second dump's unit: on line, battery full (fields as the unit sends them)."""
    return {
        "ST1": ["0", "0", "100", "00000", "999", "100", "2105", "0006", "29"],
        "ST2": ["000", "1", "601", "2170", "0000", "00000"],
        "ST3": ["0", "601", "1", "1208", "0000", "00000", "000"],
        "ST4": ["600", "1", "2170", "0000", "00000"],
        "ST5": ["0"] * 15,
        "NOM": ["220", "600", "120", "600", "08000", "06400", "05", "1", "165", "265",
                "01012014", "00060"],
        "ATR": ["1"], "SDA": ["1"], "UBR": ["9600"], "STR": ["0", "passed"],
        "MAN": ["NHS Sistemas de Energia"], "MOD": ["EXPERT GIII  8kVA"],
        "VER": ["EXOL(02).21"], "UID": ["92C08623BD6513AF"],
    }


#: what a set command may carry
_SETTABLE = frozenset({"PSD", "ATR", "SDA", "STD", "RWD", "TST", "UBR"})


@dataclass
class SecUps:
    """The unit (see the module comment)."""

    baud: int = 9600
    mode: str = "normal"
    fields: dict[str, list[str]] = field(default_factory=nhs_on_line)
    ap1: str = NHS_AP1
    ap2: str = NHS_AP2
    received: list[bytes] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)

    def commands(self) -> list[bytes]:
        return [request for request in self.received if request[1:2] == b"S"]

    # -- what tests call --------------------------------------------------------

    def put(self, command: str, index: int, text: str) -> None:
        """Field ``index`` (from 1) of ``command``'s answer."""
        self.fields[command][index - 1] = text

    def on_battery(self) -> None:
        """The first dump: input gone (Input Bad), 687 s on battery, 63 min left."""
        self.on_line()
        for command, index, text in (("ST3", 1, "1"), ("ST5", 2, "1"), ("ST2", 3, "000"),
                                     ("ST2", 4, "0000"), ("ST1", 4, "00687"),
                                     ("ST1", 5, "063"), ("ST1", 6, "087"),
                                     ("ST1", 7, "1989"), ("ST1", 8, "0000"),
                                     ("ST3", 2, "600"), ("ST3", 4, "1209")):
            self.put(command, index, text)

    def low_battery(self) -> None:
        self.on_battery()
        self.put("ST1", 2, "1")
        self.put("ST5", 14, "1")  # Shutdown Pending

    def on_line(self) -> None:
        self.fields = nhs_on_line()

    # -- the line ---------------------------------------------------------------------

    def answer(self, mode: str, command: str) -> bytes:
        if self.mode == "garbage":
            return b"#D003ABC\r"
        if self.mode == "refuse":
            return b"^0\r"
        if mode == "S":
            return b"^1\r" if command in _SETTABLE else b"^0\r"
        lists = {"AP1": self.ap1, "AP2": self.ap2}
        text = lists.get(command)
        if text is None and command in self.fields:
            text = ",".join(self.fields[command])
        if text is None:
            return b"^0\r"
        return f"^D{len(text):03d}{text}\r".encode("latin-1")

    async def serve(self, pty: PtyPair) -> None:
        """Answer requests at the unit's speed until cancelled."""
        pending = b""
        async for chunk in heard(pty, self.baud, self.raw):
            pending = b"" if chunk is None else pending + chunk
            while pending:
                if pending[:1] != b"^" or (len(pending) >= 5 and not pending[2:5].isdigit()):
                    pending = pending[1:]  # out of step: wait for the next request's start
                    continue
                if len(pending) < 5 or len(pending) < 5 + int(pending[2:5]):
                    break
                size = 5 + int(pending[2:5])
                request, pending = pending[:size], pending[size:]
                self.received.append(request)
                if self.mode != "silent":
                    text = request.decode("latin-1")
                    await pty.master.send_all(self.answer(text[1], text[5:8]))


def sec_sim(**kw: object) -> AbstractAsyncContextManager[tuple[SecUps, str]]:
    """A running simulator and the tty path a driver opens."""
    return serving(SecUps(**kw))  # type: ignore[arg-type]
