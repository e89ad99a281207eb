"""The IVT solar charge controller (NUT's ivtscd)."""

from nutrio.protocol.devices.ivtscd.reading import (
    REQUEST,
    RESET_MINMAX,
    IvtReading,
    Levels,
    levels,
    parse,
    readings,
    status_words,
)

__all__ = ["REQUEST", "RESET_MINMAX", "IvtReading", "Levels", "levels", "parse", "readings",
           "status_words"]
