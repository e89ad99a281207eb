"""The reply codes of UPScode II and what NUT 2.8.0's upscode2 makes of each.

A request (``UPDS``, ``UPDV``, ``UPBS``) is answered with pairs of lines, a code
then its value; the table of the request says what the code means. The last code
of each table ends the answer (``MOFFF``, ``NOFLL``, ``BDAT8``). Status codes
answer ``11`` (set) or ``00``; list codes answer another code, looked up in a
second table (``STAT BL``: battery low).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntFlag

__all__ = ["BATTERY", "COMMANDS", "NOMINAL", "SIMPLE", "STATUS_WORDS", "VARIABLES", "Code",
           "Command", "Kind", "Status", "Variable"]


class Status(IntFlag):
    """The status bits an update collects (NUT's UPSC_STAT_*)."""

    ONLINE = 1 << 0
    ONBATT = 1 << 1
    LOBATT = 1 << 2
    REPLACEBATT = 1 << 3
    BOOST = 1 << 4
    TRIM = 1 << 5
    OVERLOAD = 1 << 6
    CALIBRATION = 1 << 7
    OFF = 1 << 8
    BYPASS = 1 << 9


#: ups.status words in the order NUT sets them
STATUS_WORDS = ((Status.ONLINE, "OL"), (Status.ONBATT, "OB"), (Status.LOBATT, "LB"),
                (Status.REPLACEBATT, "RB"), (Status.BOOST, "BOOST"), (Status.TRIM, "TRIM"),
                (Status.OVERLOAD, "OVER"), (Status.CALIBRATION, "CAL"), (Status.OFF, "OFF"),
                (Status.BYPASS, "BYPASS"))


class Kind(Enum):
    IGNORE = "ignore"
    VALUE = "value"  # a number, "%.2f" (times ``scale``)
    FINAL = "final"  # a VALUE that ends the answer
    STRING = "string"
    FINAL_STRING = "final-string"
    KEEP = "keep"  # a number the driver keeps (``keep``), also published when named
    STATUS = "status"
    ALARM = "alarm"  # an alarm NUT 2.8.0 only checks (no status bit)
    LIST = "list"  # the value is a code of ``sublist``


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    kind: Kind
    var: str | None = None
    status: Status = Status(0)
    keep: str | None = None  # the reading's attribute a KEEP code sets
    scale: str | None = None  # "kilo" (times 1000) or "outpwr" (the output power factor)
    sublist: str | None = None


def _alarms(*pairs: str) -> tuple[Code, ...]:
    return tuple(Code(code, Kind.ALARM) for code in pairs)


#: STAT and STMF: alarms, three of which are status bits
ALARMS: tuple[Code, ...] = (
    Code("00", Kind.IGNORE),
    *_alarms("AC", "BA", "BC", "BD", "BF"),
    Code("BL", Kind.STATUS, status=Status.LOBATT),
    *_alarms("BO", "BP", "BR", "BT", "BX", "BY", "CE", "CM", "CT", "DO", "DU", "EP", "FF",
             "FH", "FL", "FT", "GF", "HT", "IB", "IF", "IM", "IO", "IP", "IT", "IU", "IV",
             "LR", "NF"),
    Code("OD", Kind.STATUS, status=Status.OFF),
    Code("OF", Kind.ALARM),
    Code("OL", Kind.STATUS, status=Status.OVERLOAD),
    *_alarms("OR", "OV", "OW", "PB", "PE", "RE", "RF", "RM", "RT", "SM", "ST", "TT", "UD",
             "UO", "US", "UU", "VE"),
)
#: STLR: what the line regulation does
REGULATION = (Code("NO", Kind.IGNORE), Code("SD", Kind.STATUS, status=Status.TRIM),
              Code("SU", Kind.STATUS, status=Status.BOOST),
              Code("DU", Kind.STATUS, status=Status.BOOST))
#: STEA and STEM: environment alarms, all ignored
ENVIRONMENT = tuple(Code(c, Kind.IGNORE) for c in
                    ("HH", "HL", "TH", "TL", "01", "02", "03", "04", "05", "06", "07", "08",
                     "09"))
SUBLISTS = {"alarms": ALARMS, "regulation": REGULATION, "environment": ENVIRONMENT}


def _values(pairs: tuple[tuple[str, str], ...], scale: str | None = None) -> tuple[Code, ...]:
    return tuple(Code(code, Kind.VALUE, var, scale=scale) for code, var in pairs)


def _phases(prefix: str, var: str, *, start: int = 1) -> tuple[tuple[str, str], ...]:
    """Codes ``<prefix>1..3`` for a variable of L1, L2 and L3 (L1 keeps the plain name)."""
    return tuple((f"{prefix}{n}", var if n == 1 else var.replace(".", f".L{n}.", 1))
                 for n in range(start, 4))


def _voltages(side: str, code: str) -> tuple[tuple[str, str], ...]:
    return ((f"{code}L1", f"{side}.voltage"), (f"{code}L2", f"{side}.L2-N.voltage"),
            (f"{code}L3", f"{side}.L3-N.voltage"), (f"{code}12", f"{side}.L1-L2.voltage"),
            (f"{code}23", f"{side}.L2-L3.voltage"), (f"{code}31", f"{side}.L3-L1.voltage"))


#: UPDS (and UPSS): status, then the measurements; MOFFF ends it
SIMPLE: tuple[Code, ...] = (
    Code("STAT", Kind.LIST, sublist="alarms"),
    Code("STBO", Kind.STATUS, status=Status.ONBATT),
    Code("STBL", Kind.STATUS, status=Status.LOBATT),
    Code("STBM", Kind.IGNORE),
    Code("STBP", Kind.STATUS, status=Status.BYPASS),
    Code("STEA", Kind.LIST, sublist="environment"),
    Code("STEM", Kind.LIST, sublist="environment"),
    Code("STLR", Kind.LIST, sublist="regulation"),
    Code("STMF", Kind.LIST, sublist="alarms"),
    Code("STOK", Kind.IGNORE),
    Code("STUF", Kind.STATUS, status=Status.ONBATT),
    Code("BTIME", Kind.KEEP, keep="batt_runtime"),
    *_values((("METE1", "ambient.temperature"), ("MERH1", "ambient.humidity"),
              ("MIFFF", "input.frequency"))),
    *_values(_phases("MIIL", "input.current") + _phases("MIPL", "input.realpower")
             + _phases("MISL", "input.power") + _voltages("input", "MIU")),
    Code("MBCH1", Kind.KEEP, keep="batt_charge"),
    Code("MBIII", Kind.KEEP, "battery.current", keep="batt_current"),
    *(Code(c, Kind.IGNORE) for c in ("MBINE", "MBIPO", "MBUNE", "MBUPO")),
    Code("MBUUU", Kind.KEEP, "battery.voltage", keep="batt_volt"),
    *(Code(c, Kind.IGNORE) for c in ("MLUNE", "MLUPO", "MLUUU")),
    Code("MOFFF", Kind.FINAL, "output.frequency"),
    *_values(_phases("MOIL", "output.current") + _phases("MOIP", "output.current.peak")),
    *_values(_phases("MOPL", "output.realpower"), scale="kilo"),
    *_values(_phases("MOSL", "output.power") + _voltages("output", "MOU")),
    *_values((("MPUL1", "input.bypass.L1-N.voltage"), ("MPUL2", "input.bypass.L2-N.voltage"),
              ("MPUL3", "input.bypass.L3-N.voltage"), ("MUTE1", "ups.temperature"))),
)

#: UPDV: nominal values and limits; NOFLL ends it
NOMINAL: tuple[Code, ...] = (
    *_values((("NIUHH", "input.voltage.maximum"), ("NIULL", "input.voltage.minimum"),
              ("NIUNN", "input.voltage.nominal"), ("NIIHH", "input.current.maximum"),
              ("NIILL", "input.current.minimum"), ("NIINN", "input.current.nominal"),
              ("NIPHH", "input.realpower.maximum"), ("NIPNN", "input.realpower.nominal"),
              ("NISHH", "input.power.maximum"), ("NISNN", "input.power.nominal"))),
    Code("NBAHN", Kind.KEEP, "battery.capacity.nominal", keep="batt_cap_nom"),
    Code("NBIHH", Kind.IGNORE),
    Code("NBILL", Kind.KEEP, keep="batt_disch_curr_max"),
    Code("NBINN", Kind.VALUE, "battery.current.nominal"),
    Code("NBTHH", Kind.KEEP, keep="batt_runtime_max"),
    Code("NBUHH", Kind.KEEP, "battery.voltage.maximum", keep="batt_volt_high"),
    Code("NBULL", Kind.KEEP, "battery.voltage.minimum", keep="batt_volt_low"),
    Code("NBUNN", Kind.KEEP, "battery.voltage.nominal", keep="batt_volt_nom"),
    Code("NOFHH", Kind.VALUE, "output.frequency.maximum"),
    Code("NOFLL", Kind.FINAL, "output.frequency.minimum"),
    Code("NOIHH", Kind.KEEP, "output.current.maximum", keep="max_out_current"),
    Code("NOINN", Kind.KEEP, "output.current.nominal", keep="nom_out_current"),
    Code("NOPNN", Kind.VALUE, "output.realpower.nominal", scale="outpwr"),
    Code("NOSNN", Kind.VALUE, "ups.power.nominal", scale="outpwr"),
    *_values((("NOUHH", "output.voltage.maximum"), ("NOULL", "output.voltage.minimum"),
              ("NOUNN", "output.voltage.nominal"), ("NUTEH", "ups.temperature.maximum"))),
)


def _battery_codes() -> tuple[Code, ...]:
    codes: list[Code] = []
    for n in range(1, 9):
        # NUT 2.8.0 names the second string's temperature battery.2.temperature.2
        temperature = "battery.2.temperature.2" if n == 2 else f"battery.{n}.temperature"
        codes += [Code(f"MBTE{n}", Kind.VALUE, temperature), Code(f"MBIN{n}", Kind.IGNORE),
                  Code(f"BDAT{n}", Kind.FINAL_STRING if n == 8 else Kind.STRING,
                       f"battery.{n}.date")]
    return tuple(codes)


#: UPBS: up to eight battery strings; BDAT8 ends it
BATTERY = _battery_codes()


@dataclass(frozen=True, slots=True)
class Command:
    """An instant command: its request line and the line after it (a password, a
    parameter), or None to send the client's value, if any."""

    name: str
    request: str
    then: str | None = None


#: the commands a unit can offer (it lists the requests it takes in answer to UPCL)
COMMANDS = (Command("shutdown.return", "UPPF", "IJHLDMGCIU"),
            Command("shutdown.stayoff", "UPPD", "LGGNLMDPGV"),
            Command("shutdown.stop", "UPPU"),
            Command("shutdown.reboot", "UPPC", "IJHLDMGCIU"),
            Command("test.panel.start", "UPIS"),
            Command("test.battery.start", "UPBT", "1"))


@dataclass(frozen=True, slots=True)
class Variable:
    """A writable delay: its request, and the code the unit answers before the value."""

    name: str
    request: str
    answer: str


VARIABLES = (Variable("ups.delay.reboot", "UPCD", "ACCD"),
             Variable("ups.delay.shutdown", "UPSD", "ACSD"))
