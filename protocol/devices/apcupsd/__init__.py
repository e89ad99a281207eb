"""apcupsd as a UPS: its NIS status records read as NUT 2.8.0's apcupsd-ups (0.6) does.

Pure: bytes in, records and variables out.

- ``nis``: the NIS framing and how a record splits into item and value;
- ``mapping``: which record is which NUT variable, and the status words.
"""

from nutrio.protocol.devices.apcupsd.mapping import ROWS, apply_record, forget, status_words
from nutrio.protocol.devices.apcupsd.nis import (
    STATUS_REQUEST,
    NisError,
    NisReader,
    split_record,
)

__all__ = ["DEFAULT_PORT", "ROWS", "STATUS_REQUEST", "NisError", "NisReader",
           "apply_record", "forget", "split_record", "status_words"]

#: apcupsd's NIS port when ``port`` names none
DEFAULT_PORT = 3551
