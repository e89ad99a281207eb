"""SafeNet-protocol UPSes (Fairstone, Fenton, Gemini, Powerwell, Repotec, Soltec, Sweex,
Elsist): NUT's safenet, 12-letter requests and a status line back."""

from nutrio.protocol.devices.safenet.wire import (
    BATTERY_TEST,
    FLAGS,
    INITIALIZE,
    MAINS_TEST,
    REPLY_MAX,
    STOP_TEST,
    TOGGLE_BEEP,
    GlibcRandom,
    SafenetStatus,
    Setup,
    alarms,
    configure,
    is_status_request,
    parse_status,
    reboot_request,
    return_request,
    status_request,
    status_words,
)

__all__ = ["BATTERY_TEST", "FLAGS", "INITIALIZE", "MAINS_TEST", "REPLY_MAX", "STOP_TEST",
           "TOGGLE_BEEP", "GlibcRandom", "SafenetStatus", "Setup", "alarms", "configure",
           "is_status_request", "parse_status", "reboot_request", "return_request",
           "status_request", "status_words"]
