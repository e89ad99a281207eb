"""protocol.devices.powercom: options, detection, readings, status (pure).

The expected texts are what the real NUT 2.8.0 powercom printed for the same
frames (its -DD log on tests/drivers/sim/powercom_sim.py); the side-by-side
test (tests/drivers/test_powercom_vs_real_nut.py) covers whole conversations.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices import powercom as pc

KIN_1500 = bytes([30, 200, 147, 147, 97, 0, 97, 0, 0, 0, 0, 0x4B, 0x89, 0, 0, 0])


def test_modules_are_pure() -> None:
    code = "import sys, protocol.devices.powercom; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


@pytest.mark.parametrize(("options", "message"), [
    ({"type": "KIN1500AP"}, "Given UPS type 'KIN1500AP' isn't valid!"),
    ({"linevoltage": "150"}, "Given line voltage '150' is out of range"),
    ({"numOfBytesFromUPS": "17"}, "Given numOfBytesFromUPS '17' is out of range"),
    ({"methodOfFlowControl": "dtr1"}, "Given methodOfFlowControl 'dtr1' isn't valid!"),
    ({"validationSequence": "{{8,0},{8,0}}"}, "Given validationSequence"),
    ({"validationSequence": "{{99,0},{8,0},{8,0}}"}, "Given validationSequence"),
    ({"shutdownArguments": "{{1,30}}"}, "Given shutdownArguments"),
    ({"frequency": "{0.1}"}, "Given frequency '{0.1}' isn't valid!"),
])
def test_bad_options_get_nuts_message(options, message) -> None:
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        pc.configure(options)


def test_options_adjust_the_type() -> None:
    setup = pc.configure({"type": "BNT-other", "shutdownArguments": "{{0,20},n}",
                          "voltage": "{2,0,2.5,0}", "nobt": "true", "linevoltage": "110"})
    assert setup.kind.delay == (0, 20) and setup.kind.voltage == (2.0, 0.0, 2.5, 0.0)
    assert not setup.battery_test and setup.linevoltage == 110 and setup.detects
    assert pc.shutdown_bytes(setup.kind, stay_off=True) == bytes([0xBA, 20])
    assert pc.shutdown_bytes(pc.configure({"type": "KIN"}).kind, stay_off=False) == bytes(
        [0xB9, 0xBC, 1, 30])
    assert not pc.configure({}).detects  # Trust: no frame at start


def test_detection_names_family_model_and_line() -> None:
    kin = pc.configure({"type": "KIN"}).kind
    assert pc.detect(kin, KIN_1500, "Unknown") == pc.Reading("KIN", "KIN-1500AP", 230)
    other = pc.configure({"type": "BNT-other"}).kind
    as_other = KIN_1500[:12] + bytes([0xA3]) + KIN_1500[13:]
    assert pc.detect(other, as_other, "Unknown") == pc.Reading("BNT-other", "BNT-other-0AP", 120)
    imp = KIN_1500[:5] + b"\xff" + KIN_1500[6:]
    assert pc.detect(kin, imp, "Mine").model == "Mine"
    assert pc.detect(kin, imp, "Unknown").family == "IMP"


def test_readings_are_what_nut_prints() -> None:
    kin = pc.configure({"type": "KIN"}).kind
    assert pc.read_frame(kin, "KIN", 230, KIN_1500) == {
        "input.frequency": "49.56", "output.frequency": "49.56", "ups.load": "33.9",
        "battery.charge": "85.0", "input.voltage": "236.7", "output.voltage": "236.7"}
    assert pc.status_words(kin, "KIN", 230, KIN_1500) == ["OL"]


@given(st.binary(min_size=16, max_size=16), st.sampled_from(pc.TYPES),
       st.sampled_from(["Trust", "KIN", "BNT", "IMP", "OPTI", "BNT-other"]),
       st.sampled_from([0, 100, 120, 230]))
def test_any_frame_reads_without_error(frame, kind, family, line) -> None:
    texts = pc.read_frame(kind, family, line, frame)
    assert set(texts) == {"input.frequency", "output.frequency", "ups.load", "battery.charge",
                          "input.voltage", "output.voltage"}
    words = pc.status_words(kind, family, line, frame)
    assert words[0] in ("OL", "OB", "OFF") and len(words) == len(set(words))
