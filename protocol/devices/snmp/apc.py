"""APC PowerNet-MIB: Smart-UPS cards ("apcc", apc-mib.c 1.2) and switched rack PDUs ("apc_pdu").

For the UPS, the high-precision rows (upsHighPrec*, tenths) come before the
plain ones, and the first one the agent has wins. Status words come from
upsBasicOutputStatus, upsBasicBatteryStatus, the calibration result and
upsAdvBatteryReplaceIndicator. PDU outlets are sPDUOutletCtl rows: their
state is read from, and outlet commands written to, the same OID.
"""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import Mib, SnmpCommand, SnmpSet, var

__all__ = ["APCC", "APC_PDU"]

_A = "1.3.6.1.4.1.318.1.1.1."  # upsIdent ... upsAdvControl

_OUTPUT_STATUS = {
    1: "", 2: "OL", 3: "OB", 4: "OL BOOST", 5: "OFF", 6: "OFF", 7: "OFF", 8: "",
    9: "BYPASS", 10: "BYPASS", 11: "OFF", 12: "OL TRIM",
}
_BATTERY_STATUS = {1: "", 2: "", 3: "LB"}
_CALIBRATION = {1: "", 2: "", 3: "CAL"}
_REPLACE = {1: "", 2: "RB"}
_TEST_RESULT = {1: "Ok", 2: "Failed", 3: "InvalidTest", 4: "TestInProgress"}
_SENSITIVITY = {1: "auto", 2: "low", 3: "medium", 4: "high"}
_TRANSFER_REASON = {
    1: "noTransfer", 2: "highLineVoltage", 3: "brownout", 4: "blackout",
    5: "smallMomentarySag", 6: "deepMomentarySag", 7: "smallMomentarySpike",
    8: "largeMomentarySpike", 9: "selfTest", 10: "rateOfVoltageChange",
}


def _cmd(name: str, oid: str, value: int) -> SnmpCommand:
    return SnmpCommand(name=name, sets=(SnmpSet(_A + oid, value),))


APCC = Mib(
    name="apcc",
    version="1.2",
    sysoids=("1.3.6.1.4.1.318.1.3.2", "1.3.6.1.4.1.318.1.3.27"),
    probe_oid=_A + "4.1.1.0",
    vars=(
        var("ups.mfr", None, default="APC", string_len=32, static=True),
        var("ups.model", _A + "1.1.1.0", string_len=32, static=True),
        var("ups.serial", _A + "1.2.3.0", string_len=32, static=True),
        var("ups.mfr.date", _A + "1.2.2.0", string_len=32, static=True),
        var("ups.firmware", _A + "1.2.1.0", string_len=16, static=True),
        var("ups.id", _A + "1.1.2.0", rw=True, string_len=8),
        var("ups.status", _A + "4.1.1.0", lookup=_OUTPUT_STATUS, status=True),
        var("ups.status", _A + "2.1.1.0", lookup=_BATTERY_STATUS, status=True),
        var("ups.status", _A + "7.2.6.0", lookup=_CALIBRATION, status=True),
        var("ups.status", _A + "2.2.4.0", lookup=_REPLACE, status=True),
        var("input.voltage", _A + "3.3.1.0", 0.1, neg_invalid=True),
        var("input.voltage", _A + "3.2.1.0"),
        var("input.voltage.maximum", _A + "3.3.2.0", 0.1, neg_invalid=True),
        var("input.voltage.maximum", _A + "3.2.2.0"),
        var("input.voltage.minimum", _A + "3.3.3.0", 0.1, neg_invalid=True),
        var("input.voltage.minimum", _A + "3.2.3.0"),
        var("input.frequency", _A + "3.3.4.0", 0.1, neg_invalid=True),
        var("input.frequency", _A + "3.2.4.0"),
        var("input.transfer.low", _A + "5.2.3.0", rw=True, string_len=3, as_int=True),
        var("input.transfer.high", _A + "5.2.2.0", rw=True, string_len=3, as_int=True),
        var("input.transfer.reason", _A + "3.2.5.0", string_len=1, lookup=_TRANSFER_REASON),
        var("input.sensitivity", _A + "5.2.7.0", rw=True, string_len=1, lookup=_SENSITIVITY),
        var("ups.temperature", _A + "2.3.2.0", 0.1),
        var("ups.temperature", _A + "2.2.2.0"),
        var("ups.load", _A + "4.3.3.0", 0.1, neg_invalid=True),
        var("ups.load", _A + "4.2.3.0"),
        var("ups.delay.shutdown", _A + "5.2.10.0", rw=True, string_len=3, as_int=True,
            timeticks=True),
        var("ups.delay.start", _A + "5.2.9.0", rw=True, string_len=3, as_int=True,
            timeticks=True),
        var("battery.charge", _A + "2.3.1.0", 0.1, neg_invalid=True),
        var("battery.charge", _A + "2.2.1.0"),
        var("battery.charge.restart", _A + "5.2.6.0", rw=True, string_len=3, as_int=True),
        var("battery.runtime", _A + "2.2.3.0"),  # TimeTicks: read as seconds
        var("battery.runtime.low", _A + "5.2.8.0", rw=True, string_len=3, as_int=True,
            timeticks=True),
        var("battery.voltage", _A + "2.3.4.0", 0.1, neg_invalid=True),
        var("battery.voltage", _A + "2.2.8.0"),
        var("battery.voltage.nominal", _A + "2.2.7.0"),
        var("battery.current", _A + "2.3.5.0", 0.1),
        var("battery.current", _A + "2.2.9.0"),
        var("battery.packs", _A + "2.2.5.0"),
        var("battery.packs.bad", _A + "2.2.6.0"),
        var("battery.date", _A + "2.1.3.0", rw=True, string_len=8, static=True),
        var("ups.test.result", _A + "7.2.3.0", string_len=32, lookup=_TEST_RESULT),
        var("ups.test.date", _A + "7.2.4.0", rw=True, string_len=8, static=True),
        var("output.voltage", _A + "4.3.1.0", 0.1),
        var("output.voltage", _A + "4.2.1.0"),
        var("output.frequency", _A + "4.3.2.0", 0.1, neg_invalid=True),
        var("output.frequency", _A + "4.2.2.0"),
        var("output.current", _A + "4.3.4.0", 0.1, neg_invalid=True),
        var("output.current", _A + "4.2.4.0"),
        var("output.voltage.nominal", _A + "5.2.1.0", rw=True, string_len=3, as_int=True),
    ),
    commands=(
        _cmd("load.off", "6.2.1.0", 2),
        _cmd("load.on", "6.2.6.0", 2),
        _cmd("shutdown.stayoff", "6.2.1.0", 3),
        _cmd("shutdown.return", "6.1.1.0", 2),
        _cmd("test.failure.start", "6.2.4.0", 2),
        _cmd("test.panel.start", "6.2.5.0", 2),
        _cmd("bypass.start", "6.2.7.0", 2),
        _cmd("bypass.stop", "6.2.7.0", 3),
        _cmd("test.battery.start", "7.2.2.0", 2),
        _cmd("calibrate.start", "7.2.5.0", 2),
        _cmd("calibrate.stop", "7.2.5.0", 3),
        _cmd("reset.input.minmax", "9.1.1.0", 2),
    ),
)

