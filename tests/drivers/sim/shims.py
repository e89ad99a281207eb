"""C shims (LD_PRELOAD) for real NUT drivers on a pseudo-terminal.

* modemlines.c: a pty has no modem lines, and NUT's safenet stops at start
  when it reads no DSR.
* overlapcopy.c: NUT's gamatronic copies overlapping strings with strcpy,
  which glibc's vector strcpy garbles (depending on where the stack lies).
"""

from __future__ import annotations

import termios
from pathlib import Path

from tests.usblab.build import build_shared

__all__ = ["NO_DSR", "modem_env", "overlap_safe_env"]

HERE = Path(__file__).parent
#: the lines of a cable with nothing at its other end (CTS alone: DSR unset)
NO_DSR = termios.TIOCM_CTS


def modem_env(lines: int | None = None) -> dict[str, str]:
    """The environment a real driver runs in to see ``lines`` (default DSR, CTS and CD)."""
    env = {"LD_PRELOAD": str(build_shared(HERE / "modemlines.c", "libnutrio_modemlines.so"))}
    if lines is not None:
        env["NUTRIO_MODEM_LINES"] = str(lines)
    return env


def overlap_safe_env() -> dict[str, str]:
    """The environment a real driver runs in to copy overlapping strings safely."""
    return {"LD_PRELOAD": str(build_shared(HERE / "overlapcopy.c", "libnutrio_overlapcopy.so"))}
