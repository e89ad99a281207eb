"""nutdrv_qx's "voltronic" protocol: Voltronic Power units (nutdrv_qx_voltronic.c, Voltronic 0.06).

The claim needs QGS (status) and QPI (the protocol number, P00..P99). Then
the table below: ratings (QRI, QMD, F), identity (QMF, QVFW, QID, I),
status (QGS, QMOD, QWS), battery (QBV, RE0), multi-phase values (Q3**, by
protocol), capabilities (QFLAG) and their settings (P[ED]x), outlets (QSKn,
QSKTn), ECO and bypass limits (QHE, QFRE, QBYV, QBYF), P31 extras (QBT,
QGR), phase angles (QPD), parallel role (QPAR). Replies confirm with
"(ACK" and refuse with "(NAK"; the item readers live in voltronic_values,
the command and setting builders in voltronic_settings, ranges in
voltronic_ranges.
"""

from __future__ import annotations

from nutrio.protocol.devices.megatec import blazer_common as bc
from nutrio.protocol.devices.megatec import voltronic_ranges as vr
from nutrio.protocol.devices.megatec import voltronic_settings as vs
from nutrio.protocol.devices.megatec import voltronic_values as vv
from nutrio.protocol.devices.megatec.megatec_family import delay_items, vendor_items
from nutrio.protocol.devices.megatec.qx_item import Exchange, Item, Qx, Subdriver, item, rw_values
from nutrio.protocol.devices.megatec.qx_session import Session
from nutrio.protocol.devices.megatec.voltronic_alarms import fault, warning

__all__ = ["VOLTRONIC"]

SEMI, STATIC, SKIP, NONUT = Qx.SEMI_STATIC, Qx.STATIC, Qx.SKIP, Qx.NONUT
_ACK = (5, "(", (1, 3))  # a confirming reply: "(ACK"


def _phase_items() -> list[Item]:
    def three(query: str, prefix: str, suffix: str, length: int, fmt: str) -> list[Item]:
        spans = ((1, 5), (7, 11), (13, 17)) if length == 37 else ((1, 3), (5, 7), (9, 11))
        return [item(f"{prefix}.L{n}{suffix}", query, length, "(", span, fmt, SKIP)
                for n, span in zip((1, 2, 3), spans, strict=True)]  # fmt: skip

    def lines(query: str, prefix: str) -> list[Item]:
        return [item(f"{prefix}.{pair}.voltage", query, 37, "(", span, "%.1f", SKIP)
                for pair, span in (("L1-L2", (19, 23)), ("L2-L3", (25, 29)), ("L1-L3", (31, 35)))]

    return [
        *three("Q3PV\r", "input", "-N.voltage", 37, "%.1f"), *lines("Q3PV\r", "input"),
        *three("Q3PC\r", "input", ".current", 13, "%.0f"),
        *three("Q3OV\r", "output", "-N.voltage", 37, "%.1f"), *lines("Q3OV\r", "output"),
        *three("Q3OC\r", "output", ".current", 13, "%.0f"),
        *three("Q3LD\r", "output", ".power.percent", 13, "%.0f"),
        *three("Q3YV\r", "output.bypass", "-N.voltage", 37, "%.1f"),
        item("output.bypass.L1-N.voltage", "Q3YV\r", 19, "(", (1, 5), "%.1f", SKIP),
        item("output.bypass.L2-N.voltage", "Q3YV\r", 19, "(", (7, 11), "%.1f", SKIP),
        *lines("Q3YV\r", "output.bypass"),
    ]  # fmt: skip


