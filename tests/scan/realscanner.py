"""The real nut-scanner 2.8.0 on the same simulated devices, and its output read back.

nut-scanner loads libusb-1.0 and libnetsnmp at run time by an absolute path it
finds by searching fixed library folders (common.c get_libname), so neither
LD_LIBRARY_PATH nor LD_PRELOAD reaches it. For USB it runs in a private mount
namespace (``unshare --mount``, root only) where the lab's library is bind-mounted
over the system's libusb file: the machine's own file is never touched. SNMP
needs nothing: it asks the agents on 127.0.19.x:161 like any manager.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.usblab.server import UsbLab

__all__ = ["nut_scanner", "nut_scanner_usb", "parse_ups_conf", "requires_nut_scanner"]

SCANNER = shutil.which("nut-scanner")
SYSTEM_LIBUSB = "/usr/lib/x86_64-linux-gnu/libusb-1.0.so.0"

requires_nut_scanner = pytest.mark.skipif(
    SCANNER is None or shutil.which("unshare") is None or os.geteuid() != 0,
    reason="needs the real nut-scanner (apt-get install nut-client), unshare and root")


def nut_scanner(*args: str, env: dict[str, str] | None = None, prefix: tuple[str, ...] = ()
                ) -> str:
    """nut-scanner's ``-N`` (ups.conf) output, quiet."""
    assert SCANNER is not None
    result = subprocess.run([*prefix, SCANNER, "-q", "-N", *args], env=env or os.environ.copy(),
                            capture_output=True, text=True, timeout=120, check=True)
    return result.stdout


def nut_scanner_usb(lab: UsbLab) -> str:
    """``nut-scanner -U`` with the lab's libusb in place of the system's."""
    if not os.path.exists(SYSTEM_LIBUSB):
        pytest.skip(f"{SYSTEM_LIBUSB} absent: nut-scanner would find no libusb to load")
    target = os.path.realpath(SYSTEM_LIBUSB)
    mount = ("unshare", "--mount", "sh", "-c", 'mount --bind "$1" "$2" && shift 2 && exec "$@"',
             "sh", str(lab.library), target)
    return nut_scanner("-U", env={**os.environ, **lab.env(client="nut-scanner")}, prefix=mount)


def parse_ups_conf(text: str) -> dict[str, dict[str, str]]:
    """Sections of a ups.conf as nut-scanner writes it (``key = "value"`` lines);
    commented-out sections (``# [name]``) are read as if they were not."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw[2:] if raw.startswith("# ") else raw
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
        elif current is not None and line.startswith("\t") and " = " in line:
            key, _, value = line.strip().partition(" = ")
            current[key] = value.strip('"')
    return sections
