"""The closed message set across the root shutdown pipe (upsmon's runparent).

The unprivileged monitor can say exactly one thing to the root helper:
"run the configured SHUTDOWNCMD now", one byte :data:`RUN_SHUTDOWN`. upsmon
sends byte 1 and its parent calls ``fatalx`` on anything else; we use a
printable byte so logs show it, and refuse everything else the same way.
End of file means the monitor died: the helper leaves without shutting down.

:class:`PipeDecoder` turns the bytes the helper reads into one verdict; the
first byte decides, so nothing after it can change the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "RUN_SHUTDOWN",
    "SDMAGIC",
    "ParentGone",
    "PipeDecoder",
    "Refused",
    "RunShutdown",
    "Verdict",
    "decode",
    "flag_file_is_ours",
]

#: The only request: run SHUTDOWNCMD once.
RUN_SHUTDOWN = b"S"
#: What upsmon writes into POWERDOWNFLAG (upsmon.h SDMAGIC); only a file
#: starting with it is ever removed or trusted.
SDMAGIC = "upsmon-shutdown-file"


@dataclass(frozen=True, slots=True)
class RunShutdown:
    """The monitor asked for the shutdown."""


@dataclass(frozen=True, slots=True)
class ParentGone:
    """The pipe reached end of file: the monitor process is gone."""


@dataclass(frozen=True, slots=True)
class Refused:
    """Anything else; ``data`` is what arrived (for the log)."""

    data: bytes


Verdict = RunShutdown | ParentGone | Refused


def decode(chunk: bytes) -> Verdict:
    """The verdict for the first bytes read from the pipe (b"" is end of file)."""
    if not chunk:
        return ParentGone()
    if chunk[:1] == RUN_SHUTDOWN:
        return RunShutdown()
    return Refused(chunk[:64])


class PipeDecoder:
    """Reads the pipe until the first verdict, then ignores everything.

    ``feed(b"")`` is end of file. Returns None only while nothing arrived.
    """

    def __init__(self) -> None:
        self.verdict: Verdict | None = None

    def feed(self, chunk: bytes) -> Verdict:
        if self.verdict is None:
            self.verdict = decode(chunk)
        return self.verdict


def flag_file_is_ours(content: str) -> bool:
    """A POWERDOWNFLAG written by upsmon starts with :data:`SDMAGIC` (pdflag_status)."""
    return content.startswith(SDMAGIC)