def _status_items() -> list[Item]:
    values = (("input.voltage", (1, 5), "%.1f"), ("input.frequency", (7, 10), "%.1f"),
              ("output.voltage", (12, 16), "%.1f"), ("output.frequency", (18, 21), "%.1f"),
              ("output.current", (23, 27), "%.1f"), ("ups.load", (29, 31), "%.0f"),
              ("battery.voltage", (45, 49), "%.2f"), ("ups.temperature", (57, 61), "%.1f"))
    items = [item(name, "QGS\r", 76, "(", span, fmt) for name, span, fmt in values]
    quick = Qx.QUICK_POLL
    bits = (("ups.type", (63, 64), SEMI), ("ups.status", (65, 65), quick),
            ("ups.status", (66, 66), quick), ("ups.status", (67, 67), quick),
            ("ups.alarm", (67, 67), Qx(0)), ("ups.alarm", (68, 68), Qx(0)),
            ("ups.status", (70, 70), quick), ("ups.status", (71, 71), quick),
            ("ups.beeper.status", (72, 72), Qx(0)))  # fmt: skip
    items += [item(name, "QGS\r", 76, "(", span, "%s", flags, vv.status) for name, span, flags in bits]
    return items + [
        item("ups.alarm", "QMOD\r", 3, "(", (1, 1), "%s", Qx(0), vv.mode),
        item("ups.status", "QMOD\r", 3, "(", (1, 1), "%s", Qx(0), vv.mode),
        item("ups.alarm", "QFS\r", 4, "(", (1, 2), "%s", SKIP, fault),
        item("ups.alarm", "QWS\r", 66, "(", (1, 64), "%s", Qx(0), warning),
    ]


def _capability_items() -> list[Item]:
    yes_no = rw_values("no", "yes")
    on_off = rw_values("enabled", "disabled")
    reading = [item(name, "QFLAG\r", 4, "(", (1, 0), "%s", SEMI | Qx.ENUM, vv.capability,
                    rw=True, info_rw=yes_no) for name, _ in _NUT_CAPS]  # fmt: skip
    reading += [item(name, "QFLAG\r", 4, "(", (1, 0), "%s", SEMI | NONUT, vv.capability)
                for name, _ in _NONUT_CAPS]  # fmt: skip
    setting = [item(name, f"P%s{letter}\r", *_ACK, None, Qx.SETVAR | Qx.ENUM | SKIP,
                    vs.capability_set, info_rw=yes_no) for name, letter in _NUT_CAPS]  # fmt: skip
    setting.append(item("reset_to_default", "PF\r", *_ACK, None, Qx.SETVAR | NONUT | SKIP,
                        vs.capability_reset))  # fmt: skip
    setting += [item(name, f"P%s{letter}\r", *_ACK, None, Qx.SETVAR | Qx.ENUM | NONUT | SKIP,
                     vs.capability_set_nonut, info_rw=on_off) for name, letter in _NONUT_CAPS]
    return reading + setting


_NUT_CAPS = (("ups.start.auto", "R"), ("battery.protection", "S"), ("battery.energysave", "G"),
             ("ups.start.battery", "C"), ("outlet.0.switchable", "J"))  # fmt: skip
_NONUT_CAPS = (("bypass_alarm", "P"), ("battery_alarm", "B"), ("bypass_when_off", "O"),
               ("alarm_control", "A"), ("converter_mode", "V"), ("eco_mode", "E"),
               ("battery_open_status_check", "D"), ("bypass_forbidding", "F"),
               ("site_fault_detection", "L"), ("advanced_eco_mode", "N"),
               ("constant_phase_angle", "Q"), ("limited_runtime_on_battery", "W"))  # fmt: skip


def _outlet_items() -> list[Item]:
    delay = rw_values("0", "59940")
    items = []
    for n in range(1, 5):
        items += [item(f"outlet.{n}.{what}", f"QSK{n}\r", 3, "(", (1, 1), "%s", SEMI | SKIP, vv.outlet)
                  for what in ("switchable", "status")]  # fmt: skip
    items += [item(f"outlet.{n}.delay.shutdown", f"QSKT{n}\r", 5, "(", (1, 3), "%.0f",
                   SEMI | Qx.RANGE | SKIP, vv.outlet_delay, rw=True, info_rw=delay)
              for n in range(1, 5)]  # fmt: skip
    items += [item(f"outlet.{n}.delay.shutdown", f"PSK{n}%03d\r", *_ACK, None,
                   Qx.SETVAR | Qx.RANGE | SKIP, vs.outlet_delay_set, info_rw=delay)
              for n in range(1, 5)]  # fmt: skip
    return items


