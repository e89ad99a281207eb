"""nutdrv_qx's "bestups" protocol: Best Power and Sola Australia units (nutdrv_qx_bestups.c 0.06).

    > Q1   < (MMM.M NNN.N PPP.P QQQ RR.R S.SS TT.T b7..b0   (no beeper bit)
    > ID   < FOR,750,120,120,20.0,27.6                       (model, VA, in/out V, battery low/high)
    > RT   < 025                                             (runtime, minutes)
    > BP?  < 02       > SS? < 0      > M  < 0               (packs, pin mode, voltage setting 0-9)

The claim needs Q1 and ID. The model code in the ID reply names the UPS and
decides what else exists: RT on all but the Patriot Pro and Sola 320,
battery packs on the Axxium and Sola 620; Patriot Pros report the
bypass/boost bit inverted. The bit means nothing on battery, in a test or
in a shutdown. The M setting maps, by the nominal voltage, to the transfer
points of NUT's table.
"""

from __future__ import annotations

from nutrio.protocol.common.cnum import c_atoi, c_strtod
from nutrio.protocol.devices.megatec import blazer_common as bc
from nutrio.protocol.devices.megatec.megatec_family import delay_items
from nutrio.protocol.devices.megatec.qx_item import Exchange, Item, Qx, Subdriver, item, rw_values
from nutrio.protocol.devices.megatec.qx_session import Session, c_format, cstr, is_numeric

__all__ = ["BESTUPS"]

_BEST_POWER = {"AX1": "Axxium Rackmount", "FOR": "Fortress", "FTC": "Fortress Telecom",
               "PR2": "Patriot Pro II", "PRO": "Patriot Pro"}  # fmt: skip
_SOLA = ("320", "325", "520", "525", "620")
_SOLA_MFR = ("325", "520", "620")

#: M setting -> (low, boost, nominal, buck, high) volts: U models, then E models (+10)
_VOLTAGES = (
    (96, 109, 120, 130, 146), (96, 109, 120, 138, 156), (90, 104, 120, 130, 146),
    (90, 104, 120, 138, 156), (90, 104, 110, 120, 130), (90, 104, 110, 130, 146),
    (90, 96, 110, 120, 130), (90, 96, 110, 130, 146), (96, 109, 128, 146, 156),
    (90, 104, 128, 146, 156),
    (200, 222, 240, 250, 284), (200, 222, 240, 264, 290), (188, 210, 240, 250, 284),
    (188, 210, 240, 264, 290), (188, 210, 230, 244, 270), (188, 210, 230, 250, 284),
    (180, 200, 230, 244, 270), (180, 200, 230, 250, 284), (165, 188, 208, 222, 244),
    (165, 188, 208, 244, 270),
)
#: variable -> column of _VOLTAGES
_VOLTAGE_COLUMN = {
    "input.transfer.low": 0, "input.transfer.boost.low": 0, "input.transfer.boost.high": 1,
    "input.voltage.nominal": 2, "output.voltage.nominal": 2, "input.transfer.trim.low": 3,
    "input.transfer.trim.high": 4, "input.transfer.high": 4,
}  # fmt: skip


def _id_answer(s: Session, entry: Item, raw: bytes) -> bytes | None:
    """Pad the ID reply's VA and full-charge voltage so every field has fixed columns."""
    if not raw:
        return raw
    if not 25 <= len(raw) <= 27:
        return None
    tokens = [token for token in cstr(raw).split(",") if token]
    parts = []
    for number, token in enumerate(tokens, start=1):
        width = {2: 4, 6: 6}.get(number, 0)
        parts.append(f"{token:>{width}}" if width else token)
    refined = ",".join(parts)
    if len(tokens) != 6 or len(refined) != 28:
        return None
    return refined.encode("latin-1")


def _manufacturer(s: Session, entry: Item, value: str) -> str | None:
    if entry.value in _BEST_POWER:
        return "Best Power"
    return "Sola Australia" if entry.value in _SOLA_MFR else "Unknown"


