"""nutdrv_qx protocols NUT added after 2.8.0: q2, q6, innovart31, innovart33, innovatae, gtec.

NUT 2.8.3 to 2.8.5 added these (drivers/nutdrv_qx_<name>.c at those tags);
there is no 2.8.0 binary to compare them with, so they are checked against
simulators built from the replies in NUT's own sources, and they run on the
2.8.0 engine. They are only used when ``protocol =`` names them: probing
keeps NUT 2.8.0's list, so a UPS picks the same protocol as with 2.8.0.

Facts: q2 and q6 are three-phase units (Q2 or Q6, WA for output power, Q1
for the status bits); innovart31/33 (Ippon Innova RT) add BPS, FW? and
SASV07?, and innovart33's claim, as NUT 2.8.5 writes it, looks for an item
its table names otherwise, so it never succeeds; innovatae is Q1 with a
fixed manufacturer; gtec reads Q4, whose status is a set of letters.
"""

from __future__ import annotations

import struct

from nutrio.protocol.devices.megatec import blazer_common as bc
from nutrio.protocol.devices.megatec.megatec_family import (
    blazer_commands,
    delay_items,
    rating_items,
    status_items,
    vendor_items,
)
from nutrio.protocol.devices.megatec.qx_item import Claim, Exchange, Hook, Item, Qx, Subdriver, item
from nutrio.protocol.devices.megatec.qx_session import Session, c_format

__all__ = ["GTEC", "INNOVART31", "INNOVART33", "INNOVATAE", "LATER", "Q2", "Q6"]


def _float32(text: str) -> float | None:
    """sscanf("%f"): the leading number, rounded to a C float (None if there is none)."""
    words = text.split()
    try:
        value = float(words[0]) if words else None
    except ValueError:
        return None
    return None if value is None else float(struct.unpack("f", struct.pack("f", value))[0])


def multiply_battvolt(s: Session, entry: Item, value: str) -> str | None:
    """qx_multiply_battvolt without ``battery_voltage_reports_one_pack``: the text as sent."""
    return entry.value


def multiply_x1000(s: Session, entry: Item, value: str) -> str | None:
    number = _float32(entry.value)
    return None if number is None else f"{number * 1000.0:.2f}"


def multiply_m2s(s: Session, entry: Item, value: str) -> str | None:
    number = _float32(entry.value)
    return None if number is None else f"{number * 60.0:.0f}"


def _topology(s: Session, entry: Item, value: str) -> str | None:
    if len(entry.value) - len(entry.value.lstrip("01")) != 1:
        return None
    return "star" if entry.value[0] == "1" else "delta"


def _three_phase(
    query: str, length: int, cols: dict[str, tuple[int, int]], fmt: dict[str, str]
) -> list[Item]:
    return [item(name, query, length, "(", span, fmt.get(name, "%.1f"))
            for name, span in cols.items()]  # fmt: skip


def _wa_items() -> list[Item]:
    x1000 = multiply_x1000
    wa = [
        ("output.L1.realpower", (1, 5), x1000), ("output.L2.realpower", (7, 11), x1000),
        ("output.L3.realpower", (13, 17), x1000), ("output.L1.power", (19, 23), x1000),
        ("output.L2.power", (25, 29), x1000), ("output.L3.power", (31, 35), x1000),
        ("output.L1.current", (49, 53), None), ("output.L2.current", (55, 59), None),
        ("output.L3.current", (61, 65), None), ("ups.realpower", (37, 41), x1000),
        ("ups.power", (43, 47), x1000),
    ]  # fmt: skip
    items = [item(name, "WA\r", 80, "(", span, "%.1f", Qx(0), pre) for name, span, pre in wa]
    return items + [item("ups.load", "WA\r", 80, "(", (67, 69), "%.0f")]


def _q2_table() -> list[Item]:
    cols = {"input.L1-N.voltage": (1, 5), "input.L2-N.voltage": (7, 11),
            "input.L3-N.voltage": (13, 17), "input.voltage.fault": (19, 23),
            "input.frequency": (55, 58), "output.L1-N.voltage": (25, 29),
            "output.L2-N.voltage": (31, 35), "output.L3-N.voltage": (37, 41),
            "output.L1.load": (43, 45), "output.L2.load": (47, 49), "output.L3.load": (51, 53),
            "ups.temperature": (66, 69)}  # fmt: skip
    loads = dict.fromkeys(("output.L1.load", "output.L2.load", "output.L3.load"), "%.0f")
    return [
        *_three_phase("Q2\r", 118, cols, loads),
        item("battery.voltage", "Q2\r", 118, "(", (60, 64), "%.1f", Qx(0), multiply_battvolt),
        item("battery.runtime", "Q2\r", 118, "(", (80, 85), "%.2f", Qx(0), multiply_m2s),
        item("battery.charge", "Q2\r", 118, "(", (87, 89), "%.0f"),
        item("experimental.input.topology", "Q2\r", 118, "(", (115, 115), "%s", Qx.STATIC, _topology),
        item("experimental.output.topology", "Q2\r", 118, "(", (116, 116), "%s", Qx.STATIC, _topology),
        *_wa_items(), *status_items("Q1\r")[7:], *blazer_commands(), *delay_items(),
    ]  # fmt: skip