def _limit_items() -> list[Item]:
    """ECO Mode and bypass limits, the battery settings, P31 extras, phase angles."""
    eco_max, eco_min = rw_values("", ""), rw_values("", "")  # filled by eco_volt
    f_max, f_min = vr.r_eco_freq_max(), vr.r_eco_freq_min()
    bv_max, bv_min = vr.r_bypass_volt_max(), vr.r_bypass_volt_min()
    bf_max, bf_min = vr.r_bypass_freq_max(), vr.r_bypass_freq_min()
    numb, packs, low = rw_values("1", "9"), rw_values("1", "99"), vr.r_batt_low()
    batt_type, grid = rw_values("Li", "Flooded", "AGM"), rw_values("Appliance", "UPS")
    angles = rw_values("000", "120", "180", "240")
    ranged, setting = SEMI | Qx.RANGE | SKIP, Qx.SETVAR | Qx.RANGE | SKIP
    bypass_set = setting | NONUT
    return [
        item("input.transfer.high", "QHE\r", 9, "(", (1, 3), "%.0f", ranged, vv.eco_volt, rw=True, info_rw=eco_max),
        item("input.transfer.low", "QHE\r", 9, "(", (5, 7), "%.0f", ranged, vv.eco_volt, rw=True, info_rw=eco_min),
        item("input.transfer.low.min", "QHE\r", 9, "(", (5, 7), "%.0f", SEMI | SKIP, vv.eco_volt_range),
        item("input.transfer.low.max", "QHE\r", 9, "(", (5, 7), "%.0f", SEMI | SKIP, vv.eco_volt_range),
        item("input.transfer.high.min", "QHE\r", 9, "(", (1, 3), "%.0f", SEMI | SKIP, vv.eco_volt_range),
        item("input.transfer.high.max", "QHE\r", 9, "(", (1, 3), "%.0f", SEMI | SKIP, vv.eco_volt_range),
        item("input.transfer.high", "HEH%03.0f\r", *_ACK, None, setting, vs.process_setvar, info_rw=eco_max),
        item("input.transfer.low", "HEL%03.0f\r", *_ACK, None, setting, vs.process_setvar, info_rw=eco_min),
        item("input.frequency.high", "QFRE\r", 11, "(", (1, 4), "%.1f", ranged, vv.eco_freq, rw=True, info_rw=f_max),
        item("input.frequency.low", "QFRE\r", 11, "(", (6, 9), "%.1f", ranged, vv.eco_freq, rw=True, info_rw=f_min),
        item("input.frequency.high", "FREH%04.1f\r", *_ACK, None, setting, vs.process_setvar, info_rw=f_max),
        item("input.frequency.low", "FREL%04.1f\r", *_ACK, None, setting, vs.process_setvar, info_rw=f_min),
        item("max_bypass_volt", "QBYV\r", 9, "(", (1, 3), "%.0f", ranged | NONUT, vv.bypass_limit, rw=True, info_rw=bv_max),
        item("min_bypass_volt", "QBYV\r", 9, "(", (5, 7), "%.0f", ranged | NONUT, vv.bypass_limit, rw=True, info_rw=bv_min),
        item("max_bypass_volt", "PHV%03.0f\r", *_ACK, None, bypass_set, vs.process_setvar, info_rw=bv_max),
        item("min_bypass_volt", "PLV%03.0f\r", *_ACK, None, bypass_set, vs.process_setvar, info_rw=bv_min),
        item("max_bypass_freq", "QBYF\r", 11, "(", (1, 4), "%.1f", ranged | NONUT, vv.bypass_limit, rw=True, info_rw=bf_max),
        item("min_bypass_freq", "QBYF\r", 11, "(", (6, 9), "%.1f", ranged | NONUT, vv.bypass_limit, rw=True, info_rw=bf_min),
        item("max_bypass_freq", "PGF%04.1f\r", *_ACK, None, bypass_set, vs.process_setvar, info_rw=bf_max),
        item("min_bypass_freq", "PSF%04.1f\r", *_ACK, None, bypass_set, vs.process_setvar, info_rw=bf_min),
        item("battery_number", "BATN%1.0f\r", *_ACK, None, Qx.SETVAR | Qx.RANGE | NONUT, vs.process_setvar, info_rw=numb),
        item("battery.packs", "BATGN%02.0f\r", *_ACK, None, Qx.SETVAR | Qx.RANGE, vs.process_setvar, info_rw=packs),
        item("battery.type", "QBT\r", 4, "(", (1, 2), "%s", SEMI | Qx.ENUM | SKIP, vv.p31_choice, rw=True, info_rw=batt_type),
        item("battery.type", "PBT%02.0f\r", *_ACK, None, Qx.SETVAR | Qx.ENUM | SKIP, vs.enum_index_set, info_rw=batt_type),
        item("work_range_type", "QGR\r", 4, "(", (1, 2), "%s", SEMI | Qx.ENUM | NONUT | SKIP, vv.p31_choice, rw=True, info_rw=grid),
        item("work_range_type", "PGR%02.0f\r", *_ACK, None, Qx.SETVAR | Qx.ENUM | NONUT | SKIP, vs.enum_index_set, info_rw=grid),
        item("battery.voltage.low", "RE0\r", 3, "#", (1, 2), "%.1f", SEMI | Qx.RANGE, rw=True, info_rw=low),
        item("battery.voltage.low", "W0E%02.0f\r", *_ACK, None, Qx.SETVAR | Qx.RANGE, vs.process_setvar, info_rw=low),
        item("input_phase_angle", "QPD\r", 9, "(", (1, 3), "%03d", SEMI | NONUT, vv.phase),
        item("output_phase_angle", "QPD\r", 9, "(", (5, 7), "%03d", SEMI | Qx.ENUM | NONUT, vv.phase, rw=True, info_rw=angles),
        item("output_phase_angle", "PPD%03.0f\r", *_ACK, None, Qx.SETVAR | Qx.ENUM | NONUT | SKIP, vs.enum_index_set, info_rw=angles),
        item("voltronic_parallel", "QPAR\r", 5, "(", (1, 3), "%s", STATIC | NONUT, vv.parallel),
        item("unknown.7", "QBDR\r", 5, "(", (1, 0), "%s", STATIC | NONUT | SKIP),
    ]  # fmt: skip


