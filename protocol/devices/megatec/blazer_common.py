"""What the Q1-style protocols of nutdrv_qx share (nutdrv_qx_blazer-common.c).

The claim (a status reply with an input voltage, then the vendor reply
unless ``novendor``), the ups.conf flags that skip queries (``norating``,
``novendor``, ``ignoresab``), the Q1 status bits, the shutdown and battery
test commands built from the delays NUT keeps server-side, and those delays'
truncation to what the UPS can count (tenths of a minute, then minutes).
"""

from __future__ import annotations

from nutrio.protocol.common.cnum import c_atoi, c_strtod
from nutrio.protocol.devices.megatec.qx_item import Exchange, Item, Qx, RwValue, rw_values
from nutrio.protocol.devices.megatec.qx_session import Session, c_format, infoval_set, process
from nutrio.protocol.devices.megatec.reply import ReplyError, bypass_flag

__all__ = [
    "BLAZER_FLAGS",
    "BLAZER_FLAGS_LIGHT",
    "bypass_word",
    "claim",
    "claim_item",
    "claim_light",
    "claim_pair",
    "initups",
    "initups_light",
    "offdelay_text",
    "process_command",
    "process_setvar",
    "r_offdelay",
    "r_ondelay",
    "status_bits",
]

BLAZER_FLAGS = frozenset({"norating", "novendor", "ignoresab"})
BLAZER_FLAGS_LIGHT = frozenset({"ignoresab"})


def r_ondelay() -> list[RwValue]:
    """blazer_r_ondelay: 0 to 9999 minutes."""
    return rw_values("0", "599940")


def r_offdelay() -> list[RwValue]:
    """blazer_r_offdelay: 12 s to 10 minutes."""
    return rw_values("12", "600")


def claim_item(s: Session, name: str) -> Exchange[bool]:
    """Read one item and set its variable; False if either fails."""
    entry = s.find(name)
    if entry is None or not (yield from process(s, entry)):
        return False
    return infoval_set(s, entry) == 1


def claim_pair(s: Session, first: str, second: str | None) -> Exchange[bool]:
    """The claim most protocols make: read ``first``, then ``second`` (None: skip it); when
    the second fails, the first variable goes again."""
    if not (yield from claim_item(s, first)):
        return False
    if second is None or (yield from claim_item(s, second)):
        return True
    s.state.delete(first)
    return False


def claim(s: Session) -> Exchange[bool]:
    """blazer_claim: input.voltage from the status query, then ups.firmware from the vendor one."""
    vendor = None if s.testvar("novendor") else "ups.firmware"
    return (yield from claim_pair(s, "input.voltage", vendor))


def claim_light(s: Session) -> Exchange[bool]:
    """blazer_claim_light: the status query alone."""
    return (yield from claim_item(s, "input.voltage"))


def _skip_status_bit_44(s: Session) -> None:
    for entry in s.items:
        if entry.name.lower() == "ups.status" and entry.start == 44 and entry.end == 44:
            entry.flags |= Qx.SKIP  # ignoresab: the "Shutdown Active" bit
            return


def initups(s: Session) -> None:
    """blazer_initups: norating skips F, novendor skips I and FW?, ignoresab the SAB bit."""
    for entry in s.items:
        command = (entry.command or "").lower()
        if not command:
            continue
        if s.testvar("norating") and command == "f\r":
            entry.flags |= Qx.SKIP
        if s.testvar("novendor") and command in ("i\r", "fw?\r"):
            entry.flags |= Qx.SKIP
    initups_light(s)


def initups_light(s: Session) -> None:
    """blazer_initups_light: only ignoresab."""
    if s.testvar("ignoresab"):
        _skip_status_bit_44(s)


def offdelay_text(offdelay: int) -> str:
    """The "n" of Sn: tenths of a minute below 60 s (".n"), else minutes ("nn")."""
    return f".{offdelay // 6}" if offdelay < 60 else f"{offdelay // 60:02d}"


def _c_div(a: int, b: int) -> int:
    """C's integer division (truncates toward zero)."""
    return int(a / b)


def process_setvar(s: Session, entry: Item, value: str) -> str | None:
    """blazer_process_setvar: the delays, truncated to what the UPS counts."""
    if not value:
        return None
    seconds = c_atoi(value)
    if seconds < 0:
        return None
    name = entry.name.lower()
    if name == "ups.delay.start":
        return str(seconds - seconds % 60)
    if name == "ups.delay.shutdown":
        return str(seconds - seconds % (6 if seconds < 60 else 60))
    return None


def _delay(s: Session, name: str) -> int:
    return c_atoi(s.state.get(name) or "")


def process_command(s: Session, entry: Item, value: str) -> str | None:
    """blazer_process_command: shutdown.return/.stayoff from the delays, test.battery.start."""
    name = entry.name.lower()
    command = entry.command or ""
    if name == "shutdown.return":
        offdelay = _delay(s, "ups.delay.shutdown")
        ondelay = _c_div(_delay(s, "ups.delay.start"), 60)
        if offdelay < 0:
            return None
        text = offdelay_text(offdelay)
        if ondelay > 0:
            text += f"R{ondelay:04d}"
        return c_format(command, text)
    if name == "shutdown.stayoff":
        offdelay = _delay(s, "ups.delay.shutdown")
        return None if offdelay < 0 else c_format(command, offdelay_text(offdelay))
    if name == "test.battery.start":
        seconds = c_atoi(value) if value else 600
        if not 60 <= seconds <= 5940:
            s.note("driver.qx_test_time_refused", seconds=seconds)
            return None
        return c_format(command, seconds // 60)
    return None


def bypass_word(s: Session) -> str | None:
    """The "bypass/boost or buck" bit: TRIM, BYPASS or BOOST by output/input voltage
    (None when the ratio makes no sense: too low or too high)."""
    vi = c_strtod(s.state.get("input.voltage") or "")
    vo = c_strtod(s.state.get("output.voltage") or "")
    try:
        return bypass_flag(vi, vo)
    except ReplyError:
        return None


#: column -> (word when 1, word when 0) of a Q1 status bit
_BITS: dict[int, tuple[str, str]] = {
    38: ("!OL", "OL"),
    39: ("LB", "!LB"),
    41: ("UPS selftest failed!", ""),
    42: ("offline / line interactive", "online"),
    43: ("CAL", "!CAL"),
    44: ("FSD", "!FSD"),
    45: ("enabled", "disabled"),
}


def status_bits(s: Session, entry: Item, value: str) -> str | None:
    """blazer_process_status_bits: one Q1 status bit to a status word, alarm or value."""
    bit = entry.value
    if len(bit) - len(bit.lstrip("01")) != 1:
        return None  # "unexpected value"
    if entry.start == 40:
        return bypass_word(s) if bit[0] == "1" else ""
    words = _BITS.get(entry.start)
    if words is None:
        return None
    return words[0] if bit[0] == "1" else words[1]
