"""HID paths become NUT variables, status words and commands, as usbhid-ups maps them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.hid import (
    APC,
    CPS,
    MGE,
    ClaimContext,
    DeviceInfo,
    HidSession,
    SessionOptions,
    claim_subdriver,
    instcmd,
    parse_descriptor,
    select_subdriver,
    setvar,
)
from nutrio.protocol.devices.hid.status import status_words
from tests.drivers.hid.recordings import (
    RecordedIO,
    Recording,
    descriptor,
    load,
    nut_dump,
    santak,
)

BK650_DUMP = "APC__APC__Back-UPS_BK650M2-CH__usbhid-ups__2.8.0__01.dev"
EC850_DUMP = "Cyber_Power_Systems__Cyber_Power_Systems__EC850LCD__usbhid-ups__2.7.4__01.dev"


def _session(rec: Recording, **options: object) -> tuple[HidSession, DeviceVars, RecordedIO]:
    info = rec.info()
    found = claim_subdriver(info, ClaimContext())
    assert found is not None
    sub, claim = found
    io = RecordedIO(rec)
    session = HidSession(parse_descriptor(rec.descriptor), sub, info, io,
                         SessionOptions(**options), claim.settings)  # type: ignore[arg-type]
    state = DeviceVars()
    session.start(state, 1000.0)
    session.update(state, 1000.0)
    return session, state, io


def _ups_vars(data: DeviceVars) -> dict[str, str]:
    frozen = data.freeze()
    return {k: v for k, v in frozen.vars.items() if not k.startswith(("driver.", "device."))}


def test_bk650_serves_what_nut_2_8_0_served_for_the_same_unit() -> None:
    _, state, _ = _session(load("apc_bk650m2"))
    nut = {k: v for k, v in nut_dump(BK650_DUMP).items() if not k.startswith(("driver.", "device."))}
    mine = _ups_vars(state)
    nut.pop("ups.serial")  # masked as "xxxx" in the published dump
    assert mine.pop("ups.serial") == "9B2019A14274"
    # ups.load was 5 % when the dump was taken, 0 % during the recorded debug run
    assert mine.pop("ups.load") == "0" and nut.pop("ups.load") == "5"
    assert mine == nut


def test_bk650_writable_variables_and_commands() -> None:
    _, state, _ = _session(load("apc_bk650m2"))
    frozen = state.freeze()
    assert state.info("battery.charge.low").rw and state.info("battery.charge.low").string_len == 10
    assert state.info("ups.delay.shutdown").rw
    assert not state.info("battery.charge").rw
    assert set(frozen.commands) == {
        "beeper.disable", "beeper.enable", "beeper.mute", "beeper.off", "beeper.on", "load.off",
        "load.off.delay", "shutdown.reboot", "shutdown.stop", "test.battery.start.deep",
        "test.battery.start.quick", "test.battery.stop",
    }


def test_commands_and_settings_write_feature_reports() -> None:
    session, state, io = _session(load("apc_bk650m2"))
    assert instcmd(session, state, "beeper.enable") == ResultCode.SUCCESS
    assert instcmd(session, state, "test.battery.start.quick") == ResultCode.SUCCESS
    assert instcmd(session, state, "shutdown.stop") == ResultCode.SUCCESS
    assert instcmd(session, state, "beeper.off") == ResultCode.SUCCESS  # old name of beeper.disable
    assert setvar(session, state, "battery.charge.low", "40") == ResultCode.SUCCESS
    assert io.writes == [bytes.fromhex(h) for h in ("18 02", "21 01", "15 ff ff", "18 01", "11 28")]
    assert setvar(session, state, "ups.delay.shutdown", "60") == ResultCode.SUCCESS
    assert state.get("ups.delay.shutdown") == "60" and len(io.writes) == 5  # a driver-side value
    assert setvar(session, state, "battery.charge", "10") == ResultCode.UNKNOWN
    assert instcmd(session, state, "load.on") == ResultCode.INVALID_ARGUMENT


def test_load_off_uses_the_delay_command_with_zero() -> None:
    session, state, io = _session(load("apc_bk650m2"))
    assert instcmd(session, state, "load.off") == ResultCode.SUCCESS
    assert io.writes == [bytes.fromhex("15 00 00")]


def test_a_setting_is_read_back_at_the_next_poll() -> None:
    session, state, _ = _session(load("apc_bk650m2"))
    setvar(session, state, "battery.charge.low", "40")
    session.update(state, 1001.0)  # not a pollfreq boundary, but data changed
    assert state.get("battery.charge.low") == "40"


@pytest.mark.parametrize(("bits", "words"), [
    (0x0E, "OL DISCHRG"),  # what the BK650M2-CH really reports on line
    (0x0D, "OL CHRG"),
    (0x0A, "OB DISCHRG"),
    (0x1A, "ALARM OB DISCHRG LB"),  # ShutdownImminent: LB, and an alarm at the full poll
    (0x4D, "ALARM OL CHRG RB"),  # NeedReplacement
    (0x8D, "OL CHRG OVER"),
    (0x06, "ALARM OL DISCHRG"),  # no battery present
])
def test_status_report_bits_become_status_words(bits: int, words: str) -> None:
    rec = load("apc_bk650m2")
    rec.feature_reports[0x16] = bytes([0x16, bits, 0])
    # this unit also has UPS.PowerSummary.ACPresent (report 0x13): NUT reads both
    rec.feature_reports[0x13] = bytes([0x13, (bits >> 2) & 1])
    session, state, _ = _session(rec)
    session.update(state, 1031.0)  # a full poll: alarms too
    assert state.get("ups.status") == words


def test_interrupt_reports_change_status_before_the_next_full_poll() -> None:
    session, state, io = _session(load("apc_bk650m2"))
    session.update(state, 1002.0, events=[bytes.fromhex("16 0a 00"), bytes.fromhex("13 00")])
    assert state.get("ups.status") == "OB DISCHRG"
    session.update(state, 1003.0, events=[bytes.fromhex("16 1a 00"), bytes.fromhex("14 01")])
    assert state.get("ups.status") == "OB DISCHRG LB"  # the alarm waits for the full poll
    io.reports.update({0x16: bytes.fromhex("16 1a 00"), 0x13: bytes.fromhex("13 00"),
                       0x14: bytes.fromhex("14 01")})
    session.update(state, 1031.0)
    assert state.get("ups.alarm") == "Shutdown imminent!"
    assert state.get("ups.status") == "ALARM OB DISCHRG LB"


def test_the_second_acpresent_report_wins_like_in_nut() -> None:
    rec = load("apc_bk650m2")
    rec.feature_reports[0x16] = bytes.fromhex("16 0a 00")  # PresentStatus says on battery
    _, state, _ = _session(rec)  # UPS.PowerSummary.ACPresent (later in the table) says on line
    assert state.get("ups.status") == "OL DISCHRG"


def test_onlinedischarge_flag_makes_ol_dischrg_on_battery() -> None:
    _, state, _ = _session(load("apc_bk650m2"), onlinedischarge=True)
    assert state.get("ups.status") == "OB DISCHRG"  # as the reporter of NUT issue 1970 saw


def test_quick_polls_read_only_status_reports_until_pollfreq() -> None:
    session, state, io = _session(load("apc_bk650m2"), pollinterval=2.0)
    io.reads.clear()
    session.update(state, 1010.0)
    assert 0x31 not in io.reads and 0x16 in io.reads  # input voltage waits, status is read
    session.update(state, 1031.0)
    assert 0x31 in io.reads


def test_reports_younger_than_pollinterval_are_not_read_again() -> None:
    session, state, io = _session(load("apc_bk650m2"), pollinterval=5.0)
    io.reads.clear()
    session.update(state, 1003.0)
    assert io.reads == []


def test_lowbatt_and_delay_options_are_served_when_the_device_has_them() -> None:
    _, state, _ = _session(load("apc_bk650m2"), lowbatt="25", offdelay="120", ondelay="180")
    assert state.get("battery.charge.low") == "25"
    assert state.get("ups.delay.shutdown") == "120"
    assert state.get("ups.delay.start") is None  # BK650M2-CH has no DelayBeforeStartup


def test_subdrivers_claim_their_vendors() -> None:
    def pick(vid: int, pid: int, given: bool = False) -> str | None:
        sub = select_subdriver(DeviceInfo(vendor_id=vid, product_id=pid), productid_given=given)
        return None if sub is None else sub.name

    assert pick(0x051D, 0x0002) == APC.name
    assert pick(0x0764, 0x0501) == CPS.name
    assert pick(0x0463, 0xFFFF) == MGE.name
    assert pick(0x051D, 0x9999) is None  # possibly supported: needs productid
    assert pick(0x051D, 0x9999, True) == APC.name
    assert pick(0x1234, 0x0001, True) is None


def _ec850_recording() -> Recording:
    """The real EC850LCD descriptor; reports made from the NUT 2.7.4 dump of that model."""
    from nutrio.protocol.devices.hid import set_value, to_logical
    from nutrio.protocol.devices.hid.usages import path_to_string

    desc = parse_descriptor(descriptor("cps_ec850lcd.hex"))
    values = {
        "UPS.PowerSummary.RemainingCapacity": 89, "UPS.PowerSummary.RemainingCapacityLimit": 10,
        "UPS.PowerSummary.WarningCapacityLimit": 20, "UPS.PowerSummary.RunTimeToEmpty": 4316,
        "UPS.PowerSummary.RemainingTimeLimit": 300, "UPS.PowerSummary.iDeviceChemistry": 4,
        "UPS.PowerSummary.iOEMInformation": 5, "UPS.PowerSummary.Voltage": 14.1,
        "UPS.PowerSummary.ConfigVoltage": 12, "UPS.Input.Voltage": 120,
        "UPS.Input.ConfigVoltage": 120, "UPS.Input.LowVoltageTransfer": 96,
        "UPS.Input.HighVoltageTransfer": 140, "UPS.Output.Voltage": 120,
        "UPS.Output.PercentLoad": 8, "UPS.Output.ConfigActivePower": 450,
        "UPS.PowerSummary.AudibleAlarmControl": 2, "UPS.Output.Test": 6,
        "UPS.Output.DelayBeforeShutdown": -60, "UPS.Output.DelayBeforeStartup": 0,
        "UPS.PowerSummary.PresentStatus.ACPresent": 1, "UPS.PowerSummary.PresentStatus.Charging": 1,
    }
    reports = {rid: bytes([rid]) + bytes(desc.report_length(rid) - 1) for rid in desc.report_ids()}
    for field in desc.fields:
        name = path_to_string(field.path, CPS.usages)
        if field.kind.name == "FEATURE" and name in values:
            reports[field.report_id] = set_value(reports[field.report_id], field,
                                                 to_logical(field, values[name]))
    return Recording(descriptor=desc.raw, vendor_id=0x0764, product_id=0x0501,
                     strings={1: "CPS", 2: "EC850LCD", 4: "PbAcid", 5: "CPS"},
                     feature_reports=reports, serial_index=0)


def test_cyberpower_ec850lcd_serves_the_variables_nut_served() -> None:
    _, state, _ = _session(_ec850_recording())
    nut = {k: v for k, v in nut_dump(EC850_DUMP).items() if not k.startswith(("driver.", "device."))}
    mine = _ups_vars(state)
    assert set(mine) - {"ups.model", "ups.timer.reboot"} == set(nut)  # 2.7.4 lacked those two
    for name in ("battery.charge", "battery.runtime", "battery.voltage", "battery.type",
                 "battery.mfr.date", "input.transfer.high", "input.transfer.low",
                 "ups.beeper.status", "ups.test.result", "ups.status", "ups.delay.shutdown",
                 "ups.timer.shutdown", "ups.realpower.nominal", "battery.voltage.nominal"):
        assert mine[name] == nut[name], name


def test_cyberpower_battery_scale_applies_when_voltage_is_far_above_nominal() -> None:
    rec = _ec850_recording()
    rec.feature_reports[0x0A] = bytes([0x0A, 0xBD])  # 18.9 V on a 12 V battery
    _, state, _ = _session(rec)
    assert state.get("battery.voltage") == "12.6"


def test_eaton_family_santak_maps_the_values_its_readme_decodes() -> None:
    _, state, _ = _session(santak())
    expected = {
        "battery.charge": "100", "battery.runtime": "1248", "ups.load": "24",
        "output.voltage": "230.0", "output.voltage.nominal": "220",
        "input.transfer.high": "264", "input.transfer.low": "184",
        "ups.power.nominal": "850", "output.frequency.nominal": "50",
        # no iModel string: mge_format_model appends the nominal power, as NUT 2.8.0 does
        "ups.beeper.status": "enabled", "ups.mfr": "EATON", "ups.model": "TG-BOX 850 850",
    }
    assert {k: state.get(k) for k in expected} == expected
    # no ABMEnable usage: NUT's mge-hid keeps CHRG off unless ABM is known to be disabled
    assert state.get("ups.status") == "OL"


def test_status_words_order_follows_nut() -> None:
    assert status_words({"online", "chrg", "lowbatt", "replacebatt", "boost", "cal"}) == (
        "OL", "CHRG", "LB", "RB", "BOOST", "CAL"
    )
    assert status_words({"dischrg", "depleted"}) == ("OB",)
    assert status_words({"online", "chrg", "fullycharged"}) == ("OL",)


def test_a_row_whose_report_fails_at_start_leaves_the_variable_to_the_next_row() -> None:
    rec = load("apc_bk650m2")
    del rec.feature_reports[0x23]  # UPS.Battery.RunTimeToEmpty stalls
    _, state, _ = _session(rec)
    assert state.get("battery.runtime") == "3618"  # from UPS.PowerSummary.RunTimeToEmpty (0x0f)


def test_the_same_descriptor_after_a_reconnect_keeps_the_variables() -> None:
    session, state, io = _session(load("apc_bk650m2"))
    io.reports[0x0C] = bytes.fromhex("0c 3c")
    session.restart(state, 1100.0)
    assert state.get("battery.charge") == "60"
    assert state.get("battery.charge.low") == "50"  # semi-static rows are read again too


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from([0x0C, 0x0F, 0x13, 0x16, 0x20, 0x26, 0x31, 0x7B]),
                       st.binary(min_size=0, max_size=12)))
def test_garbage_reports_never_break_the_walk(garbage: dict[int, bytes]) -> None:
    rec = load("apc_bk650m2")
    for rid, data in garbage.items():
        rec.feature_reports[rid] = bytes([rid]) + data
    session, state, _ = _session(rec)
    session.update(state, 1031.0, events=[bytes([0x16]) + garbage.get(0x16, b"")])
    assert state.get("ups.status")
