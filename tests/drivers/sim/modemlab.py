"""The modem lab: serial modem-control lines for pseudo-terminals, the same for a real NUT
driver and for nutrio.

Why a preloaded library: a pty has no CTS, DCD, RI or DSR and no DTR or RTS anyone
could watch, and contact-closure drivers (genericups, liebert) read and set nothing
else. modem_lab.c wraps libc's ``ioctl`` and ``tcsendbreak`` in whatever process it is
preloaded into; for a descriptor open on a pty that has a state file here, the
modem-control requests (TIOCMGET/SET/BIS/BIC, breaks) are served from that file. A real
NUT driver calls them from C, nutrio from Python's fcntl/termios modules: both pass
through libc, so both see the same lines, and both leave the same record of what they
set. nutrio runs as a `nutrio run` or `nutrio drivers shutdown` subprocess for this
(a library preloaded into the test process itself would serve the whole test suite).

    lab = ModemLab(tmp_path)                 # the state files' folder
    line = lab.line(pty.path)                # one port's lines
    line.inputs = CTS                        # what the UPS shows
    env = lab.env()                          # LD_PRELOAD + NUTRIO_MODEM_DIR for a process
    line.events()                            # [("SET", DTR), ("BREAK", 4901), ...]
"""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path

from tests.usblab.build import build_shared, missing_compiler_reason

__all__ = ["ModemLab", "ModemLine", "lab_library", "missing_compiler_reason"]

SOURCE = Path(__file__).with_name("modem_lab.c")
SIZE, MAGIC, FIRST_EVENT = 4096, 0x4D4F444D, 8
MAGIC_W, INPUTS_W, OUTPUTS_W, FAIL_W, COUNT_W, READS_W = range(6)
OPS = {1: "SET", 2: "BIS", 3: "BIC", 4: "BREAK", 5: "BREAK_ON", 6: "BREAK_OFF"}


def lab_library() -> Path:
    """The built libmodem_lab.so (compiled on first use)."""
    return build_shared(SOURCE, "libmodem_lab.so")


class ModemLine:
    """One port's lines, shared with every process that has the lab preloaded."""

    def __init__(self, file: Path) -> None:
        with file.open("w+b") as f:
            f.write(struct.pack("<i", MAGIC).ljust(SIZE, b"\0"))
            f.flush()
            self._map = mmap.mmap(f.fileno(), SIZE)

    def _word(self, index: int) -> int:
        return int(struct.unpack_from("<i", self._map, 4 * index)[0])

    def _put(self, index: int, value: int) -> None:
        struct.pack_into("<i", self._map, 4 * index, value)

    @property
    def inputs(self) -> int:
        """The input lines the UPS drives (CTS, CAR, RNG, DSR bits)."""
        return self._word(INPUTS_W)

    @inputs.setter
    def inputs(self, bits: int) -> None:
        self._put(INPUTS_W, bits)

    @property
    def outputs(self) -> int:
        """The output lines as the drivers left them (DTR, RTS)."""
        return self._word(OUTPUTS_W)

    @property
    def reads(self) -> int:
        """How many times a driver read the lines."""
        return self._word(READS_W)

    def fail(self, errno: int) -> None:
        """Fail every line request with ``errno`` from now on (0: work again)."""
        self._put(FAIL_W, errno)

    def events(self) -> list[tuple[str, int]]:
        """What the drivers did to the lines, in order: (SET|BIS|BIC|BREAK..., value)."""
        count = min(self._word(COUNT_W), (SIZE // 4 - FIRST_EVENT) // 2)
        return [(OPS[self._word(FIRST_EVENT + 2 * i)], self._word(FIRST_EVENT + 2 * i + 1))
                for i in range(count)]

    def clear_events(self) -> None:
        self._put(COUNT_W, 0)

    def close(self) -> None:
        self._map.close()


class ModemLab:
    """The state files of the ports a test simulates, in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lines: dict[str, ModemLine] = {}

    def line(self, device: str) -> ModemLine:
        """The lines of ``device`` (a pty's /dev/pts/N), made on first use."""
        if device not in self.lines:
            name = os.path.realpath(device).replace("/", "_")
            self.lines[device] = ModemLine(self.folder / name)
        return self.lines[device]

    def env(self) -> dict[str, str]:
        """What a process needs in its environment to see these lines."""
        return {"LD_PRELOAD": str(lab_library()), "NUTRIO_MODEM_DIR": str(self.folder)}

    def close(self) -> None:
        for line in self.lines.values():
            line.close()
