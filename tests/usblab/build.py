"""Build libusb_lab.c (and the other C shims of the tests) with the system C compiler,
once per source version.

The library lands in a cache directory outside the repository (``$NUTRIO_USBLAB_CACHE``,
else ``$XDG_CACHE_HOME/nutrio/usblab``, else ``~/.cache/nutrio/usblab``), in a folder
named after a hash of the source and the compiler command, as ``libusb-1.0.so.0``: the
soname NUT's drivers ask the dynamic loader for, so ``LD_LIBRARY_PATH=<that folder>``
puts it in front of the system libusb. A changed source builds a new folder; parallel
builds write to a temporary name and rename, so they never see half a file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

__all__ = ["SONAME", "SOURCE", "build_library", "build_shim", "compiler",
           "missing_compiler_reason"]

SOURCE = Path(__file__).with_name("libusb_lab.c")
SONAME = "libusb-1.0.so.0"
FLAGS = ("-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror", "-fvisibility=hidden",
         "-Wl,-Bsymbolic", "-pthread")


def compiler() -> str | None:
    """The C compiler: $CC, else cc or gcc on the PATH."""
    return os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")


def missing_compiler_reason() -> str | None:
    if compiler() is None:
        return "no C compiler to build the USB lab's libusb (apt-get install -y gcc)"
    return None


def _cache_root() -> Path:
    if env := os.environ.get("NUTRIO_USBLAB_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nutrio" / "usblab"


@cache
def build_library() -> Path:
    """The path of the built ``libusb-1.0.so.0`` (compiled now if this source is new)."""
    return build_shim(SOURCE, SONAME)


@cache
def build_shim(source: Path, soname: str) -> Path:
    """The path of ``source`` built as the shared library ``soname`` (compiled now if this
    source is new), e.g. the modem-lines shim tests/drivers/sim/modemlines.c."""
    cc = compiler()
    if cc is None:
        raise RuntimeError(missing_compiler_reason())
    command = [cc, *FLAGS, f"-Wl,-soname,{soname}"]
    digest = hashlib.sha256(source.read_bytes() + "\0".join(command).encode()).hexdigest()[:16]
    folder = _cache_root() / digest
    target = folder / soname
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=folder, prefix=".build-")
    os.close(fd)
    try:
        subprocess.run([*command, "-o", partial, str(source)], check=True,
                       capture_output=True, text=True, timeout=120)
        os.replace(partial, target)
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"building {source.name} failed:\n{exc.stderr}") from exc
    finally:
        Path(partial).unlink(missing_ok=True)
    return target
