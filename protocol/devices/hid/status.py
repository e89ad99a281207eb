"""ups.status and ups.alarm from the collected status bits (usbhid-ups.c, NUT 2.8.0).

Reports arrive piecemeal (an interrupt report may carry only ACPresent), so
the bits are remembered between polls: ``online`` sets one, ``!online``
clears it. Each poll turns the remembered set into NUT status words, and
each full poll into alarm texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["KNOWN_BITS", "StatusBits", "alarm_texts", "status_words", "transfer_reason"]

KNOWN_BITS = frozenset({
    "online", "dischrg", "chrg", "lowbatt", "overload", "replacebatt", "shutdownimm", "trim",
    "boost", "bypassauto", "bypassman", "off", "cal", "overheat", "commfault", "depleted",
    "timelimitexp", "fullycharged", "awaitingpower", "fanfail", "nobattery", "battvoltlo",
    "battvolthi", "chargerfail", "vrange", "frange",
})

#: (bit, alarm text), in NUT's order (ups_alarm_set)
_ALARMS = (
    ("replacebatt", "Replace battery!"),
    ("shutdownimm", "Shutdown imminent!"),
    ("fanfail", "Fan failure!"),
    ("nobattery", "No battery installed!"),
    ("battvoltlo", "Battery voltage too low!"),
    ("battvolthi", "Battery voltage too high!"),
    ("chargerfail", "Battery charger fail!"),
    ("overheat", "Temperature too high!"),
    ("commfault", "Internal UPS fault!"),
    ("awaitingpower", "Awaiting power!"),
    ("bypassauto", "Automatic bypass mode!"),
    ("bypassman", "Manual bypass mode!"),
)


@dataclass
class StatusBits:
    """The remembered bits (ups_status)."""

    bits: set[str] = field(default_factory=set)

    def apply(self, word: str) -> bool:
        """Set ``word`` or clear ``!word`` (process_boolean_info); False if unknown."""
        clear = word.startswith("!")
        name = word[1:] if clear else word
        name = name.lower()
        if name not in KNOWN_BITS:
            return False
        if clear:
            self.bits.discard(name)
        else:
            self.bits.add(name)
        return True


def status_words(bits: set[str] | frozenset[str], *, onlinedischarge: bool = False,
                 calibration: bool = False) -> tuple[str, ...]:
    """The ups.status words for ``bits`` (ups_status_set).

    OL with DISCHRG stays OL (NUT 2.8.0 logs a warning) unless the
    ``onlinedischarge`` flag says such a unit is really on battery. The 2.8.1 flag
    ``onlinedischarge_calibration`` (``calibration``) reads it as CAL instead; with
    it, CAL comes first, as 2.8.1 puts it.
    """
    words: list[str] = []
    if calibration and "cal" in bits:
        words.append("CAL")
    if "online" not in bits:
        words.append("OB")
    elif "dischrg" in bits:
        if calibration:
            words.append("CAL")
        if onlinedischarge:
            words.append("OB")
        if not (calibration or onlinedischarge):
            words.append("OL")
    else:
        words.append("OL")
    words += [word for word, present in (
        ("DISCHRG", "dischrg" in bits and "depleted" not in bits),
        ("CHRG", "chrg" in bits and "fullycharged" not in bits),
        ("LB", bool(bits & {"lowbatt", "timelimitexp", "shutdownimm"})),
        ("OVER", "overload" in bits),
        ("RB", "replacebatt" in bits),
        ("TRIM", "trim" in bits),
        ("BOOST", "boost" in bits),
        ("BYPASS", bool(bits & {"bypassauto", "bypassman"})),
        ("OFF", "off" in bits),
        ("CAL", "cal" in bits and not calibration),
    ) if present]
    return tuple(words)


def alarm_texts(bits: set[str] | frozenset[str]) -> tuple[str, ...]:
    """The ups.alarm texts for ``bits`` (ups_alarm_set)."""
    return tuple(text for bit, text in _ALARMS if bit in bits)


def transfer_reason(bits: set[str] | frozenset[str]) -> str | None:
    """input.transfer.reason, or None to delete it."""
    if "vrange" in bits:
        return "input voltage out of range"
    if "frange" in bits:
        return "input frequency out of range"
    return None
