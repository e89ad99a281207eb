"""What NUT 2.8.0's apcupsd-ups makes of apcupsd's status records (its nut_data table).

One row per NUT variable: the apcupsd item, how the value is taken (``kind``),
the string length or the multiplier, the printf format, and two flags: ``init``
(kept between polls, never deleted) and ``preserve`` (kept too: charge and
runtime). Every other variable is deleted at the start of each poll and comes
back only if apcupsd still sends its item. The table's string and writable
flags only pick text or number here: NUT never gives them to upsd, so nothing
is writable.
"""

from __future__ import annotations

from dataclasses import dataclass

from nutrio.protocol.common.cnum import c_strtod
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["ROWS", "Row", "apply_record", "forget", "status_words"]


@dataclass(frozen=True, slots=True)
class Row:
    item: str | None
    nut: str
    kind: str  # "text" (cut to ``size``), "number" (value * size, ``fmt``), "status",
    # "date" (up to the first blank), "time" (between the first two blanks),
    # "fw1"/"fw2" (firmware before/after a "/")
    size: float = 0
    fmt: str = ""
    init: bool = False
    preserve: bool = False


def _t(item: str | None, nut: str, size: int, **kw: object) -> Row:
    return Row(item, nut, "text", size, **kw)  # type: ignore[arg-type]


def _n(item: str, nut: str, fmt: str, size: float = 1, **kw: object) -> Row:
    return Row(item, nut, "number", size, fmt, **kw)  # type: ignore[arg-type]


ROWS: tuple[Row, ...] = (
    _t(None, "ups.mfr", 32, init=True),  # "APC", set with every record
    _t("MODEL", "ups.model", 32, init=True),
    Row("STATUS", "ups.status", "status", init=True),
    _t("SERIALNO", "ups.serial", 32),
    _n("LOADPCT", "ups.load", "%1.1f"),
    Row("DATE", "ups.time", "time"),
    Row("DATE", "ups.date", "date"),
    _t("MANDATE", "ups.mfr.date", 16),
    Row("FIRMWARE", "ups.firmware", "fw1"),
    Row("FIRMWARE", "ups.firmware.aux", "fw2"),
    _n("ITEMP", "ups.temperature", "%1.1f"),
    _t("UPSNAME", "ups.id", 16),
    _n("DWAKE", "ups.delay.start", "%.0f"),
    _n("DSHUTD", "ups.delay.shutdown", "%.0f"),
    _n("STESTI", "ups.test.interval", "%.0f"),
    _t("SELFTEST", "ups.test.result", 16),
    _n("LINEV", "input.voltage", "%1.1f"),
    _n("MAXLINEV", "input.voltage.maximum", "%1.1f"),
    _n("MINLINEV", "input.voltage.minimum", "%1.1f"),
    _n("NOMINV", "input.voltage.nominal", "%.0f"),
    _n("NOMOUTV", "output.voltage.nominal", "%.0f"),
    _t("LASTXFER", "input.transfer.reason", 32),
    _n("LOTRANS", "input.transfer.low", "%1.1f"),
    _n("HITRANS", "input.transfer.high", "%1.1f"),
    _t("SENSE", "input.sensitivity", 1),  # NUT keeps one letter: "H", "M", "L"
    _n("LINEFREQ", "input.frequency", "%1.1f"),
    _n("OUTPUTV", "output.voltage", "%1.1f"),
    _n("LINEFREQ", "output.frequency", "%1.1f"),
    _n("BCHARGE", "battery.charge", "%1.1f", preserve=True),
    _n("MBATTCHG", "battery.charge.low", "%.0f"),
    Row("BATTDATE", "battery.date", "date"),
    _n("BATTV", "battery.voltage", "%1.1f"),
    _n("NOMBATTV", "battery.voltage.nominal", "%1.1f"),
    _n("TIMELEFT", "battery.runtime", "%1.1f", 60, preserve=True),  # minutes to seconds
    _n("MINTIMEL", "battery.runtime.low", "%.0f", 60),
    _n("RETPCT", "battery.charge.restart", "%1.1f"),
    _n("NOMPOWER", "ups.realpower.nominal", "%1.1f", init=True),
    _n("LOAD_W", "ups.realpower", "%1.1f"),
    _n("LOADAPNT", "power.percent", "%1.1f"),
    _n("OUTCURNT", "output.current", "%1.2f"),
    _n("LOAD_VA", "ups.power", "%1.1f"),
    _n("NOMAPNT", "ups.power.nominal", "%.0f", init=True),
)

#: apcupsd status flags -> NUT words ("SHUTTING DOWN" can never match: NUT splits at blanks)
_FLAGS = {"CAL": "CAL", "TRIM": "TRIM", "BOOST": "BOOST", "ONLINE": "OL", "ONBATT": "OB",
          "OVERLOAD": "OVER", "LOWBATT": "LB", "REPLACEBATT": "RB", "NOBATT": "BYPASS"}


def status_words(data: str) -> list[str]:
    """ups.status for apcupsd's STATUS value (NUT's order: as the flags come)."""
    if data in ("COMMLOST", "NETWORK ERROR", "ERROR"):
        return ["OFF"]
    if data == "SELFTEST":
        return ["OB"]
    words: list[str] = []
    for flag in data.split(" "):
        word = _FLAGS.get(flag)
        if word is not None:
            words.append(word)
    return words


def forget(state: DeviceVars) -> None:
    """The start of a poll: every variable that is neither init nor preserved goes."""
    for row in ROWS:
        if not (row.init or row.preserve):
            state.delete(row.nut)


def _firmware_head(data: str) -> str:
    slash = data.find("/")
    if slash <= 0 or data[slash - 1] != " ":
        return data  # NUT cuts only at the blanks before a "/"
    return data[:slash].rstrip(" ")


def _firmware_tail(data: str) -> str | None:
    slash = data.find("/")
    if slash < 0:
        return None
    rest = data[slash + 1:].lstrip(" ")
    if not rest:
        return None
    return rest


def _value(row: Row, data: str) -> str | None:
    if row.kind == "text":
        return data[:int(row.size)]
    if row.kind == "number":
        return row.fmt % (c_strtod(data) * row.size)
    words = data.split(" ")
    if row.kind == "date":
        return words[0]
    if row.kind == "time":
        return words[1] if len(words) > 1 else None
    if row.kind == "fw1":
        return _firmware_head(data)
    return _firmware_tail(data)


def apply_record(state: DeviceVars, item: str, data: str) -> None:
    """One record into ``state``: ups.mfr, then every row of the item."""
    for row in ROWS:
        if row.item is None:
            state.set(row.nut, "APC")
        elif row.item == item:
            if row.kind == "status":
                state.set(row.nut, " ".join(status_words(data)))
                continue
            value = _value(row, data)
            if value is not None:
                state.set(row.nut, value)
