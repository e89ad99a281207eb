"""Eaton/MGE: the MGE UPS SYSTEMS MIB ("mge", mge-mib.c 0.54) and Eaton Marlin ePDUs ("eaton_epdu").

MGE reports each status as its own yes(1)/no(2) object; upsOutputSource
(RFC 1628) adds OFF/BYPASS/OB/BOOST/TRIM. The ePDU rows are those of the
first unit of a daisy chain (index 0); outlets are switched with the
outletControlOffCmd / OnCmd / RebootCmd objects (0 means "now").
"""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import Mib, SnmpCommand, SnmpSet, var

__all__ = ["EATON_EPDU", "MGE"]

_M = "1.3.6.1.4.1.705.1."
_IETF = "1.3.6.1.2.1.33.1."
_TEST_RESULT = {
    1: "done and passed", 2: "done and warning", 3: "done and error",
    4: "aborted", 5: "in progress", 6: "no test initiated",
}
_BEEPER = {1: "disabled", 2: "enabled", 3: "muted"}
_SOURCE = {1: "", 2: "OFF", 4: "BYPASS", 5: "OB", 6: "BOOST", 7: "TRIM"}
_TRANSFER_REASON = {
    1: "", 2: "input voltage out of range", 3: "input frequency out of range", 4: "utility off",
}


def _yes(word: str) -> dict[int, str]:
    return {1: word, 2: ""}


MGE = Mib(
    name="mge",
    version="0.54",
    sysoids=("1.3.6.1.4.1.705.1",),
    probe_oid=_M + "1.1.0",
    vars=(
        var("ups.mfr", None, default="Eaton", string_len=32, static=True),
        var("ups.model", _M + "1.1.0", string_len=32, static=True),
        var("ups.serial", _M + "1.7.0", string_len=32, static=True),
        var("ups.firmware", _M + "1.4.0", string_len=32, static=True),
        var("ups.firmware.aux", _M + "12.12.0", string_len=32, static=True),
        var("ups.status", _M + "7.3.0", lookup={1: "OB", 2: "OL"}, status=True),
        var("ups.status", _M + "5.14.0", lookup=_yes("LB"), status=True),
        var("ups.status", _M + "5.16.0", lookup=_yes("LB"), status=True),
        var("ups.status", _M + "5.11.0", lookup=_yes("RB"), status=True),
        var("ups.status", _M + "7.4.0", lookup=_yes("BYPASS"), status=True),
        var("ups.status", _M + "7.7.0", lookup=_yes("OFF"), status=True),
        var("ups.status", _M + "7.8.0", lookup=_yes("BOOST"), status=True),
        var("ups.status", _M + "7.10.0", lookup=_yes("OVER"), status=True),
        var("ups.status", _M + "7.12.0", lookup=_yes("TRIM"), status=True),
        var("ups.status", _IETF + "4.1.0", lookup=_SOURCE, status=True),
        var("ups.load", _M + "7.2.1.4.1"),
        var("ups.beeper.status", _IETF + "9.8.0", string_len=32, lookup=_BEEPER),
        var("ups.test.result", _IETF + "7.3.0", string_len=32, lookup=_TEST_RESULT),
        var("ups.delay.shutdown", _IETF + "8.2.0", rw=True, string_len=6, as_int=True),
        var("ups.delay.start", _IETF + "8.3.0", rw=True, string_len=6, as_int=True),
        var("input.phases", _M + "6.1.0"),
        var("input.voltage", _M + "6.2.1.2.1", 0.1),
        var("input.frequency", _M + "6.2.1.3.1", 0.1),
        var("input.voltage.minimum", _M + "6.2.1.4.1", 0.1),
        var("input.voltage.maximum", _M + "6.2.1.5.1", 0.1),
        var("input.current", _M + "6.2.1.6.1", 0.1),
        var("input.transfer.reason", _M + "6.4.0", string_len=32, lookup=_TRANSFER_REASON),
        var("output.phases", _M + "7.1.0"),
        var("output.voltage", _M + "7.2.1.2.1", 0.1),
        var("output.frequency", _M + "7.2.1.3.1", 0.1),
        var("output.current", _M + "7.2.1.5.1", 0.1),
        var("battery.charge", _M + "5.2.0"),
        var("battery.runtime", _M + "5.1.0"),
        var("battery.runtime.low", _M + "4.7.0"),
        var("battery.charge.low", _M + "4.8.0", rw=True, string_len=2, as_int=True),
        var("battery.voltage", _M + "5.5.0", 0.1),
        var("ambient.temperature", _M + "8.1.0", 0.1),
        var("ambient.humidity", _M + "8.2.0", 0.1),
    ),
    commands=(
        SnmpCommand(name="test.battery.start", sets=(SnmpSet(_M + "10.4.0", 2),)),
        SnmpCommand(name="beeper.disable", sets=(SnmpSet(_IETF + "9.8.0", 1),)),
        SnmpCommand(name="beeper.enable", sets=(SnmpSet(_IETF + "9.8.0", 2),)),
        SnmpCommand(name="beeper.mute", sets=(SnmpSet(_IETF + "9.8.0", 3),)),
    ),
)

_E = "1.3.6.1.4.1.534.6.6.7."
_OUTLET_STATUS = {0: "off", 1: "on", 2: "pendingOff", 3: "pendingOn"}

EATON_EPDU = Mib(
    name="eaton_epdu",
    version="0.1-nutrio",
    device_type="pdu",
    sysoids=("1.3.6.1.4.1.534.6.6.7",),
    probe_oid=_E + "1.2.1.2.0",
    outlet_count_oid=_E + "1.2.1.22.0",
    vars=(
        var("device.mfr", None, default="EATON", string_len=32, static=True),
        var("device.model", _E + "1.2.1.2.0", string_len=32, static=True),
        var("device.part", _E + "1.2.1.3.0", string_len=32, static=True),
        var("device.serial", _E + "1.2.1.4.0", string_len=32, static=True),
        var("ups.firmware", _E + "1.2.1.5.0", string_len=32, static=True),
        var("device.description", _E + "1.2.1.6.0", string_len=32),
        var("input.voltage", _E + "3.2.1.3.0.1.1", 0.001),
        var("input.current", _E + "3.3.1.4.0.1.1", 0.001),
        var("input.realpower", _E + "3.4.1.4.0.1.1"),
        var("outlet.count", _E + "1.2.1.22.0", static=True),
        var("outlet.%i.desc", _E + "6.1.1.3.0.%i", rw=True, string_len=32),
        var("outlet.%i.status", _E + "6.6.1.2.0.%i", string_len=32, lookup=_OUTLET_STATUS),
        var("outlet.%i.switchable", _E + "6.6.1.9.0.%i", string_len=3, lookup={1: "yes", 2: "no"},
            static=True),
        var("outlet.%i.current", _E + "6.4.1.3.0.%i", 0.001),
        var("outlet.%i.realpower", _E + "6.5.1.3.0.%i"),
    ),
    commands=(
        SnmpCommand(name="outlet.%i.load.off", sets=(SnmpSet(_E + "6.6.1.3.0.%i", 0),)),
        SnmpCommand(name="outlet.%i.load.on", sets=(SnmpSet(_E + "6.6.1.4.0.%i", 0),)),
        SnmpCommand(name="outlet.%i.load.cycle", sets=(SnmpSet(_E + "6.6.1.5.0.%i", 0),)),
    ),
)
