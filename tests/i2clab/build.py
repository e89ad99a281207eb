"""Build i2c_lab.c (the LD_PRELOAD library) as tests/usblab/build.py builds the USB shim."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from tests.usblab.build import build_shared

__all__ = ["SOURCE", "build_preload"]

SOURCE = Path(__file__).with_name("i2c_lab.c")


@cache
def build_preload() -> Path:
    """The path of the built ``libi2c_lab.so`` (compiled now if the source is new)."""
    return build_shared(SOURCE, "libi2c_lab.so")
