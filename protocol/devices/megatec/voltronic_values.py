"""How nutdrv_qx's voltronic protocol reads its replies (the preprocess functions of queries).

Several readers also switch on other items as a side effect, as NUT does:
the protocol number (QPI) decides which multi-phase and bypass-limit
queries exist; a capability (QFLAG) makes its setting writable and may
reveal commands (beeper, bypass) and queries (ECO limits, outlets); an
outlet reply makes its delay and commands appear.
"""

from __future__ import annotations

from nutrio.protocol.common.cnum import c_atoi, c_strtod
from nutrio.protocol.devices.megatec import blazer_common as bc
from nutrio.protocol.devices.megatec.qx_item import Item, Qx
from nutrio.protocol.devices.megatec.qx_session import Session, c_format, is_numeric
from nutrio.protocol.devices.megatec.voltronic_ranges import protocol_number

__all__ = [
    "CAPABILITIES",
    "batt_numb",
    "bypass_limit",
    "capability",
    "eco_freq",
    "eco_volt",
    "eco_volt_range",
    "minutes",
    "mode",
    "outlet",
    "outlet_delay",
    "p31_choice",
    "parallel",
    "phase",
    "powerfactor",
    "protocol",
    "serial_number",
    "status",
    "strtok_flags",
]

_PROTOCOLS = frozenset({0, 1, 2, 3, 8, 9, 10, 13, 14, 31, 99})
#: capability letter of each QFLAG item; the NUT-variable ones answer yes/no
CAPABILITIES = {
    "bypass_alarm": "p", "battery_alarm": "b", "bypass_when_off": "o", "alarm_control": "a",
    "converter_mode": "v", "eco_mode": "e", "battery_open_status_check": "d",
    "bypass_forbidding": "f", "site_fault_detection": "l", "advanced_eco_mode": "n",
    "constant_phase_angle": "q", "limited_runtime_on_battery": "w",
    "ups.start.auto": "r", "battery.protection": "s", "battery.energysave": "g",
    "ups.start.battery": "c", "outlet.0.switchable": "j",
}  # fmt: skip


def _numeric(entry: Item) -> bool:
    return is_numeric(entry.value)


def protocol(s: Session, entry: Item, value: str) -> str | None:
    """QPI "PInn": a protocol NUT supports, "Pnn", and the items it has appear."""
    if entry.value[:2].lower() != "pi" or not is_numeric(entry.value[2:], "0123489"):
        return None
    number = c_atoi(entry.value[2:])
    if number not in _PROTOCOLS:
        s.note("driver.qx_protocol_unsupported", protocol=entry.value)
        return None
    for other in s.items:
        if other.command and _unskipped_by(s, number, other):
            other.flags &= ~Qx.SKIP
    return f"P{number:02d}"


def _unskipped_by(s: Session, number: int, entry: Item) -> bool:
    """voltronic_massive_unskip: what protocol ``number`` has (multi-phase, P31, bypass)."""
    name, setvar = entry.name.lower(), bool(entry.flags & Qx.SETVAR)
    if name.startswith("output.bypass.l"):
        return number == (9 if entry.answer_len == 19 else 10)  # P09 answers the short Q3YV
    if name in _OUTPUT_L12:
        return number in (9, 10)
    if name in _OUTPUT_L3:
        return number == 10
    if name in _INPUT_L12:
        return number in (3, 9, 10)
    if name in _INPUT_L3:
        return number in (3, 10)
    if name == "battery.type":
        return number == 31
    if name == "work_range_type":
        return number == 31 and (not setvar or s.getval(entry.name) is not None)
    if name in _BYPASS_LIMITS:
        return number not in (0, 8, 31) and not setvar
    if name == "reset_to_default":
        return s.testvar("reset_to_default")
    return name == "unknown.7" and s.testvar("testing")