def _q6_table() -> list[Item]:
    cols = {"input.L1-N.voltage": (1, 5), "input.L2-N.voltage": (7, 11),
            "input.L3-N.voltage": (13, 17), "input.frequency": (19, 22),
            "output.L1-N.voltage": (24, 28), "output.L2-N.voltage": (30, 34),
            "output.L3-N.voltage": (36, 40), "output.frequency": (42, 45),
            "output.L1.load": (47, 49), "output.L2.load": (51, 53), "output.L3.load": (55, 57),
            "ups.temperature": (71, 74)}  # fmt: skip
    loads = dict.fromkeys(("output.L1.load", "output.L2.load", "output.L3.load"), "%.0f")
    return [
        *_three_phase("Q6\r", 110, cols, loads),
        item("battery.voltage", "Q6\r", 110, "(", (59, 63), "%.1f", Qx(0), multiply_battvolt),
        item("battery.runtime", "Q6\r", 110, "(", (76, 80), "%.0f"),
        item("battery.charge", "Q6\r", 110, "(", (82, 84), "%.0f"),
        item("experimental.battery.voltage.negative", "Q6\r", 110, "(", (65, 69), "%.1f", Qx(0),
             multiply_battvolt),
        item("experimental.input.topology", "Q6\r", 110, "(", (107, 107), "%s", Qx.STATIC, _topology),
        item("experimental.output.topology", "Q6\r", 110, "(", (108, 108), "%s", Qx.STATIC, _topology),
        *_wa_items(), *status_items("Q1\r")[7:], *blazer_commands(), *delay_items(),
    ]  # fmt: skip


def _innova_table(three_outputs: bool) -> list[Item]:
    q6 = [entry for entry in _q6_table() if entry.command == "Q6\r" and "topology" not in entry.name
          and "negative" not in entry.name]  # fmt: skip
    if not three_outputs:
        q6 = [entry for entry in q6 if entry.name not in (
            "output.L2-N.voltage", "output.L3-N.voltage", "output.L2.load", "output.L3.load")]
        for entry in q6:
            entry.name = {"output.L1-N.voltage": "output.voltage", "output.L1.load": "ups.load"}.get(
                entry.name, entry.name)
        wa = [item("output.current", "WA\r", 80, "(", (49, 53), "%.1f"),
              item("ups.realpower", "WA\r", 80, "(", (37, 41), "%.1f", Qx(0), multiply_x1000),
              item("ups.power", "WA\r", 80, "(", (43, 47), "%.1f", Qx(0), multiply_x1000)]
        bypass = [item("input.bypass.voltage", "BPS\r", 24, "(", (1, 5), "%.1f")]
    else:
        wa = _wa_items()
        bypass = [item(f"input.bypass.L{n}-N.voltage", "BPS\r", 24, "(", span, "%.1f")
                  for n, span in ((1, (1, 5)), (2, (7, 11)), (3, (13, 17)))]
    bypass.append(item("input.bypass.frequency", "BPS\r", 24, "(", (19, 22), "%.1f"))
    commands = [cmd for cmd in blazer_commands() if cmd.name != "beeper.toggle"]
    return [
        *q6, *wa, *bypass, *rating_items(),
        item("ups.firmware", "FW?\r", 0, "", (0, 0), "%s", Qx.STATIC),
        item("ups.serial", "SASV07?\r", 28, "", (7, 0), "%s", Qx.STATIC | Qx.TRIM),
        *status_items("Q1\r")[7:], *commands, *delay_items(),
    ]  # fmt: skip


def _claim_all(names: tuple[str, ...]) -> Claim:
    def claim(s: Session) -> Exchange[bool]:
        for name in names:
            if name == "output.L1.current" and s.testvar("nooutstats"):
                continue
            if not (yield from bc.claim_item(s, name)):
                return False
        return True

    return claim


_Q_CLAIM = ("input.L1-N.voltage", "ups.type", "output.L1.current")
_INNOVA_CLAIM = ("input.L1-N.voltage", "ups.type", "output.current", "input.bypass.voltage",
                 "input.voltage.nominal", "ups.firmware", "ups.serial")  # fmt: skip


