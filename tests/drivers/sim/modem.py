"""The modem-lines shim (modemlines.c) for real NUT drivers on a pseudo-terminal.

NUT's safenet reads DSR at start and stops when it is not set; a pty has no
modem lines, so the real driver runs with this library preloaded.
"""

from __future__ import annotations

import termios
from pathlib import Path

from tests.usblab.build import build_shim

__all__ = ["NO_DSR", "modem_env"]

SOURCE = Path(__file__).with_name("modemlines.c")
#: the lines of a cable with nothing at its other end (CTS alone: DSR unset)
NO_DSR = termios.TIOCM_CTS


def modem_env(lines: int | None = None) -> dict[str, str]:
    """The environment a real driver runs in to see ``lines`` (default DSR, CTS and CD)."""
    env = {"LD_PRELOAD": str(build_shim(SOURCE, "libnutrio_modemlines.so"))}
    if lines is not None:
        env["NUTRIO_MODEM_LINES"] = str(lines)
    return env
