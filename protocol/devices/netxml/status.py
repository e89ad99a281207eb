"""ups.status, ups.alarm and input.transfer.reason from netxml-ups' status bits."""

from __future__ import annotations

from collections.abc import Set

from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.netxml.convert import Bit

__all__ = ["alarms", "put_status", "status_words"]

_ALARMS = (
    (Bit.REPLACEBATT, "Replace battery!"),
    (Bit.SHUTDOWNIMM, "Shutdown imminent!"),
    (Bit.FANFAIL, "Fan failure!"),
    (Bit.NOBATTERY, "No battery installed!"),
    (Bit.BATTVOLTLO, "Battery voltage too low!"),
    (Bit.BATTVOLTHI, "Battery voltage too high!"),
    (Bit.CHARGERFAIL, "Battery charger fail!"),
    (Bit.OVERHEAT, "Temperature too high!"),
    (Bit.COMMFAULT, "Communication fault!"),
    (Bit.INTERNALFAULT, "Internal UPS fault!"),
    (Bit.FUSEFAULT, "Fuse fault!"),
    (Bit.BYPASSAUTO, "Automatic bypass mode!"),
    (Bit.BYPASSMAN, "Manual bypass mode!"),
)
#: status words after OL/OB, in NUT's order
_WORDS = (
    (Bit.DISCHRG, "DISCHRG"), (Bit.CHRG, "CHRG"), (Bit.LOWBATT, "LB"), (Bit.OVERLOAD, "OVER"),
    (Bit.REPLACEBATT, "RB"), (Bit.TRIM, "TRIM"), (Bit.BOOST, "BOOST"),
)


def alarms(bits: Set[Bit]) -> list[str]:
    return [text for bit, text in _ALARMS if bit in bits]


def status_words(bits: Set[Bit]) -> list[str]:
    words = ["OL" if Bit.ONLINE in bits else "OB"]
    words += [word for bit, word in _WORDS if bit in bits]
    if Bit.BYPASSAUTO in bits or Bit.BYPASSMAN in bits:
        words.append("BYPASS")
    for bit, word in ((Bit.OFF, "OFF"), (Bit.SHUTDOWNIMM, "FSD"), (Bit.CAL, "CAL")):
        if bit in bits:
            words.append(word)
    return words


def put_status(state: DeviceVars, bits: Set[Bit]) -> None:
    """The end of an update: ups.alarm (ALARM leads ups.status while one is active),
    input.transfer.reason and ups.status."""
    found = alarms(bits)
    if found:
        state.set("ups.alarm", " ".join(found))
    else:
        state.delete("ups.alarm")
    if Bit.VRANGE in bits:
        state.set("input.transfer.reason", "input voltage out of range")
    elif Bit.FRANGE in bits:
        state.set("input.transfer.reason", "input frequency out of range")
    else:
        state.delete("input.transfer.reason")
    words = " ".join(status_words(bits))
    state.set("ups.status", f"ALARM {words}" if found else words)