def _model(s: Session, entry: Item, value: str) -> str | None:
    code = entry.value
    if code in _BEST_POWER:
        name = _BEST_POWER[code]
        s.globals["inverted_bbb_bit"] = s.globals.get("inverted_bbb_bit") or code in ("PR2", "PRO")
    elif code in _SOLA:
        name = f"Sola {code}"
    else:
        name = "Unknown (%s)"  # NUT formats this with "%s": the placeholder stays
        s.note("driver.qx_unknown_model", model=code)
    if code not in ("PRO", "320") and not s.unskip("battery.runtime"):
        return None
    if code in ("AX1", "620") and not s.unskip("battery.packs", noflag=Qx.SETVAR):
        return None
    return name


def _runtime(s: Session, entry: Item, value: str) -> str | None:
    if not is_numeric(entry.value):
        return None
    return c_format(entry.dfl or "%s", c_strtod(entry.value) * 60)


def _packs(s: Session, entry: Item, value: str) -> str | None:
    if not is_numeric(entry.value, "0123456789 "):
        return None
    text = c_format(entry.dfl or "%s", c_atoi(entry.value))
    return text if s.unskip("battery.packs", Qx.SETVAR) else None


def _pins_mode(s: Session, entry: Item, value: str) -> str | None:
    if not is_numeric(entry.value, "0123456789"):
        return None
    s.globals["pins_shutdown_mode"] = c_atoi(entry.value)
    text = c_format(entry.dfl or "%s", s.globals["pins_shutdown_mode"])
    if entry.flags & Qx.NONUT and s.getval(entry.name) is None:
        return text
    return text if s.unskip(entry.name, Qx.SETVAR) else None


def _setvar(s: Session, entry: Item, value: str) -> str | None:
    if not value:
        return None
    number = c_strtod(value)
    if entry.name.lower() == "pins_shutdown_mode" and number == s.globals.get("pins_shutdown_mode"):
        s.note("driver.qx_already_set", name=entry.name, value=value)
        return None
    return c_format(entry.command or "", number)


def _voltage_setting(s: Session, entry: Item, value: str) -> str | None:
    if not is_numeric(entry.value, "0123456789"):
        return None
    index = c_atoi(entry.value)
    nominal = s.state.get("input.voltage.nominal") or s.state.get("output.voltage.nominal")
    column = _VOLTAGE_COLUMN.get(entry.name.lower())
    if not 0 <= index <= 9 or nominal is None or column is None:
        return None
    if c_atoi(nominal) > 160:
        index += 10  # E (230 V) models
    return c_format(entry.dfl or "%s", _VOLTAGES[index][column])


def _bbb_bit(s: Session, entry: Item, value: str) -> str | None:
    """The bypass/boost/buck bit: ignored unless on line and idle; inverted on Patriot Pros."""
    bit = entry.value[:1]
    if "OL" not in s.ups_status or s.ups_status & {"CAL", "FSD"}:
        bit = "0" if bit == "1" else bit
    elif s.globals.get("inverted_bbb_bit"):
        bit = {"1": "0", "0": "1"}.get(bit, bit)
    entry.value = bit + entry.value[1:]
    return bc.status_bits(s, entry, value)


def _status_items() -> list[Item]:
    values = (("input.voltage", 1, 5, "%.1f"), ("input.voltage.fault", 7, 11, "%.1f"),
              ("output.voltage", 13, 17, "%.1f"), ("ups.load", 19, 21, "%.0f"),
              ("input.frequency", 23, 26, "%.1f"), ("battery.voltage", 28, 31, "%.2f"),
              ("ups.temperature", 33, 36, "%.1f"))  # fmt: skip
    items = [item(name, "Q1\r", 47, "(", (a, b), fmt) for name, a, b, fmt in values]
    quick = Qx.QUICK_POLL
    for name, col, fmt, flags in (("ups.status", 38, None, quick), ("ups.status", 39, None, quick),
                                  ("ups.alarm", 41, None, Qx(0)), ("ups.type", 42, "%s", Qx.STATIC),
                                  ("ups.status", 43, None, quick), ("ups.status", 44, None, quick)):
        items.append(item(name, "Q1\r", 47, "(", (col, col), fmt, flags, bc.status_bits))
    # last: it reads the status the bits before it have set
    items.append(item("ups.status", "Q1\r", 47, "(", (40, 40), None, quick, _bbb_bit))
    return items