_OUTPUT_L12 = frozenset({"output.l1-n.voltage", "output.l2-n.voltage", "output.l1-l2.voltage",
                         "output.l1.current", "output.l2.current", "output.l1.power.percent",
                         "output.l2.power.percent"})  # fmt: skip
_OUTPUT_L3 = frozenset({"output.l3-n.voltage", "output.l2-l3.voltage", "output.l1-l3.voltage",
                        "output.l3.current", "output.l3.power.percent"})  # fmt: skip
_INPUT_L12 = frozenset({"input.l1-n.voltage", "input.l2-n.voltage", "input.l1-l2.voltage",
                        "input.l1.current", "input.l2.current"})  # fmt: skip
_INPUT_L3 = frozenset({"input.l3-n.voltage", "input.l2-l3.voltage", "input.l1-l3.voltage",
                       "input.l3.current"})  # fmt: skip
_BYPASS_LIMITS = frozenset({"max_bypass_volt", "min_bypass_volt", "max_bypass_freq",
                            "min_bypass_freq"})  # fmt: skip


def status(s: Session, entry: Item, value: str) -> str | None:
    """voltronic_status: one flag of QGS's 12-bit field."""
    bits = entry.value
    if not is_numeric(bits, "01"):
        return None
    column, on = entry.start, bits[:1] == "1"
    if column == 63:
        return {0: "offline", 1: "line-interactive", 10: "online"}.get(c_atoi(bits))
    if column == 65:
        return "!OL" if on else "OL"
    if column == 66:
        return "LB" if on else "!LB"
    if column == 67:
        return _bypass_bit(s, entry) if on else ""
    if column == 68:
        return ""  # NUT 2.8.0 compares this flag with the number 1: never set
    if column in (70, 71):
        word = "CAL" if column == 70 else "FSD"
        return word if on else f"!{word}"
    if column == 72:
        return _beeper(s, on)
    return None


def _bypass_bit(s: Session, entry: Item) -> str | None:
    word = bc.bypass_word(s)
    if word != "BYPASS":
        return word
    if protocol_number(s) in (0, 8):  # AVR, not bypass, on these
        return "UPS is in AVR Mode." if entry.name.lower() == "ups.alarm" else ""
    return "BYPASS" if entry.name.lower() == "ups.status" else ""


def _beeper(s: Session, muted: bool) -> str:
    if s.globals.get("alarm_control") is not None:
        current = s.state.get("ups.beeper.status")
        if current is not None and current.lower() == "disabled":
            return ""
        return "muted" if muted else "enabled"
    return "disabled" if muted else "enabled"


_MODES = {
    "P": (None, "UPS is going ON"), "S": ("OFF", None), "Y": ("BYPASS", None), "L": ("OL", None),
    "B": ("!OL", None), "T": ("CAL", None), "F": (None, "Fault reported by UPS."),
    "E": (None, "UPS is in ECO Mode."), "C": (None, "UPS is in Converter Mode."),
    "D": ("FSD", "UPS is shutting down!"),
}  # fmt: skip


def mode(s: Session, entry: Item, value: str) -> str | None:
    """voltronic_mode: QMOD's letter as a status word or an alarm (one item each)."""
    found = _MODES.get(entry.value[:1])
    if found is None:
        return None
    word, alarm = found
    if alarm and entry.name.lower() == "ups.alarm":
        return c_format(entry.dfl or "%s", alarm)
    if word and entry.name.lower() == "ups.status":
        return c_format(entry.dfl or "%s", word)
    return ""


def strtok_flags(text: str) -> tuple[str, str] | None:
    """QFLAG "EabcDxyz" split as NUT splits it (strtok on 'D' after the 'E'): (enabled, disabled)."""
    rest = text[1:].lstrip("D")
    if not rest:
        return None
    enabled, _, disabled = rest.partition("D")
    return enabled, disabled