def _skip_outstats(s: Session) -> None:
    bc.initups(s)  # norating, ignoresab
    if s.testvar("nooutstats"):
        for entry in s.items:
            if (entry.command or "").lower() == "wa\r":
                entry.flags |= Qx.SKIP


def _phases(inputs: int, outputs: int, bypass: int | None = None) -> Hook:
    def initinfo(s: Session) -> None:
        s.state.set("input.phases", str(inputs))
        if bypass is not None:
            s.state.set("input.bypass.phases", str(bypass))
        s.state.set("output.phases", str(outputs))

    return initinfo


def _gtec_status(s: Session, entry: Item, value: str) -> str | None:
    """Q4's status letters: one of A (on battery), C (bypass), M (normal) sets the main word."""
    s.update_status("OL")
    word = "OFF"
    tests = {"E": "Test in progress", "I": "Test passed - Result: OK",
             "J": "Test passed - Result: Failed", "K": "Battery disconnected",
             "L": "Test status unknown"}  # fmt: skip
    alarms = {"D": "UPS failed", "G": "Site fault", "H": "EPROM fail", "P": "Battery disconnected"}
    flags = {"B": "LB", "F": "FSD", "J": "RB", "N": "OVER"}
    for letter in entry.value:
        word = {"A": "!OL", "C": "BYPASS", "M": "OL"}.get(letter, word)
        if letter in flags:
            s.update_status(flags[letter])
        if letter in alarms:
            s.alarm_set(alarms[letter])
        if letter in tests:
            s.state.set("battery.test.status", tests[letter])
    return c_format("%s", word)


def _gtec_table() -> list[Item]:
    cols = (("input.voltage", (1, 5), "%.1f"), ("input.voltage.fault", (19, 23), "%.1f"),
            ("output.voltage", (25, 29), "%.1f"), ("ups.load", (35, 37), "%.0f"),
            ("input.frequency", (39, 42), "%.1f"), ("battery.voltage", (52, 56), "%.1f"),
            ("ups.temperature", (58, 61), "%.1f"))  # fmt: skip
    return [
        *[item(name, "Q4\r", 64, "(", span, fmt) for name, span, fmt in cols],
        item("ups.status", "Q4\r", 64, "(", (63, 0), None, Qx(0), _gtec_status),
        *rating_items(), *vendor_items(), *blazer_commands(), *delay_items(),
    ]


def _innovatae_table() -> list[Item]:
    status = status_items("Q1\r")
    status[5].preprocess = multiply_battvolt
    return [item("device.mfr", "", 0, "", (0, 0), "Ippon", Qx.STATIC | Qx.ABSENT),
            *status, *rating_items(), *blazer_commands(), *delay_items()]  # fmt: skip


_FLAGS_Q = frozenset({"norating", "nooutstats", "ignoresab"})
Q2 = Subdriver(version="Q2 0.01", claim=_claim_all(_Q_CLAIM), table=_q2_table,
               initups=_skip_outstats, initinfo=_phases(3, 3), accepted="ACK", flags=_FLAGS_Q,
               later=True)
Q6 = Subdriver(version="Q6 0.01", claim=_claim_all(_Q_CLAIM), table=_q6_table,
               initups=_skip_outstats, initinfo=_phases(3, 3), accepted="ACK", flags=_FLAGS_Q,
               later=True)
INNOVART31 = Subdriver(
    version="INNOVART31 0.02", claim=_claim_all(_INNOVA_CLAIM),
    table=lambda: _innova_table(False), initups=bc.initups_light, initinfo=_phases(3, 1, 1), accepted="ACK", rejected="NAK\r",
    flags=bc.BLAZER_FLAGS_LIGHT, later=True,
)
INNOVART33 = Subdriver(
    version="INNOVART33 0.01", claim=_claim_all(_INNOVA_CLAIM),
    table=lambda: _innova_table(True), initups=bc.initups_light, initinfo=_phases(3, 3, 3), accepted="ACK", rejected="NAK\r",
    flags=bc.BLAZER_FLAGS_LIGHT, later=True,
)
INNOVATAE = Subdriver(version="INNOVATAE 0.01", claim=bc.claim_light, table=_innovatae_table,
                      initups=bc.initups_light, accepted="ACK", rejected="NAK\r",
                      flags=bc.BLAZER_FLAGS_LIGHT, later=True)  # fmt: skip
GTEC = Subdriver(version="Gtec 0.01", claim=bc.claim, table=_gtec_table, initups=bc.initups,
                 accepted="ACK", flags=bc.BLAZER_FLAGS, later=True)  # fmt: skip

#: protocols of later NUT releases, in NUT 2.8.5's list order
LATER: tuple[Subdriver, ...] = (INNOVART31, INNOVART33, INNOVATAE, Q2, Q6, GTEC)
