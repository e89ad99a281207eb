"""upsmon's stock texts, NOTIFYMSG overrides and the ``%s`` filling."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.conf._client import ALL_NOTIFY_TYPES, NOTIFY_TYPES
from nutrio.protocol.notify.events import (
    DEFAULT_MESSAGES,
    NUT_2_8_0_TYPES,
    NUTRIO_TYPES,
    Alert,
    Notification,
    NotifyType,
    format_message,
    message_for,
    webhook_body,
)

# NUT's texts, typed in from upsmon.h / upsmon.conf.sample (not from our module).
NUT_TEXTS = {
    "ONLINE": "UPS %s on line power",
    "ONBATT": "UPS %s on battery",
    "LOWBATT": "UPS %s battery is low",
    "FSD": "UPS %s: forced shutdown in progress",
    "COMMOK": "Communications with UPS %s established",
    "COMMBAD": "Communications with UPS %s lost",
    "SHUTDOWN": "Auto logout and shutdown proceeding",
    "REPLBATT": "UPS %s battery needs to be replaced",
    "NOCOMM": "UPS %s is unavailable",
    "NOPARENT": "upsmon parent process died - shutdown impossible",
    "CAL": "UPS %s: calibration in progress",
    "NOTCAL": "UPS %s: calibration finished",
    "OFF": "UPS %s: administratively OFF or asleep",
    "NOTOFF": "UPS %s: no longer administratively OFF or asleep",
    "BYPASS": "UPS %s: on bypass (powered, not protecting)",
    "NOTBYPASS": "UPS %s: no longer on bypass",
    "ECO": "UPS %s: in ECO mode (as defined by vendor)",
    "NOTECO": "UPS %s: no longer in ECO mode",
    "ALARM": "UPS %s: one or more active alarms: [%s]",
    "NOTALARM": "UPS %s is no longer in an alarm state (no active alarms)",
    "OVER": "UPS %s: overloaded",
    "NOTOVER": "UPS %s: no longer overloaded",
    "TRIM": "UPS %s: trimming incoming voltage",
    "NOTTRIM": "UPS %s: no longer trimming incoming voltage",
    "BOOST": "UPS %s: boosting incoming voltage",
    "NOTBOOST": "UPS %s: no longer boosting incoming voltage",
    "OTHER": "UPS %s: has at least one unclassified status token: [%s]",
    "NOTOTHER": "UPS %s has no unclassified status tokens anymore",
    "SUSPEND_STARTING": "OS is entering sleep/suspend/hibernate mode",
    "SUSPEND_FINISHED": "OS just finished sleep/suspend/hibernate mode, "
    "de-activating obsolete UPS readings to avoid an unfortunate shutdown",
}
UPSMON = Path("/lib/nut/upsmon")


def test_protocol_notify_is_pure() -> None:
    code = "import sys, protocol.notify.events, protocol.notify.channels, protocol.upsmon.upssched;"
    code += "print(json.dumps('trio' in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", "import json;" + code], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) is False


def test_every_type_the_config_accepts_has_a_stock_text() -> None:
    assert {t.value for t in NotifyType} == ALL_NOTIFY_TYPES
    assert set(DEFAULT_MESSAGES) == set(NotifyType)


def test_nutrios_own_types_are_apart_from_nuts() -> None:
    assert {t.value for t in NUTRIO_TYPES} == {"TEST", "DRIVERFAIL", "DRIVEROK", "THRESHOLD",
                                               "NOTTHRESHOLD"}
    assert NOTIFY_TYPES.isdisjoint(t.value for t in NUTRIO_TYPES)
    assert ALL_NOTIFY_TYPES == NOTIFY_TYPES | {t.value for t in NUTRIO_TYPES}


@pytest.mark.parametrize("kind", sorted(NUT_TEXTS))
def test_each_notify_type_says_what_nut_says(kind: str) -> None:
    assert DEFAULT_MESSAGES[NotifyType(kind)] == NUT_TEXTS[kind]


@pytest.mark.skipif(not UPSMON.exists(), reason="needs the real NUT upsmon")
def test_the_2_8_0_texts_are_those_in_the_real_upsmon_binary() -> None:
    strings = shutil.which("strings")
    if strings is None:
        pytest.skip("needs binutils' strings")
    text = subprocess.run(
        [strings, "-n", "3", str(UPSMON)], capture_output=True, text=True, check=True
    )
    words = set(text.stdout.splitlines())
    for kind in NUT_2_8_0_TYPES:
        assert kind.value in text.stdout  # short names may share a string's tail
        assert DEFAULT_MESSAGES[kind] in words


def test_the_ups_fills_the_first_placeholder_as_upsmon_does() -> None:
    n = Notification(type=NotifyType.ONBATT, ups="su700@mybox", at=0.0)
    assert message_for(n) == "UPS su700@mybox on battery"


def test_host_events_have_no_ups_in_their_text() -> None:
    n = Notification(type=NotifyType.SHUTDOWN, ups="", at=0.0)
    assert message_for(n) == "Auto logout and shutdown proceeding"


def test_alarm_text_names_the_alarms() -> None:
    n = Notification(type=NotifyType.ALARM, ups="a@b", at=0.0, detail="Replace battery!")
    assert message_for(n) == "UPS a@b: one or more active alarms: [Replace battery!]"


def test_notifymsg_override_replaces_the_stock_text() -> None:
    n = Notification(type=NotifyType.ONBATT, ups="su700@mybox", at=0.0)
    overrides = {"ONBATT": "Someone pulled the plug on %s"}
    assert message_for(n, overrides) == "Someone pulled the plug on su700@mybox"


def test_notifymsg_override_wins_over_the_monitors_text() -> None:
    n = Notification(type=NotifyType.ONLINE, ups="u@h", message="UPS u@h on line power", at=0.0)
    assert message_for(n, {"ONLINE": "back: %s"}) == "back: u@h"
    assert message_for(n, {"ONBATT": "x"}) == "UPS u@h on line power"


def test_override_without_placeholder_is_used_as_is() -> None:
    n = Notification(type=NotifyType.NOCOMM, ups="u@h", at=0.0)
    assert message_for(n, {"NOCOMM": "Someone stole the UPS"}) == "Someone stole the UPS"


def test_percent_signs_follow_printf() -> None:
    assert format_message("100%% sure %s", "u@h") == "100% sure u@h"
    assert format_message("%s and %s and %s", "u", "d") == "u and d and "
    assert format_message("50%d %s", "u") == "50%d u"


@given(st.text(alphabet="%sab ", max_size=30), st.text(max_size=10))
def test_format_never_fails_and_keeps_plain_text(template: str, ups: str) -> None:
    out = format_message(template, ups)
    if "%" not in template:
        assert out == template


def test_webhook_body_has_type_ups_message_and_time() -> None:
    n = Notification(type=NotifyType.ONBATT, ups="u@h", message="UPS u@h on battery", at=0.5)
    assert webhook_body(Alert(notification=n)) == {
        "type": "ONBATT",
        "ups": "u@h",
        "message": "UPS u@h on battery",
        "at": "1970-01-01T00:00:00.500Z",
    }
    timed = webhook_body(Alert(notification=n, scheduled="onbatt", reason="timer"))
    assert timed["scheduled"] == "onbatt" and timed["reason"] == "timer"