def capability(s: Session, entry: Item, value: str) -> str | None:
    """voltronic_capability: one QFLAG option, enabled or disabled (None: the UPS lacks it)."""
    split = strtok_flags(entry.value)
    if split is None:
        return None
    enabled, disabled = split
    name = entry.name.lower()
    letter = CAPABILITIES.get(name, "")
    state = "enabled" if letter and letter in enabled else "disabled" if letter and letter in disabled else None
    if name == "alarm_control" or name == "eco_mode":
        if letter not in entry.value:
            return None
        _reveal(s, name, state)
    elif name == "outlet.0.switchable" and state == "enabled":
        for number in range(1, 5):
            if not (s.unskip(f"outlet.{number}.switchable") and s.unskip(f"outlet.{number}.status")):
                return None
    if state is None:
        return None
    if entry.flags & Qx.NONUT:
        s.globals[name] = state
        text = c_format(entry.dfl or "%s", state)
        if s.getval(entry.name) is None:
            return text
    else:
        text = c_format(entry.dfl or "%s", "yes" if state == "enabled" else "no")
    return text if s.unskip(entry.name, Qx.SETVAR) else None


def _reveal(s: Session, name: str, state: str | None) -> None:
    if name == "alarm_control":
        if state is not None:
            s.globals["alarm_control"] = state
        beeper = s.state.get("ups.beeper.status")
        if state == "enabled" and (beeper is None or beeper != "muted"):
            s.state.set("ups.beeper.status", "enabled")
        elif state == "disabled":
            s.state.set("ups.beeper.status", "disabled")
        s.unskip("beeper.enable", Qx.CMD)
        s.unskip("beeper.disable", Qx.CMD)
        return
    if state is not None:
        s.globals["eco_mode"] = state
    s.unskip("bypass.start", Qx.CMD)
    s.unskip("bypass.stop", Qx.CMD)
    for other in ("input.transfer.high", "input.transfer.low", "input.frequency.high",
                  "input.frequency.low"):  # fmt: skip
        s.unskip(other, Qx.SEMI_STATIC)


def eco_volt(s: Session, entry: Item, value: str) -> str | None:
    """QHE: an ECO Mode voltage limit; its range (by protocol and nominal output) when known."""
    if not _numeric(entry):
        return None
    text = c_format(entry.dfl or "%s", c_strtod(entry.value))
    nominal = s.state.get("output.voltage.nominal")
    if nominal is None or c_atoi(nominal) < 0:
        return text
    ovn, number = c_atoi(nominal), protocol_number(s)
    if number in (1, 9):
        inner, outer = (7, 24) if ovn >= 200 else (3, 12)
    elif number in (2, 3, 10, 13, 14, 99):
        inner, outer = (11, 24) if ovn >= 200 else (5, 12)
    else:
        return text  # no ECO Mode: no range, nothing to set
    bounds = (ovn + inner, ovn + outer) if entry.name.lower() == "input.transfer.high" else (
        ovn - outer, ovn - inner)
    if entry.info_rw is not None:
        entry.info_rw[0].value, entry.info_rw[1].value = str(bounds[0]), str(bounds[1])
    for suffix in (".min", ".max"):
        if not s.unskip(entry.name + suffix, Qx.SEMI_STATIC):
            return None
    return text if s.unskip(entry.name, Qx.SETVAR) else None


def eco_volt_range(s: Session, entry: Item, value: str) -> str | None:
    """input.transfer.{low,high}.{min,max}: the bounds eco_volt found."""
    base, _, end = entry.name.lower().rpartition(".")
    limit = s.find(base, Qx.SEMI_STATIC)
    if limit is None or limit.info_rw is None or end not in ("min", "max"):
        return None
    bound = limit.info_rw[0 if end == "min" else 1].value
    return bound or None


def eco_freq(s: Session, entry: Item, value: str) -> str | None:
    if not _numeric(entry):
        return None
    text = c_format(entry.dfl or "%s", c_strtod(entry.value))
    return text if s.unskip(entry.name, Qx.SETVAR) else None