def _table() -> list[Item]:
    semi = Qx.SEMI_STATIC
    packs_flags = Qx.SEMI_STATIC | Qx.RANGE | Qx.SKIP
    pins_flags = Qx.RANGE | Qx.NONUT
    items = [
        *_status_items(),
        item("device.mfr", "ID\r", 28, "", (0, 2), "%s", Qx.STATIC, _manufacturer,
             preprocess_answer=_id_answer),
        item("device.model", "ID\r", 28, "", (0, 2), "%s", Qx.STATIC, _model, preprocess_answer=_id_answer),
        item("ups.power.nominal", "ID\r", 28, "", (4, 7), "%.0f", Qx.STATIC, preprocess_answer=_id_answer),
        item("input.voltage.nominal", "ID\r", 28, "", (9, 11), "%.0f", Qx.STATIC, preprocess_answer=_id_answer),
        item("output.voltage.nominal", "ID\r", 28, "", (13, 15), "%.0f", Qx.STATIC, preprocess_answer=_id_answer),
        item("battery.voltage.low", "ID\r", 28, "", (17, 20), "%.1f", semi, preprocess_answer=_id_answer),
        item("battery.voltage.high", "ID\r", 28, "", (22, 26), "%.1f", semi, preprocess_answer=_id_answer),
        item("battery.runtime", "RT\r", 4, "", (0, 2), "%.0f", Qx.SKIP, _runtime),
        item("battery.packs", "BP?\r", 3, "", (0, 1), "%d", packs_flags, _packs, rw=True,
             info_rw=rw_values("0", "5")),
        item("battery.packs", "BP%.0f\r", 0, "", (0, 0), None, Qx.SETVAR | Qx.RANGE | Qx.SKIP,
             _setvar, info_rw=rw_values("0", "5")),
        item("pins_shutdown_mode", "SS?\r", 2, "", (0, 0), "%.0f", semi | pins_flags, _pins_mode,
             rw=True, info_rw=rw_values("0", "6")),
        item("pins_shutdown_mode", "SS%.0f\r", 0, "", (0, 0), None,
             Qx.SETVAR | pins_flags | Qx.SKIP, _setvar, info_rw=rw_values("0", "6")),
    ]  # fmt: skip
    items += [item(name, "M\r", 2, "", (0, 0), "%d", Qx(0), _voltage_setting) for name in (
        "input.transfer.low", "input.transfer.boost.low", "input.transfer.boost.high",
        "input.voltage.nominal", "output.voltage.nominal", "input.transfer.trim.low",
        "input.transfer.trim.high", "input.transfer.high")]  # fmt: skip
    return items + _commands() + delay_items(on_range=("60", "599940"), off_range=("12", "5940"))


def _commands() -> list[Item]:
    def cmd(name: str, command: str, pre: bool = False) -> Item:
        return item(name, command, 0, "", (0, 0), None, Qx.CMD,
                    bc.process_command if pre else None)  # fmt: skip

    return [
        cmd("shutdown.return", "S%s\r", True), cmd("shutdown.stayoff", "S%s\r", True),
        cmd("shutdown.stop", "C\r"), cmd("load.on", "C\r"), cmd("load.off", "S00R0000\r"),
        cmd("test.battery.start", "T%02d\r", True), cmd("test.battery.start.deep", "TL\r"),
        cmd("test.battery.start.quick", "T\r"), cmd("test.battery.stop", "CT\r"),
    ]


def _claim(s: Session) -> Exchange[bool]:
    """Q1, then the model from ID."""
    return (yield from bc.claim_pair(s, "input.voltage", "device.model"))


BESTUPS = Subdriver(
    version="BestUPS 0.06", claim=_claim, table=_table, initups=bc.initups_light,
    flags=bc.BLAZER_FLAGS_LIGHT, values=frozenset({"pins_shutdown_mode"}),
)
