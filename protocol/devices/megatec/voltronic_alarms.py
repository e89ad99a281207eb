"""The warnings (QWS) and faults (QFS) of nutdrv_qx's voltronic protocol, as NUT words them.

QWS answers 64 flags; each set one is a warning in ups.alarm (LB, OVER and
RB among them also raise status words). When the text would not leave room
in ups.alarm for other alarms NUT lists bit numbers instead.
"""

from __future__ import annotations

from nutrio.protocol.devices.megatec.qx_item import Item, Qx
from nutrio.protocol.devices.megatec.qx_session import Session, is_numeric

__all__ = ["WARNINGS", "fault", "warning"]

#: bit (0-based) -> warning text
WARNINGS: dict[int, str] = dict(enumerate((
    "Battery disconnected.", "Neutral not connected.", "Site fault.", "Phase sequence incorrect.",
    "Phase sequence incorrect in bypass.", "Input frequency unstable in bypass.",
    "Battery overcharged.", "Low battery.", "Overload alarm.", "Fan alarm.", "EPO enabled.",
    "Unable to turn on UPS.", "Over temperature alarm.", "Charger alarm.", "Remote auto shutdown.",
    "L1 input fuse not working.", "L2 input fuse not working.", "L3 input fuse not working.",
    "Positive PFC abnormal in L1.", "Negative PFC abnormal in L1.",
    "Positive PFC abnormal in L2.", "Negative PFC abnormal in L2.",
    "Positive PFC abnormal in L3.", "Negative PFC abnormal in L3.",
    "Abnormal in CAN-bus communication.", "Abnormal in synchronous signal circuit.",
    "Abnormal in synchronous pulse signal circuit.", "Abnormal in host signal circuit.",
    "Male connector of parallel cable not connected well.",
    "Female connector of parallel cable not connected well.",
    "Parallel cable not connected well.",
    "Battery connection not consistent in parallel systems.",
    "AC connection not consistent in parallel systems.",
    "Bypass connection not consistent in parallel systems.",
    "UPS model types not consistent in parallel systems.",
    "Capacity of UPSes not consistent in parallel systems.",
    "Auto restart setting not consistent in parallel systems.",
    "Battery cell over charge.",
    "Battery protection setting not consistent in parallel systems.",
    "Battery detection setting not consistent in parallel systems.",
    "Bypass not allowed setting not consistent in parallel systems.",
    "Converter setting not consistent in parallel systems.",
    "High loss point for frequency in bypass mode not consistent in parallel systems.",
    "Low loss point for frequency in bypass mode not consistent in parallel systems.",
    "High loss point for voltage in bypass mode not consistent in parallel systems.",
    "Low loss point for voltage in bypass mode not consistent in parallel systems.",
    "High loss point for frequency in AC mode not consistent in parallel systems.",
    "Low loss point for frequency in AC mode not consistent in parallel systems.",
    "High loss point for voltage in AC mode not consistent in parallel systems.",
    "Low loss point for voltage in AC mode not consistent in parallel systems.",
    "Warning for locking in bypass mode after 3 consecutive overloads within 30 min.",
    "Warning for three-phase AC input current unbalance.",
    "Warning for a three-phase input current unbalance detected in battery mode.",
    "Warning for Inverter inter-current unbalance.",
    "Programmable outlets cut off pre-alarm.",
    "Warning for Battery replace.",
    "Abnormal warning on input phase angle.",
    "Warning!! Cover of maintain switch is open.",
)))
WARNINGS[61] = "EEPROM operation error."
#: warnings that also set a status word
_STATUS = {7: "LB", 8: "OVER", 55: "RB"}
#: ups.alarm holds 255 bytes; NUT keeps 32 of them for other alarms
_ROOM = 256 - 32


def warning(s: Session, entry: Item, value: str) -> str | None:
    """voltronic_warning: the set QWS flags as one ups.alarm text ("" when none is set)."""
    flags = entry.value
    if not is_numeric(flags, "01"):
        return None
    if "1" not in flags:
        return ""
    known: list[tuple[int, str]] = []
    unknown: list[int] = []
    for bit, flag in enumerate(flags):
        if flag != "1":
            continue
        text = WARNINGS.get(bit)
        s.note("driver.qx_ups_warning", warning=text or f"unknown bit #{bit + 1:02d}")
        if text is None:
            unknown.append(bit + 1)
            continue
        if bit in _STATUS:
            s.update_status(_STATUS[bit])
        known.append((bit + 1, text))
    return "UPS warnings: " + _describe(known, unknown)


def _describe(known: list[tuple[int, str]], unknown: list[int]) -> str:
    unknown_bits = ", ".join(f"#{bit:02d}" for bit in unknown)
    if not known:
        return f"Unknown warnings [bit: {unknown_bits}]"
    explicit = " ".join(text for _, text in known)
    bits = "Known (see log or manual) [bit: " + ", ".join(f"#{bit:02d}" for bit, _ in known)
    if unknown:
        explicit += f" Unknown warnings [bit: {unknown_bits}]"
        bits += f"]; Unknown warnings [bit: {unknown_bits}]"
    else:
        bits += "]"
    return explicit if len(explicit) < _ROOM else bits


def fault(s: Session, entry: Item, value: str) -> str | None:
    """voltronic_fault (QFS). NUT 2.8.0 never asks QFS: the status bit meant to enable it
    is compared with the number 1 instead of the character '1'. Kept for its reply check."""
    entry.flags |= Qx.SKIP  # asked once
    if entry.value.lower() == "ok":
        return "No fault found"
    return f"Unknown fault [{entry.value}]"