_P = "1.3.6.1.4.1.318.1.1.4."  # sPDU: the switched rack PDU tree
_R = "1.3.6.1.4.1.318.1.1.12."  # rPDU: load and identity
_OUTLET_CTL = _P + "4.2.1.3.%i"  # sPDUOutletCtl: 1 on, 2 off, 3 reboot (written)

APC_PDU = Mib(
    name="apc_pdu",
    version="0.3",
    device_type="pdu",
    sysoids=("1.3.6.1.4.1.318.1.3.4.4", "1.3.6.1.4.1.318.1.3.4.5", "1.3.6.1.4.1.318.1.3.4.6"),
    probe_oid=_P + "4.1.0",
    outlet_count_oid=_P + "4.1.0",
    vars=(
        var("device.mfr", None, default="APC", string_len=32, static=True),
        var("device.model", _P + "1.4.0", string_len=32, static=True),
        var("device.serial", _P + "1.5.0", string_len=32, static=True),
        var("device.version", _P + "1.1.0", string_len=32, static=True),
        var("device.contact", "1.3.6.1.2.1.1.4.0", string_len=32),
        var("device.description", "1.3.6.1.2.1.1.5.0", string_len=32),
        var("device.location", "1.3.6.1.2.1.1.6.0", string_len=32),
        var("ups.firmware", _P + "1.2.0", string_len=32, static=True),
        var("ups.date", _P + "1.3.0", string_len=32, static=True),
        var("input.realpower", _R + "1.16.0"),
        var("input.current", _R + "2.3.1.1.2.1", 0.1),
        var("input.voltage.nominal", _R + "1.15.0", neg_invalid=True),
        var("outlet.count", _P + "4.1.0", static=True),
        var("outlet.%i.id", _P + "4.2.1.1.%i", static=True, as_int=True),
        var("outlet.%i.desc", _P + "4.2.1.4.%i", rw=True, string_len=32),
        var("outlet.%i.status", _OUTLET_CTL, string_len=32, lookup={1: "on", 2: "off"}),
        var("outlet.%i.switchable", _OUTLET_CTL, string_len=32, lookup={1: "yes", 2: "yes", 3: "yes"},
            static=True),
    ),
    commands=(
        SnmpCommand(name="outlet.%i.load.on", sets=(SnmpSet(_OUTLET_CTL, 1),)),
        SnmpCommand(name="outlet.%i.load.off", sets=(SnmpSet(_OUTLET_CTL, 2),)),
        SnmpCommand(name="outlet.%i.load.cycle", sets=(SnmpSet(_OUTLET_CTL, 3),)),
    ),
)
