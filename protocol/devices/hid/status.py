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


def status_words(bits: set[str] | frozenset[str], *, onlinedischarge: bool = False) -> tuple[str, ...]:
    """The ups.status words for ``bits`` (ups_status_set).

    OL with DISCHRG is kept as OL (NUT logs a warning) unless the
    ``onlinedischarge`` flag says such a unit is really on battery.
    """
    words: list[str] = []
    if "online" not in bits or ("dischrg" in bits and onlinedischarge):
        words.append("OB")
    else:
        words.append("OL")
    if "dischrg" in bits and "depleted" not in bits:
        words.append("DISCHRG")
    if "chrg" in bits and "fullycharged" not in bits:
        words.append("CHRG")
    if bits & {"lowbatt", "timelimitexp", "shutdownimm"}:
        words.append("LB")
    if "overload" in bits:
        words.append("OVER")
    if "replacebatt" in bits:
        words.append("RB")
    if "trim" in bits:
        words.append("TRIM")
    if "boost" in bits:
        words.append("BOOST")
    if bits & {"bypassauto", "bypassman"}:
        words.append("BYPASS")
    if "off" in bits:
        words.append("OFF")
    if "cal" in bits:
        words.append("CAL")
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
