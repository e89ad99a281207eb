"""The APC Modbus register map (protocol/devices/modbus/apc.py), pure: the simulated
SMT750's registers in, NUT variables out, compared with the unit's real dump; status
bits, coded values, and the writes commands and settings become.

NUT 2.8.0 has no apc_modbus: the expectations follow NUT 2.8.5's drivers/apc_modbus.c
(driver 0.19) and the one real dump (NUT 2.8.2, driver 0.10).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sim.apc_modbus_sim import ApcModbusUps

from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.modbus import (
    DYNAMIC,
    INVENTORY,
    STATIC,
    STATUS,
    ApcModbus,
    Refused,
    WriteRequest,
)
from nutrio.protocol.devices.modbus import apc_values as av

DUMP = Path("/work/shared/data/ddl/APC__APC__Smart-UPS_750__apc_modbus__2.8.2__01.dev")
#: what 2.8.5 serves otherwise than the 2.8.2 of the dump: HE became a buzzword, the main
#: group counts as a group, timers name -1, absent groups are not served
CHANGED = {"ups.status": "OL", "outlet.group.count": "2", "ups.timer.reboot": "NotActive",
           "ups.timer.shutdown": "NotActive", "ups.timer.start": "NotActive"}
NOT_IN_2_8_5 = ("outlet.group.2.", "outlet.group.3.")


def block(ups: ApcModbusUps, request) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple(ups.regs[a] for a in range(request.address, request.address + request.count))


def served(ups: ApcModbusUps, apc: ApcModbus | None = None) -> DeviceVars:
    apc = apc or ApcModbus()
    state = DeviceVars()
    apc.apply_inventory(state, block(ups, INVENTORY))
    apc.apply_poll(state, block(ups, STATUS), block(ups, DYNAMIC), block(ups, STATIC))
    return state


def dump_values() -> dict[str, str]:
    values = {}
    for line in DUMP.read_text().splitlines():
        name, sep, value = line.partition(": ")
        if sep and not line.startswith("#") and not name.startswith("driver."):
            values[name] = value
    return values


def test_the_simulated_unit_serves_its_dump() -> None:
    state = served(ApcModbusUps())
    expected = {k: CHANGED.get(k, v) for k, v in dump_values().items()
                if not k.startswith(NOT_IN_2_8_5) and not k.startswith(("device.", "ups.vendorid",
                                                                        "ups.productid"))}
    got = {k: state.get(k) for k in expected}
    assert got == expected
    assert state.get("experimental.ups.mode.buzzwords") == "vendor:apc:HE"
    assert state.get("outlet.group.1.designator") == "Group 1"
    assert not [n for n in state.names() if n.startswith(NOT_IN_2_8_5)]


def test_writable_and_string_variables_carry_nuts_flags() -> None:
    info = served(ApcModbusUps()).freeze().info
    assert (info["ups.id"].rw, info["ups.id"].string_len) == (True, 16)
    assert (info["ups.model"].rw, info["ups.model"].string_len) == (False, 32)
    assert (info["battery.date"].rw, info["battery.date"].string_len) == (True, None)
    rw = sorted(name for name, i in info.items() if i.rw)
    assert rw == sorted([
        "battery.date", "ups.id", "outlet.group.0.name", "outlet.group.1.name",
        "input.transfer.high", "input.transfer.low",
        *(f"{p}.delay.{d}" for p in ("ups", "outlet.group.0", "outlet.group.1")
          for d in ("shutdown", "start", "reboot")),
    ])


@pytest.mark.parametrize(("status", "signalling", "calibrating", "inputs", "words"), [
    (1 << 2, 0, 0, 0, "OB"),
    (1 << 2, 1 << 1, 0, 0, "OB LB RB"),  # 2.8.5 reads the battery error bits at register 18
    (1 << 1 | 1 << 7, 0, 1 << 1, 1 << 5, "OL TEST CAL BOOST"),
    (1 << 1 | 1 << 21, 0, 0, 1 << 6, "OL OVER TRIM"),
    (1 << 3 | 1 << 4, 0, 0, 0, "BYPASS OFF"),
    (1 << 1 | 1 << 5 | 1 << 6, 0, 0, 0, "ALARM OL"),
    (0, 0, 0, 0, ""),
])
def test_status_words_come_from_the_status_bits(status, signalling, calibrating, inputs,
                                                 words) -> None:
    ups = ApcModbusUps()
    ups.put(0, [status >> 16, status & 0xFFFF])
    ups.put(18, [signalling])
    ups.put(24, [calibrating])
    ups.put(150, [inputs])
    state = served(ups)
    assert state.get("ups.status") == words
    alarm = state.get("ups.alarm")
    assert alarm == ("General fault Input not acceptable" if words.startswith("ALARM") else None)
    assert state.get("experimental.ups.mode.buzzwords") is None


def test_power_follows_the_nominal_read_at_start() -> None:
    ups = ApcModbusUps()
    ups.put(136, [50 * 256])  # 50 % real load of 500 W
    state = served(ups)
    assert (state.get("ups.load"), state.get("ups.realpower")) == ("50.00", "250.00")


@pytest.mark.parametrize(("regs", "text"), [
    ([0x0000, 0x0041, 0x4243, 0x2020], "ABC"),  # zero padding in front, zero high byte dropped
    ([0x4142, 0x0043, 0x4400, 0x0000], "AB CD"),  # a zero inside becomes a space
    ([0x2020, 0x2020], " "),  # NUT never trims the first character
    ([0, 0, 0], ""),
    ([0x41FF, 0x4200], "A B"),
])
def test_strings_are_read_as_nut_reads_them(regs: list[int], text: str) -> None:
    assert av.to_string(regs) == text


def test_values_both_ways() -> None:
    assert av.to_int([0xFFFF, 0xFFFE]) == -2 and av.to_uint([0xFFFF, 0xFFFE]) == 0xFFFFFFFE
    assert av.from_int(-1, 2) == (0xFFFF, 0xFFFF) and av.from_int(40000, 1) is None
    assert av.from_uint(70000, 1) is None and av.from_uint(70000, 2) == (1, 4464)
    assert av.from_string("APCUPS", 2) is None and av.from_string("AB", 2) == (0x4142, 0)
    assert av.days_to_date(7775) == "2021-04-15" and av.date_to_days("2021-04-15") == 7775
    assert av.date_to_days("15/04/2021") is None
    assert [av.parse_c_integer(t) for t in ("0x1F", "010", " -3", "9 ", "08", "", "1e3")] == [
        31, 8, -3, None, None, None, None]
    assert av.battery_test_result(1 << 2 | 1 << 8) == "Passed, Source: Internal"
    assert av.battery_test_result(1 << 6 | 1 << 11) == (
        ", Source: Protocol, Modifier: StateOfChargeNotAcceptable")  # NUT's leading comma
    assert av.transfer_reason(99) == "Unknown" and av.timer(-1) == "NotActive"


@pytest.mark.parametrize(("command", "address", "values"), [
    ("shutdown.return", 1538, (0, 0x0300 | 1 << 3 | 1 << 7)),
    ("shutdown.default", 1538, (0, 0x0300 | 1 << 3 | 1 << 7)),
    ("shutdown.stayoff", 1538, (0, 0x0300 | 1 << 2 | 1 << 7)),
    ("load.off", 1538, (0, 0x0300 | 1 << 2)),
    ("load.on.delay", 1538, (0, 0x0300 | 1 << 1 | 1 << 6)),
    ("outlet.group.0.load.cycle", 1538, (0, 0x0300 | 1 << 4)),
    ("outlet.group.1.shutdown.reboot.graceful", 1538, (0, 0x0200 | 1 << 4 | 1 << 7)),
    ("test.battery.start", 1541, (1,)),
    ("test.battery.stop", 1541, (2,)),
    ("calibrate.start", 1542, (1,)),
    ("test.panel.start", 1543, (1,)),
    ("beeper.mute", 1543, (4,)),
    ("bypass.start", 1536, (0, 1 << 4)),
    ("BYPASS.STOP", 1536, (0, 1 << 5)),
])
def test_commands_become_nuts_register_writes(command: str, address: int, values) -> None:
    apc = ApcModbus()
    served(ApcModbusUps(), apc)
    assert apc.command(command) == WriteRequest(address, values)


def test_commands_for_groups_the_unit_lacks_are_refused() -> None:
    apc = ApcModbus()
    served(ApcModbusUps(), apc)
    assert apc.command("outlet.group.2.load.off") is Refused.INVALID
    assert apc.command("outlet.group.7.load.off") is Refused.INVALID
    assert apc.command("outlet.group.1.beeper.mute") is Refused.UNKNOWN
    assert apc.command("load.frobnicate") is Refused.UNKNOWN
    assert Refused.INVALID.code == ResultCode.INVALID_ARGUMENT


@pytest.mark.parametrize(("name", "value", "write"), [
    ("ups.delay.shutdown", "120", WriteRequest(1029, (120,))),
    ("outlet.group.1.delay.start", "-1", WriteRequest(1035, (0xFFFF,))),
    ("ups.delay.reboot", "0x10", WriteRequest(1031, (0, 16))),
    ("input.transfer.high", "260", WriteRequest(1026, (260,))),
    ("battery.date", "2024-01-01", WriteRequest(595, (8766,))),
    ("ups.id", "RACK1", WriteRequest(596, (0x5241, 0x434B, 0x3100, 0, 0, 0, 0, 0))),
])
def test_settings_become_register_writes(name: str, value: str, write: WriteRequest) -> None:
    apc = ApcModbus()
    served(ApcModbusUps(), apc)
    assert apc.setting(name, value) == write


@pytest.mark.parametrize(("name", "value", "refused"), [
    ("ups.frobnicate", "1", Refused.UNKNOWN),
    ("ups.model", "X", Refused.INVALID),
    ("outlet.group.2.delay.start", "5", Refused.INVALID),
    ("ups.delay.start", "forty", Refused.CONVERSION),
    ("ups.delay.start", "40000", Refused.CONVERSION),
    ("input.transfer.low", "-5", Refused.CONVERSION),
    ("battery.date", "yesterday", Refused.CONVERSION),
    ("ups.id", "a name far too long for it", Refused.CONVERSION),
])
def test_settings_nut_refuses(name: str, value: str, refused: Refused) -> None:
    apc = ApcModbus()
    served(ApcModbusUps(), apc)
    assert apc.setting(name, value) is refused