def _commands() -> list[Item]:
    def cmd(name: str, command: str, flags: Qx = Qx(0), pre: bool = False) -> Item:
        return item(name, command, *_ACK, None, Qx.CMD | flags, vs.process_command if pre else None)

    commands = [
        cmd("load.off", "SOFF\r"), cmd("load.on", "SON\r"),
        cmd("shutdown.return", "S%s\r", pre=True), cmd("shutdown.stayoff", "S%sR0000\r", pre=True),
        cmd("shutdown.stop", "CS\r"), cmd("test.battery.start", "T%s\r", pre=True),
        cmd("test.battery.start.deep", "TL\r"), cmd("test.battery.start.quick", "T\r"),
        cmd("test.battery.stop", "CT\r"), cmd("beeper.toggle", "BZ%s\r", pre=True),
        cmd("beeper.enable", "PEA\r", SKIP), cmd("beeper.disable", "PDA\r", SKIP),
    ]  # fmt: skip
    for n in range(1, 5):
        commands += [cmd(f"outlet.{n}.load.off", f"SKOFF{n}\r", SKIP),
                     cmd(f"outlet.{n}.load.on", f"SKON{n}\r", SKIP)]  # fmt: skip
    return commands + [cmd("bypass.start", "PEE\r", SKIP), cmd("bypass.stop", "PDE\r", SKIP)]


