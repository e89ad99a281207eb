"""nutdrv_qx's "ablerex" protocol (nutdrv_qx_ablerex.c, NUT 2.8.0: Ablerex 0.01).

Megatec's Q1/F/I, plus three binary replies:

    > Q5   < ( ff ff .. .. .. .. vb vb vc vc .. .. ee ee cc cc ..   (16-bit big-endian words)
    > At   < ( tt tt tt tt      (runtime, seconds)
    > TR   < # r r r r          (test result, four characters)

Q5 sets output.frequency, output.current and (until the next full update
clears it) a numeric ups.alarm straight into the state; its battery voltage
words scale battery.voltage and battery.voltage.low. The F reply is read on
every poll. battery.charge comes from a per-cell voltage table, and the
bypass/boost bit reads as TRIM/BYPASS/BOOST only on a standby (offline)
unit; these status words are written before the usual ones.
"""

from __future__ import annotations

from nutrio.protocol.common.cnum import c_strtod
from nutrio.protocol.devices.megatec import blazer_common as bc
from nutrio.protocol.devices.megatec.megatec_family import (
    blazer_commands,
    delay_items,
    status_items,
    vendor_items,
)
from nutrio.protocol.devices.megatec.qx_item import Item, Qx, Subdriver, item
from nutrio.protocol.devices.megatec.qx_session import Session

__all__ = ["ABLEREX", "charge_from_cell_volts"]

_ONLINE = (  # volts per cell on line -> charge %
    (2.22, 100), (2.21, 90), (2.20, 88), (2.19, 87), (2.18, 85), (2.17, 83), (2.16, 82),
    (2.15, 80), (2.14, 78), (2.13, 77), (2.12, 75), (2.11, 73), (2.10, 72), (2.09, 70),
    (2.08, 68), (2.07, 65), (2.06, 65), (2.05, 62), (2.04, 62), (2.03, 58), (2.02, 58),
    (2.01, 55), (2.00, 55), (1.99, 53), (1.98, 52), (1.97, 50), (1.96, 48), (1.95, 47),
    (1.94, 45), (1.93, 43), (1.92, 42), (1.91, 40), (1.90, 38), (1.89, 37), (1.88, 35),
    (1.87, 33), (1.86, 32), (1.85, 30), (1.84, 28), (1.83, 27), (1.82, 25), (1.81, 23),
    (1.80, 22), (1.79, 20), (1.78, 18), (1.77, 17), (1.76, 15), (1.75, 13), (1.74, 12),
    (1.73, 10), (1.72, 8), (1.71, 7), (1.70, 5), (1.69, 3), (1.68, 2),
)
_OFFLINE = (  # volts per 12 V block -> charge %
    (13.5, 100), (13.3, 90), (13.2, 88), (13.1, 86), (13, 83), (12.9, 80), (12.8, 77),
    (12.7, 74), (12.6, 72), (12.5, 69), (12.4, 66), (12.3, 63), (12.2, 61), (12.1, 58),
    (12, 55), (11.9, 52), (11.8, 49), (11.7, 47), (11.6, 44), (11.5, 41), (11.4, 38),
    (11.3, 36), (11.2, 33), (11.1, 30), (11, 27), (10.9, 24), (10.8, 22), (10.7, 19),
    (10.6, 16), (10.5, 13), (10.4, 11), (10.3, 8), (10.2, 5), (10.1, 2),
)


def charge_from_cell_volts(volts: float) -> int:
    """ablerex_battery_charge: per-cell volts (below 3) or per-block volts to a percentage."""
    for threshold, charge in _ONLINE if volts < 3.0 else _OFFLINE:
        if volts >= threshold:
            return charge
    return 0


def _word(answer: bytes, at: int) -> int:
    return answer[at] * 256 + answer[at + 1] if len(answer) > at + 1 else 0


def _q5(s: Session, entry: Item, value: str) -> str | None:
    raw = entry.answer.ljust(17, b"\0")
    frequency, battery = _word(raw, 1), _word(raw, 7)
    s.globals["q5_vbc"] = _word(raw, 9)
    s.globals["q5_vb"] = battery
    s.state.set("output.frequency", f"{0.1 * frequency:.1f}")
    s.state.set("ups.alarm", f"{_word(raw, 13)}")
    s.state.set("output.current", f"{0.1 * _word(raw, 15):.1f}")
    return f"{frequency * 0.1:.1f}"


