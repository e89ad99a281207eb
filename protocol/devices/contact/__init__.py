"""Contact-closure UPSes: status read from serial modem-control lines (genericups' cable
table, Liebert's MultiLink cable)."""

from nutrio.protocol.devices.contact import genericups, multilink
from nutrio.protocol.devices.contact.cables import (
    CAR,
    CTS,
    DSR,
    DTR,
    RNG,
    RTS,
    ST,
    TYPES,
    CableType,
    Signal,
    line_names,
)

__all__ = ["CAR", "CTS", "DSR", "DTR", "RNG", "RTS", "ST", "TYPES", "CableType", "Signal",
           "genericups", "line_names", "multilink"]