def _table() -> list[Item]:
    return [
        item("ups.firmware.aux", "QPI\r", 6, "(", (1, 4), "%s", STATIC, vv.protocol),
        item("output.voltage.nominal", "QRI\r", 22, "(", (1, 5), "%.1f", STATIC),
        item("output.current.nominal", "QRI\r", 22, "(", (7, 9), "%.0f", STATIC),
        item("battery.voltage.nominal", "QRI\r", 22, "(", (11, 15), "%.1f", SEMI),
        item("output.frequency.nominal", "QRI\r", 22, "(", (17, 20), "%.1f", STATIC),
        item("device.model", "QMD\r", 48, "(", (1, 15), "%s", STATIC | Qx.TRIM),
        item("ups.power.nominal", "QMD\r", 48, "(", (17, 23), "%s", STATIC | Qx.TRIM),
        item("output.powerfactor", "QMD\r", 48, "(", (25, 26), "%.1f", STATIC, vv.powerfactor),
        item("input.phases", "QMD\r", 48, "(", (28, 28), "%.0f", STATIC),
        item("output.phases", "QMD\r", 48, "(", (30, 30), "%.0f", STATIC),
        item("input.voltage.nominal", "QMD\r", 48, "(", (32, 34), "%.1f", STATIC),
        item("output.voltage.nominal", "QMD\r", 48, "(", (36, 38), "%.1f", STATIC),
        item("input.voltage.nominal", "F\r", 22, "#", (1, 5), "%.1f", STATIC),
        item("input.current.nominal", "F\r", 22, "#", (7, 9), "%.1f", STATIC),
        item("battery.voltage.nominal", "F\r", 22, "#", (11, 15), "%.1f", STATIC),
        item("input.frequency.nominal", "F\r", 22, "#", (17, 20), "%.1f", STATIC),
        item("device.mfr", "QMF\r", 2, "(", (1, 0), "%s", STATIC | Qx.TRIM),
        item("ups.firmware", "QVFW\r", 16, "(", (7, 14), "%s", STATIC),
        item("device.serial", "QID\r", 2, "(", (1, 0), "%s", STATIC, vv.serial_number),
        *vendor_items(),
        *_status_items(),
        item("battery.voltage", "QBV\r", 21, "(", (1, 5), "%.2f"),
        item("battery_number", "QBV\r", 21, "(", (7, 9), "%d", SEMI | Qx.RANGE | NONUT,
             vv.batt_numb, rw=True, info_rw=rw_values("1", "9")),
        item("battery.packs", "QBV\r", 21, "(", (10, 11), "%.0f", SEMI | Qx.RANGE,
             rw=True, info_rw=rw_values("1", "99")),
        item("battery.charge", "QBV\r", 21, "(", (13, 15), "%.0f"),
        item("battery.runtime", "QBV\r", 21, "(", (17, 19), "%.0f", Qx(0), vv.minutes),
        item("output.power.minimum.percent", "QLDL\r", 9, "(", (1, 3), "%.0f"),
        item("output.power.maximum.percent", "QLDL\r", 9, "(", (5, 7), "%.0f"),
        *_phase_items(), *_capability_items(), *_outlet_items(), *_limit_items(), *_commands(),
        *delay_items(on_range=("0", "599940"), off_range=("12", "5940"), setvar=vs.process_setvar),
    ]  # fmt: skip


def _claim(s: Session) -> Exchange[bool]:
    """QGS must give an input voltage and QPI a protocol NUT knows."""
    return (yield from bc.claim_pair(s, "input.voltage", "ups.firmware.aux"))


VOLTRONIC = Subdriver(
    version="Voltronic 0.06", claim=_claim, table=_table, accepted="ACK", rejected="(NAK\r",
    flags=frozenset({"reset_to_default", "testing"}),
    values=frozenset({*vv.CAPABILITIES, "max_bypass_volt", "min_bypass_volt", "max_bypass_freq",
                      "min_bypass_freq", "work_range_type", "output_phase_angle",
                      "battery_number"}) - {"ups.start.auto", "battery.protection",
                                            "battery.energysave", "ups.start.battery",
                                            "outlet.0.switchable"},
)
