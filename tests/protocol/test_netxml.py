"""protocol.devices.netxml: the card's pages read as netxml-ups 2.8.0 reads them (pure).

Expected values are what the real NUT 2.8.0 netxml-ups serves for the same pages
(tests/drivers/test_netxml_vs_real_nut.py compares whole cards side by side).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.common.phasecount import PhaseGuess, detect_phasecount
from nutrio.protocol.devices import netxml
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.netxml.status import status_words

PRODUCT = (b'<?xml version="1.0"?>\n<PRODUCT_INFO name="Network Management Card" '
           b'type="Transverse" version="GB (SN 49EH29101)">\n<SUMMARY>\n'
           b'<XML_SUMMARY_PAGE url="ws/summary.xml  extra"/></SUMMARY>\n<UPS_DATA>'
           b'<GET_OBJECT url="getvalue.cgi"/><SET_OBJECT url="setvalue.cgi"/></UPS_DATA>\n'
           b'<ALARMS><SUBSCRIPTION url="subscribe.cgi"/></ALARMS></PRODUCT_INFO>\n')


def summary(**objects: str) -> bytes:
    body = "".join(f'<OBJECT name="{k}">{v}</OBJECT>\n' for k, v in objects.items())
    return f"<SUMMARY>\n{body}</SUMMARY>".encode()


def read(*pages: bytes, reader: netxml.MgeXml | None = None) -> tuple[netxml.MgeXml, DeviceVars]:
    reader = reader or netxml.MgeXml()
    state = DeviceVars()
    for page in pages:
        reader.read(page, state)
    return reader, state


def test_modules_are_pure() -> None:
    code = "import sys, protocol.devices.netxml; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


def test_the_product_page_names_the_card_and_the_pages() -> None:
    reader, state = read(PRODUCT)
    assert state.get("ups.firmware.aux") == "Network Management Card/Transverse/GB"
    assert state.get("ups.serial") == "49EH29101"
    assert reader.pages == netxml.Pages(summary="/ws/summary.xml", getobject="/getvalue.cgi",
                                        setobject="/setvalue.cgi", subscribe="/subscribe.cgi")
    assert reader.ctx.ambient  # a Transverse card serves the ambient extremes


def test_an_epdu_is_a_pdu_and_xml_v4_is_refused() -> None:
    _, state = read(b'<PRODUCT_INFO name="x" type="Monitored ePDU" version="1"/>')
    assert state.get("device.type") == "pdu"
    with pytest.raises(netxml.UnsupportedCard):
        read(b'<PRODUCT_INFO name="x" type="SCOB" version="2" protocol="XML.V4"/>')


def test_objects_map_through_their_first_row_and_static_values_stay() -> None:
    _, state = read(summary(**{
        "UPS.PowerSummary.iProduct": "Eaton 5PX", "ups.powersummary.iproduct": "Other",
        "UPS.PowerSummary.PresentStatus.ACPresent": "1",
        "UPS.BatterySystem.Battery.DesignCapacity": "32400",
        "UPS.PowerConverter.Output.PowerFactor": "70",
        "UPS.PowerSummary.AudibleAlarmControl": "9",
        "UPS.PowerConverter.Input[3].EnergySaving": "x",
        "System.LastAcquisition": "2016/03/17 13:36:57", "Unknown.Object": "1"}))
    assert state.get("ups.model") == "Eaton 5PX"
    assert state.get("outlet.1.status") is None  # ACPresent's first row only moves a bit
    assert state.get("battery.capacity") == "9.00" and state.get("output.powerfactor") == "0.70"
    assert state.get("ups.beeper.status") is None
    assert state.get("battery.energysave") == "<unknown>"
    assert (state.get("ups.date"), state.get("ups.time")) == ("2016/03/17", "13:36:57")


def test_a_dashed_date_splits_as_strtok_splits_it() -> None:
    _, state = read(summary(**{"System.LastAcquisition": "2016-03-17 13:36:57"}))
    assert (state.get("ups.date"), state.get("ups.time")) == ("2016", "03-17")


@pytest.mark.parametrize(("deci", "expected"), [(False, "2305"), (True, "230.5")])
def test_deci_values_are_divided_only_with_the_flag(deci, expected) -> None:
    reader = netxml.MgeXml(ctx=netxml.Context(deci=deci))
    _, state = read(summary(**{"UPS.PowerConverter.Input[1].Phase[11].Voltage": "2305",
                               "UPS.PowerConverter.Output.Phase[11].Voltage": "0"}),
                    reader=reader)
    assert state.get("input.L1-L2.voltage") == expected
    assert state.get("output.L1-L2.voltage") is None  # a zero is ignored


@pytest.mark.parametrize(("delay", "fsd"), [("-1", False), ("0", True), ("120", True),
                                            ("121", False)])
def test_a_shutdown_timer_within_the_duration_is_fsd(delay, fsd) -> None:
    reader, state = read(summary(**{"UPS.PowerSummary.DelayBeforeShutdown": delay,
                                    "System.RunTimeToShutdown": "5"}))
    assert state.get("ups.timer.shutdown") == delay
    assert ("FSD" in status_words(reader.ctx.bits)) is fsd


def test_status_bits_make_nuts_words_and_alarms_and_last_between_pages() -> None:
    reader, state = read(summary(**{
        "UPS.PowerSummary.PresentStatus.ACPresent": "0",
        "UPS.PowerSummary.PresentStatus.Charging": "1",
        "UPS.PowerSummary.PresentStatus.Discharging": "1",
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit": "1",
        "UPS.PowerConverter.Input[4].PresentStatus.Used": "1",
        "UPS.PowerConverter.Input[1].PresentStatus.VoltageOutOfRange": "Yes",
        "UPS.BatterySystem.Battery.Test": "5"}), summary())
    netxml.put_status(state, reader.ctx.bits)
    assert state.get("ups.status") == "ALARM OB DISCHRG LB BYPASS CAL"
    assert state.get("ups.alarm") == "Manual bypass mode!"
    assert state.get("input.transfer.reason") == "input voltage out of range"
    reader.read(summary(**{"UPS.PowerConverter.Input[4].PresentStatus.Used": "0"}), state)
    netxml.put_status(state, reader.ctx.bits)
    assert state.get("ups.status") == "OB DISCHRG LB CAL" and state.get("ups.alarm") is None


@pytest.mark.parametrize(("values", "phases"), [
    ({"voltage": "230"}, "1"), ({"L1-N.voltage": "230", "L2-N.voltage": "231"}, "2"),
    ({"L1.current": "3", "L3.current": "2"}, "3"), ({"L1-L2.voltage": "400"}, "2"),
    ({"L2-L3.voltage": "400"}, "3"), ({"voltage": "0", "current": ""}, None),
])
def test_phases_are_guessed_from_the_measurements(values, phases) -> None:
    state = DeviceVars()
    for key, value in values.items():
        state.set(f"input.{key}", value)
    guess = PhaseGuess()
    detect_phasecount(state, "input.", guess)
    assert state.get("input.phases") == phases
    state.set("input.L3-L1.voltage", "400")
    detect_phasecount(state, "input.", guess)  # once guessed, kept
    assert state.get("input.phases") == phases or phases is None


def test_the_set_object_form_names_the_cards_object() -> None:
    body = netxml.set_object_form([("battery.runtime.low", "999999999"), ("nope", "1")])
    assert b'<OBJECT name="System.RunTimeToEmptyLimit">999999999</OBJECT>\r\n' in body
    assert body.startswith(b"--NUT-NETXML-UPS-OBJECTS\r\n") and b"nope" not in body
    assert body.endswith(b"--NUT-NETXML-UPS-OBJECTS--\r\n")


@given(st.binary(max_size=300))
def test_any_page_reads_or_is_bad_xml(page: bytes) -> None:
    try:
        read(page)
    except netxml.BadXml:
        pass


_NAMES = st.sampled_from([row.xml for row in netxml.MAP])
_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="<&"),
                max_size=20)


@given(st.dictionaries(_NAMES, _TEXT, max_size=30))
def test_any_object_values_read_into_a_status(objects: dict[str, str]) -> None:
    reader, state = read(summary(**objects))
    netxml.put_status(state, reader.ctx.bits)
    assert state.get("ups.status") is not None