def bypass_limit(s: Session, entry: Item, value: str) -> str | None:
    """QBYV/QBYF: a bypass limit (kept for the ups.conf setting of the same name)."""
    if not _numeric(entry):
        return None
    name = entry.name.lower()
    limit = float(c_atoi(entry.value)) if name.endswith("volt") else c_strtod(entry.value)
    s.globals[name] = limit
    text = c_format(entry.dfl or "%s", limit)
    if s.getval(entry.name) is None:
        return text
    return text if s.unskip(entry.name, Qx.SETVAR) else None


def batt_numb(s: Session, entry: Item, value: str) -> str | None:
    if not _numeric(entry):
        return None
    s.globals["battery_number"] = float(c_atoi(entry.value))
    text = c_format(entry.dfl or "%s", c_atoi(entry.value))
    if s.getval(entry.name) is None:
        return text
    return text if s.unskip("battery_number", Qx.SETVAR) else None


def minutes(s: Session, entry: Item, value: str) -> str | None:
    """A reply in minutes (battery runtime, outlet delay) as seconds."""
    if not _numeric(entry):
        return None
    text = c_format(entry.dfl or "%s", c_strtod(entry.value) * 60)
    if entry.name.lower().startswith("outlet."):
        return text if s.unskip(entry.name, Qx.SETVAR) else None
    return text


def powerfactor(s: Session, entry: Item, value: str) -> str | None:
    if not _numeric(entry):
        return None
    return c_format(entry.dfl or "%s", c_strtod(entry.value) * 0.01)


def serial_number(s: Session, entry: Item, value: str) -> str | None:
    if is_numeric(entry.value, "0"):
        s.note("driver.qx_serial_not_significant", serial=entry.value)
        return None
    return c_format(entry.dfl or "%s", entry.value)


def outlet(s: Session, entry: Item, value: str) -> str | None:
    """QSKn: 1 on, 0 off (anything else: not switchable); its delay and commands appear."""
    state = {"1": "on", "0": "off"}.get(entry.value[:1])
    if state is None:
        return None
    text = "yes" if "switchable" in entry.name else state if "status" in entry.name else None
    number = entry.name[7:8]
    if text is None or not (
        s.unskip(f"outlet.{number}.delay.shutdown", Qx.SEMI_STATIC)
        and s.unskip(f"outlet.{number}.load.on", Qx.CMD)
        and s.unskip(f"outlet.{number}.load.off", Qx.CMD)
    ):
        return None
    return c_format(entry.dfl or "%s", text)


outlet_delay = minutes


def p31_choice(s: Session, entry: Item, value: str) -> str | None:
    """QBT/QGR (P31 only): "0n" to the n-th enum value."""
    allowed = "012" if entry.name.lower() == "battery.type" else "01"
    if entry.value[:1] != "0" or len(entry.value[1:]) - len(entry.value[1:].lstrip(allowed)) != 1:
        return None
    index = c_atoi(entry.value)
    if entry.name.lower() == "work_range_type":
        s.globals["work_range_type"] = index
    choices = entry.info_rw or []
    return c_format(entry.dfl or "%s", choices[index].value) if index < len(choices) else None


def phase(s: Session, entry: Item, value: str) -> str | None:
    """QPD: input and output phase angles."""
    if not _numeric(entry):
        return None
    angle = c_atoi(entry.value)
    if entry.name.lower() == "output_phase_angle":
        s.globals["output_phase_angle"] = angle
        if s.getval(entry.name) is not None and not s.unskip(entry.name, Qx.SETVAR):
            return None
    if angle < 0:
        return None
    return c_format(entry.dfl or "%s", angle)


def parallel(s: Session, entry: Item, value: str) -> str | None:
    if not is_numeric(entry.value, "0123456789"):
        return None
    role = {1: "master", 2: "slave", 3: "slave"}.get(c_atoi(entry.value))
    return None if role is None else f"This UPS is *{role}* in a system of UPSes in parallel"
