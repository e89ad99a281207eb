"""PowerCom (and Trust, Advice, Socomec Egys, OptiUPS) contact-closure-style serial UPSes:
NUT's powercom protocol (one request byte, a 11- or 16-byte frame back)."""

from nutrio.protocol.devices.powercom.readings import (
    Reading,
    detect,
    read_frame,
    status_words,
    valid,
)
from nutrio.protocol.devices.powercom.types import (
    BATTERY_TEST,
    MAX_FRAME,
    SEND_DATA,
    TYPES,
    PcType,
    Setup,
    configure,
    shutdown_bytes,
)

__all__ = ["BATTERY_TEST", "MAX_FRAME", "SEND_DATA", "TYPES", "PcType", "Reading", "Setup",
           "configure", "detect", "read_frame", "shutdown_bytes", "status_words", "valid"]
