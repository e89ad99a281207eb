"""OPTI-UPS (VS, ES, PS series) and ONLINE USV Zinto D units: NUT's optiups protocol
(two-letter requests, one reply line each)."""

from nutrio.protocol.devices.optiups.commands import (
    COMMANDS,
    OUTLETS,
    SWITCH,
    ZINTO_START,
    commands,
    outlet_request,
    requests_for,
    shutdown_requests,
)
from nutrio.protocol.devices.optiups.readings import (
    ACK,
    INIT_FILLS,
    LINE_MAX,
    NAK,
    ZINTO_MFR,
    Fill,
    battery,
    is_unknown,
    model_name,
    on_battery,
    poll_fills,
    request,
    status_words,
    strtol,
    unit_says,
    value_text,
    zinto_model,
)

__all__ = ["ACK", "COMMANDS", "INIT_FILLS", "LINE_MAX", "NAK", "OUTLETS", "SWITCH", "ZINTO_MFR",
           "ZINTO_START", "Fill", "battery", "commands", "is_unknown", "model_name",
           "on_battery", "outlet_request", "poll_fills", "request", "requests_for",
           "shutdown_requests", "status_words", "strtol", "unit_says", "value_text",
           "zinto_model"]
