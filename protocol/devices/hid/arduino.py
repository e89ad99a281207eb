"""Arduino boards running a HID Power Device sketch (NUT 2.8.0 arduino-hid.c)."""

from __future__ import annotations

from types import MappingProxyType

from nutrio.protocol.devices.hid.hid2nut import (
    ABSENT,
    CMD,
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    Q,
    Hid2Nut,
)
from nutrio.protocol.devices.hid.subdriver import Subdriver, UsbId, vendor_format
from nutrio.protocol.devices.hid.usages import BATTERY_SYSTEM, POWER_DEVICE, UsageTable

__all__ = ["ARDUINO"]

_TABLE: tuple[Hid2Nut, ...] = (
    Hid2Nut("ups.delay.start", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.delay.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY, ABSENT, rw=True, string_len=10),
    Hid2Nut("ups.timer.start", "UPS.PowerSummary.DelayBeforeStartup", "%.0f", Q),
    Hid2Nut("ups.timer.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", "%.0f", Q),
    Hid2Nut("ups.timer.reboot", "UPS.PowerSummary.DelayBeforeReboot", "%.0f", Q),
    Hid2Nut("load.off.delay", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY, CMD),
    Hid2Nut("load.on.delay", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY, CMD),
    Hid2Nut("shutdown.stop", "UPS.PowerSummary.DelayBeforeShutdown", "-1", CMD),
    Hid2Nut("shutdown.reboot", "UPS.PowerSummary.DelayBeforeReboot", "10", CMD),
)

ARDUINO = Subdriver(
    name="Arduino HID 0.2",
    short="arduino",
    ids=(
        UsbId(0x2341, 0x0036),
        UsbId(0x2341, 0x8036),
        UsbId(0x2A03, 0x0036),
        UsbId(0x2A03, 0x8036),
        UsbId(0x2A03, 0x0040),
        UsbId(0x2A03, 0x8040),
    ),
    usages=UsageTable(POWER_DEVICE, BATTERY_SYSTEM),
    table=_TABLE,
    #: NUT sets this in its claim: the HID interface is number 2, its interrupt endpoint 0x84
    settings=MappingProxyType({"interface": 2, "ep_in": 4}),
    format_mfr=vendor_format("Arduino"),
)
