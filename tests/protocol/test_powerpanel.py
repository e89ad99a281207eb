"""protocol.devices.powerpanel: the text and binary protocols' answers and commands (pure).

The texts are what the real NUT 2.8.0 powerpanel serves for the same answers
(tests/drivers/test_powerpanel_vs_real_nut.py compares whole conversations).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.powerpanel import binary as pb
from nutrio.protocol.devices.powerpanel import text as pt


def test_modules_are_pure() -> None:
    code = "import sys, protocol.devices.powerpanel; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


def test_text_ident_and_ratings_read_as_strtok_does() -> None:
    assert pt.ident(b"#BC1200     ,1.600,000000000000,CYBER POWER   ") == {
        "ups.model": "BC1200", "ups.firmware": "1.600", "ups.serial": "000000000000",
        "ups.mfr": "CYBER POWER"}
    assert pt.ratings(b"P3\r", b"#12.0,002,007.0,00") == {
        "battery.voltage.nominal": "12", "battery.packs": "2", "battery.capacity": "7"}
    assert pt.fields(b"#,,263,,267") == ["263", "267"]


def test_text_delays_and_commands() -> None:
    assert pt.delays(None, None) == pt.Delays(1, 60)
    assert pt.delays("2", "45") == pt.Delays(2, 42)  # cut to a step the UPS takes
    assert pt.shutdown_command("shutdown.return", pt.Delays(1, 42)) == b"Z.7\r"
    assert pt.shutdown_command("shutdown.reboot", pt.Delays(2, 120)) == b"S02R0002\r"
    assert pt.shutdown_command("load.off", pt.Delays()) is None
    assert pt.setting_command("battery.charge.low", "5") == b"C4:05\r"
    with pytest.raises(ValueError, match=r"Shutdown delay '5' out of range \[6..600\]"):
        pt.delays(None, "5")
    with pytest.raises(ValueError, match="Start delay '-1' out of range"):
        pt.delays("-1", None)


def test_text_status_shapes() -> None:
    short = pt.status(b"#I119.0O119.0L000B100T027F060.0S\x10\x30\r")
    assert short is not None and short.temp == 27 and short.runtime is None
    assert pt.status_words(short) == ["OL"]
    runtime = pt.status(b"#I118.0O118.0L029B100F060.0R0218S\x50\x30")
    assert runtime is not None and runtime.runtime == 218 and runtime.temp is None
    assert pt.status_words(runtime) == ["OB"]
    assert pt.status(b"#I120.0O120.0L025B100V27.1T030F060.0H") is None  # the long one
    long = pt.long_status(b"#I100.0O120.0L025B100V27.1T030F060.0H060.0R045C00Q00.0S\x10\x30\r")
    assert long is not None and pt.status_vars(long)["battery.runtime"] == "2700"
    assert pt.status_words(long) == ["OL", "BOOST"]


def test_binary_ident_settings_and_status() -> None:
    assert pb.ident(b".rO45xx    .x.<.1100") == {
        "ups.model": "OP1500AVR", "input.voltage.nominal": "120",
        "input.frequency.nominal": "60", "ups.firmware": "1.100"}
    assert pb.is_op(b".OP1500") and not pb.is_op(b".PR2200")
    high = pb.SETTINGS[0]
    assert pb.setting_value(high, False, 0) == "147"
    assert pb.setting_value(high, False, 0xFE) is None  # -2: NUT never matches a negative step
    status = bytes([0x23, 130, 130, 28, 0, 197, 172, 177, 0, 0x81, 0x7E, 0x0F, 0xF0, 0x0D])
    found = pb.parse_status(status)
    assert found is not None
    assert pb.meters(found, True, None) == {
        "input.voltage": "119", "output.voltage": "(null)", "ups.load": "51",
        "battery.charge": "100", "ups.temperature": "38.9", "input.frequency": "60.3",
        "ups.beeper.status": "enabled"}
    assert pb.parse_status(status[:10] + b"\x00" + status[11:]) is None


@given(st.binary(min_size=14, max_size=14), st.booleans())
def test_any_binary_status_reads_or_is_refused(data, op) -> None:
    found = pb.parse_status(data)
    if found is not None:
        assert set(pb.meters(found, op, "120")) >= {"input.voltage", "ups.load"}


@given(st.binary(max_size=60))
def test_any_text_answer_reads_or_is_refused(data) -> None:
    for parse in (pt.status, pt.long_status):
        found = parse(data)
        if found is not None:
            pt.status_vars(found)
