"""Belkin's serial smart protocol, as NUT 2.8.0's belkin (0.25) speaks it.

Pure: reply fields in, variables and status words out, request bytes back (``smart``).
"""

from nutrio.protocol.devices.belkin.smart import (
    COMMANDS,
    LOW_BATTERY,
    Fields,
    read_battery,
    read_input,
    read_output,
    read_rating,
    read_status,
    request,
    test_result,
)

__all__ = ["COMMANDS", "LOW_BATTERY", "Fields", "read_battery", "read_input", "read_output",
           "read_rating", "read_status", "request", "test_result"]