def _nominal(s: Session) -> float | None:
    text = s.state.get("battery.voltage.nominal")
    return None if text is None else c_strtod(text)


def _battery(s: Session, entry: Item, value: str) -> str | None:
    volts = c_strtod(entry.value)
    nominal = _nominal(s)
    if nominal is None:
        return f"{volts:.2f}"
    packed = s.globals.get("q5_vb", -1)
    if packed > 0:
        volts = packed * nominal / 1200
    elif volts <= 3.0:
        volts = volts * 6 * nominal / 12
    return f"{volts:.2f}"


def _charge(s: Session, entry: Item, value: str) -> str | None:
    volts = c_strtod(entry.value)
    nominal = _nominal(s)
    if nominal is None:
        return "100"
    if volts > 3.0:
        volts = volts / (nominal / 12)
    return str(charge_from_cell_volts(volts))


def _battery_limits(s: Session, entry: Item, value: str) -> str | None:
    nominal = _nominal(s) or 0.0
    vbc = s.globals.get("q5_vbc", -1)
    low = vbc * nominal / 1200 if vbc > 0 else 960 * nominal / 1200
    high = 1365 * nominal / 1200
    return {1: f"{low:.2f}", 2: f"{high:.2f}"}.get(entry.start)


def _runtime(s: Session, entry: Item, value: str) -> str | None:
    raw = entry.answer.ljust(5, b"\0")
    seconds = ((raw[1] << 24) + (raw[2] << 16) + (raw[3] << 8) + raw[4]) & 0xFFFFFFFF
    return str(seconds - (1 << 32) if seconds >= 1 << 31 else seconds)


def _test_result(s: Session, entry: Item, value: str) -> str | None:
    return entry.answer[1:5].split(b"\0", 1)[0].decode("latin-1")


def _status(s: Session, entry: Item, value: str) -> str | None:
    """Bits 40-42 (bypass/boost by unit type) and 41 (bad battery, output off): words first."""
    bits = entry.value
    if entry.start == 40:
        if bits[:1] == "1":
            word = bc.bypass_word(s) if bits[2:3] == "1" else "BYPASS"
            if word is None:
                return None
            s.status_set(word)
        return ""
    if entry.start == 41:
        if bits[:1] == "1":
            s.status_set("RB")
        if c_strtod(s.state.get("output.voltage") or "") < 50.0:
            s.status_set("OFF")
        return ""
    return None


def _table() -> list[Item]:
    q1 = status_items("Q1\r")
    values, bits = q1[:7], q1[7:]
    values.insert(6, item("battery.charge", "Q1\r", 47, "(", (28, 31), "%.2f", Qx(0), _charge))
    values[5].preprocess = _battery
    quick = Qx.QUICK_POLL
    ablerex_bits = [
        item("ups.status", "Q1\r", 47, "(", (40, 42), None, quick, _status),
        item("ups.status", "Q1\r", 47, "(", (41, 41), None, quick, _status),
    ]
    ratings = [
        item("output.voltage.nominal", "F\r", 22, "#", (1, 5), "%.1f", quick),
        item("output.current.nominal", "F\r", 22, "#", (7, 9), "%.1f", quick),
        item("battery.voltage.nominal", "F\r", 22, "#", (11, 15), "%.1f", quick),
        item("output.frequency.nominal", "F\r", 22, "#", (17, 20), "%.1f", quick),
        item("battery.voltage.low", "F\r", 22, "#", (1, 2), "%.2f", quick, _battery_limits),
        item("battery.voltage.high", "F\r", 22, "#", (2, 3), "%.2f", quick, _battery_limits),
    ]
    ablerex = [
        item("output.frequency", "Q5\r", 22, "(", (1, 18), "%.1f", Qx(0), _q5),
        item("battery.runtime", "At\r", 0, "(", (0, 0), "%d", Qx(0), _runtime),
        item("ups.test.result", "TR\r", 0, "#", (0, 0), "%s", Qx(0), _test_result),
    ]
    return [*values, *bits[:2], *ablerex_bits, *bits[3:], *ratings, *ablerex, *vendor_items(),
            *blazer_commands(load_off="S.2\r"), *delay_items()]  # fmt: skip


ABLEREX = Subdriver(
    version="Ablerex 0.01", claim=bc.claim, table=_table, initups=bc.initups, accepted="ACK",
    flags=bc.BLAZER_FLAGS,
)
