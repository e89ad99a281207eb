"""The SEC protocol as NUT 2.8.0's gamatronic (0.03) speaks it: requests, replies, the
query plan from the unit's variable list, and what each answer makes of the variables.

How it works: a request is ``^``, ``P`` (poll) or ``S`` (set), the length of
what follows in three digits, the three-letter command and its data; it has
no line end. A reply is one line ending in CR: ``^0`` (refused), ``^1``
(done) or ``^D`` + three digits + that many characters of comma-separated
fields. At start the unit's variable numbers (AP1, then AP2) make the plan:
one query per command, in the order the numbers first name it, each field
tied to its variable. Each update runs the commands not marked "once".
A variable is published when its text changes (the first text must differ
from "", as NUT's stored value starts empty).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nutrio.protocol.common.cnum import c_atoi, c_strtod
from nutrio.protocol.devices.gamatronic.tables import ALARM_KINDS, SEC_VARS, SecVar

__all__ = ["BAUDS", "LINE_MAX", "PROBE", "SHUTDOWN", "Query", "SecValues", "parse_reply",
           "plan", "request", "shown"]

#: the speeds NUT tries in turn, each with the probe
BAUDS = (1200, 2400, 4800, 9600, 19200)
#: NUT's line buffer less its NUL
LINE_MAX = 139
#: upsdrv_shutdown: cancel a pending shutdown, restart on power, shutdown type 2, off in 5 s
SHUTDOWN = (("PSD", "-1"), ("ATR", "1"), ("SDA", "2"), ("PSD", "5"))
_FIELDS_MAX = 16
_VALUE_MAX = 64


def request(mode: str, command: str, data: str = "") -> bytes:
    """One request: ``^``, the mode letter, the length in three digits, command, data."""
    return f"^{mode}{len(command) + len(data):03d}{command}{data}".encode("latin-1")


PROBE = request("P", "MAN")


def parse_reply(line: str) -> tuple[int, str]:
    """(code, fields) as NUT's sec_upsrecv reads a line (its CR gone): -2 not a reply,
    -1 refused, 0 done, n > 0 data (the first n characters of what follows the length)."""
    if line[:1] != "^":
        return -2, ""
    kind = line[1:2]
    if kind == "0":
        return -1, ""
    if kind == "1":
        return 0, ""
    if kind != "D":
        return -2, ""
    length = c_atoi(line[2:5])
    if length <= 0:
        return -2, ""
    return length, line[5:5 + length]


@dataclass
class Query:
    """One command the driver sends, and the SEC variable each of its fields holds."""

    command: str
    once: bool
    fields: dict[int, int] = field(default_factory=dict)  # field index (from 0) -> number


def plan(available: str) -> list[Query]:
    """The queries for a variable list (AP1's and AP2's numbers, comma-separated).

    Write-only variables are never read. A number outside NUT's table (0 or
    past 89) is skipped: NUT reads past its table there.
    """
    queries: dict[str, Query] = {}
    for token in available.split(","):
        number = c_atoi(token)
        if not token or not 0 < number < len(SEC_VARS):
            continue
        var = SEC_VARS[number]
        if var.kind == "wonly":
            continue
        query = queries.setdefault(var.command, Query(var.command, var.once))
        query.fields[var.field - 1] = number
    return list(queries.values())


def _c_int(value: int) -> int:
    """A C int's wrap-around (atoi's result, a product of ints)."""
    return (value + 2**31) % 2**32 - 2**31


def shown(var: SecVar, text: str) -> str:
    """How NUT publishes a variable's text (sec_setinfo)."""
    if var.kind == "string" or var.unit == 1:
        return text
    if var.kind == "multi":
        number = _c_int(c_atoi(text))
        return "0" if number < 0 else str(_c_int(number * var.unit))
    return f"{c_strtod(text) / var.unit:.1f}"


class SecValues:
    """The last text of every SEC variable (NUT's sec_varlist values), and what a
    query's answer changes."""

    def __init__(self) -> None:
        self.texts = [""] * len(SEC_VARS)

    def read(self, query: Query, answer: str, publish: Callable[[str, str], None]) -> list[str]:
        """Take one answer (``publish(name, value)`` for each changed NUT variable); the
        labels of the alarms it raises."""
        alarms = []
        for index, text in enumerate(answer.split(",")[:_FIELDS_MAX]):
            number = query.fields.get(index)
            if number is None:
                continue
            var = SEC_VARS[number]
            if self.texts[number] != text:
                self.texts[number] = text[:_VALUE_MAX]
                if var.nut:
                    publish(var.nut, shown(var, text))
            if var.kind in ALARM_KINDS and text == "1":
                alarms.append(var.label)
        return alarms

    def status_words(self) -> list[str]:
        """ups.status (ALARM aside) from output off, output source, overload, battery
        status and condition."""
        texts = self.texts
        words = ["OFF"] if texts[9] == "1" else []
        source = {"0": "OL", "1": "OB", "2": "BYPASS", "3": "TRIM", "4": "BOOST"}.get(texts[76])
        words += [source] if source else []
        words += ["OVER"] if texts[10] == "1" else []
        words += ["LB"] if texts[22] == "1" else []
        words += ["RB"] if texts[19] == "2" else []
        return words
