"""RFC 1628 UPS-MIB (NUT's "ietf" mapping, ietf-mib.c 1.52), single-phase rows.

upsOutputSource, upsBatteryStatus, upsAlarmOutputOverload and upsTestId give
ups.status words; control rows (upsShutdownAfterDelay, upsStartupAfterDelay,
upsTestId, upsConfigAudibleStatus) carry the instant commands.
"""

from __future__ import annotations

from nutrio.protocol.devices.snmp.model import Mib, SnmpCommand, SnmpSet, var

__all__ = ["IETF", "UPS_MIB"]

UPS_MIB = "1.3.6.1.2.1.33.1"
_U = UPS_MIB + "."
_TESTS = UPS_MIB + ".7.7"  # upsTestNoTestsInitiated .1, abort .2, general .3, quick .4, deep .5

_SOURCE = {1: "", 2: "OFF", 3: "OL", 4: "OL BYPASS", 5: "OB", 6: "OL BOOST", 7: "OL TRIM"}
_BATTERY = {1: "", 2: "", 3: "LB", 4: "LB"}
_TEST_RESULT = {
    1: "done and passed", 2: "done and warning", 3: "done and error",
    4: "aborted", 5: "in progress", 6: "no test initiated",
}
_BEEPER = {1: "disabled", 2: "enabled", 3: "muted"}
_YES_NO = {1: "yes", 2: "no"}


def _cmd(name: str, oid: str, value: int | str, kind: str = "int") -> SnmpCommand:
    return SnmpCommand(name=name, sets=(SnmpSet(_U + oid, value, kind),))


IETF = Mib(
    name="ietf",
    version="1.52",
    sysoids=("1.3.6.1.2.1.33",),
    probe_oid=_U + "4.1.0",
    vars=(
        var("ups.mfr", _U + "1.1.0", string_len=32, static=True),
        var("ups.model", _U + "1.2.0", string_len=32, static=True),
        var("ups.firmware", _U + "1.3.0", string_len=32, static=True),
        var("ups.firmware.aux", _U + "1.4.0", string_len=32, static=True),
        # status words, in the order they are usually read: source, then battery
        var("ups.status", _U + "4.1.0", lookup=_SOURCE, status=True),
        var("ups.status", _U + "2.1.0", lookup=_BATTERY, status=True),
        var("ups.status", _U + "6.3.8", lookup={1: "OVER"}, status=True),
        var("battery.runtime", _U + "2.3.0", 60.0),
        var("battery.charge", _U + "2.4.0"),
        var("battery.voltage", _U + "2.5.0", 0.1),
        var("battery.current", _U + "2.6.0", 0.1),
        var("battery.temperature", _U + "2.7.0"),
        var("input.phases", _U + "3.2.0"),
        var("input.frequency", _U + "3.3.1.2.1", 0.1),
        var("input.voltage", _U + "3.3.1.3.1"),
        var("input.current", _U + "3.3.1.4.1", 0.1),
        var("input.realpower", _U + "3.3.1.5.1"),
        var("output.frequency", _U + "4.2.0", 0.1),
        var("output.phases", _U + "4.3.0"),
        var("output.voltage", _U + "4.4.1.2.1"),
        var("output.current", _U + "4.4.1.3.1", 0.1),
        var("output.realpower", _U + "4.4.1.4.1"),
        var("ups.load", _U + "4.4.1.5.1"),
        var("input.bypass.frequency", _U + "5.1.0", 0.1),
        var("input.bypass.voltage", _U + "5.3.1.2.1"),
        var("ups.test.result", _U + "7.3.0", lookup=_TEST_RESULT, string_len=32),
        var("ups.timer.shutdown", _U + "8.2.0", rw=True, string_len=8, as_int=True),
        var("ups.timer.start", _U + "8.3.0", rw=True, string_len=8, as_int=True),
        var("ups.timer.reboot", _U + "8.4.0", rw=True, string_len=8, as_int=True),
        var("ups.start.auto", _U + "8.5.0", lookup=_YES_NO, string_len=32),
        var("input.voltage.nominal", _U + "9.1.0"),
        var("input.frequency.nominal", _U + "9.2.0", 0.1),
        var("output.voltage.nominal", _U + "9.3.0"),
        var("output.frequency.nominal", _U + "9.4.0", 0.1),
        var("output.power.nominal", _U + "9.5.0"),
        var("output.realpower.nominal", _U + "9.6.0"),
        var("battery.runtime.low", _U + "9.7.0", 60.0),
        var("ups.beeper.status", _U + "9.8.0", lookup=_BEEPER, string_len=32),
        var("input.transfer.low", _U + "9.9.0"),
        var("input.transfer.high", _U + "9.10.0"),
    ),
    commands=(
        _cmd("test.battery.stop", "7.1.0", _TESTS + ".2", "oid"),
        _cmd("test.battery.start", "7.1.0", _TESTS + ".3", "oid"),
        _cmd("test.battery.start.quick", "7.1.0", _TESTS + ".4", "oid"),
        _cmd("test.battery.start.deep", "7.1.0", _TESTS + ".5", "oid"),
        _cmd("load.off", "8.2.0", 0),
        _cmd("load.on", "8.3.0", 0),
        # upsAutoRestart decides whether the output comes back with the mains
        SnmpCommand(name="shutdown.return", sets=(
            SnmpSet(_U + "8.5.0", 1), SnmpSet(_U + "8.2.0", 20))),
        SnmpCommand(name="shutdown.stayoff", sets=(
            SnmpSet(_U + "8.5.0", 2), SnmpSet(_U + "8.2.0", 20))),
        _cmd("shutdown.stop", "8.2.0", -1),
        _cmd("beeper.disable", "9.8.0", 1),
        _cmd("beeper.enable", "9.8.0", 2),
        _cmd("beeper.mute", "9.8.0", 3),
    ),
)
