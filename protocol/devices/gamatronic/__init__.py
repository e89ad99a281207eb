"""SEC-protocol UPSes (Gamatronic, NHS Sistemas de Energia and others): NUT's gamatronic."""

from nutrio.protocol.devices.gamatronic.sec import (
    BAUDS,
    LINE_MAX,
    PROBE,
    SHUTDOWN,
    Query,
    SecValues,
    parse_reply,
    plan,
    request,
    shown,
)
from nutrio.protocol.devices.gamatronic.tables import SEC_VARS, SecVar

__all__ = ["BAUDS", "LINE_MAX", "PROBE", "SEC_VARS", "SHUTDOWN", "Query", "SecValues",
           "SecVar", "parse_reply", "plan", "request", "shown"]
