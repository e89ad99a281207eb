"""A simulated HID UPS shaped after a real NUT dump (../shared/data/ddl/*.dev).

The dump gives the variables a real unit served; :func:`spec_from_dump` works back
through the subdriver's table (usbhid-ups serves a variable from the first row whose
path the unit has) to the fields a unit needs to serve them: for each variable the
first row of the table, its value encoded so the row's format or conversion prints
the dump's text (a search over usual scales for conversion functions), string
descriptors for STRING_ID rows, status fields for the words of ``ups.status``, and
the paths of instant commands next to them. The unit is right when the *real*
usbhid-ups 2.8.0 on the lab serves the dump's values (tests/usblab/subdriver_compare.py
checks it); what could not be worked back is listed in :attr:`DumpSim.unmapped`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from nutrio.protocol.devices.hid import (
    ClaimContext,
    DeviceInfo,
    Hid2Nut,
    HuFlag,
    Lookup,
    Subdriver,
)
from nutrio.protocol.devices.hid.hid2nut import STRING_ID, c_format
from nutrio.protocol.devices.hid.status import KNOWN_BITS
from tests.drivers.hid.recordings import nut_dump
from tests.paths import DATA
from tests.usblab.hidups import Field, UpsSpec, nameable

__all__ = [
    "DDL", "STATUS_BITS", "DumpSim", "SearchConv", "spec_from_dump", "status_bits", "status_value",
]

DDL = DATA / "ddl"
#: ups.status word -> the bit usbhid-ups sets for it
STATUS_BITS = {"OL": "online", "DISCHRG": "dischrg", "CHRG": "chrg", "LB": "lowbatt",
               "OVER": "overload", "RB": "replacebatt", "TRIM": "trim", "BOOST": "boost",
               "BYPASS": "bypassauto", "OFF": "off", "CAL": "cal"}
_FIRST_STRING = 10
#: what the search's string descriptors read: a conversion that returns it reads a string
_STRING_MARK = "\x00string#"
_SCALES = (1, 10, 0.1, 100, 0.01, 1000, 0.001, 60, 1 / 60, 3600, 0.25, 4, 1.5, 2 / 3, 1e-5,
           1e5, 1e-6, 1e-7, 1e7, 1e-8, 1e8)


def status_bits(status: str) -> set[str]:
    """The bits behind ups.status words (OB is the absence of online)."""
    return {STATUS_BITS[w] for w in status.split() if w in STATUS_BITS}


class SearchConv:
    """A Conversion for searching lookups: the dump's values and the claim's settings."""

    def __init__(self, values: Mapping[str, str], scratch: dict[str, object]) -> None:
        self.values = values
        self._scratch = scratch

    def string(self, index: int, size: int = 20) -> str:
        return f"{_STRING_MARK}{index}"

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def delete(self, name: str) -> None:
        pass

    def report(self, report_id: int) -> bytes:
        return bytes([report_id])

    @property
    def status(self) -> frozenset[str]:
        return frozenset()

    @property
    def scratch(self) -> dict[str, object]:
        return self._scratch


@dataclass
class DumpSim:
    """The spec, the dump it follows and what could not be worked back."""

    spec: UpsSpec
    dump: dict[str, str]
    unmapped: list[str] = field(default_factory=list)
    #: path -> the status BOOL rows reading it (to drive OL/OB/... transitions)
    status_rows: dict[str, list[Hid2Nut]] = field(default_factory=dict)


def _decimals(value: float) -> int:
    text = f"{value:.8f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def _field(path: str, physical: float) -> Field:
    """A field whose value reads back as ``physical`` (a unit exponent for decimals)."""
    exp = -min(_decimals(physical), 8)
    logical = round(physical * 10 ** -exp)
    if logical < 0:
        return Field(path, logical, 32, (-(2 ** 31) + 1, 2 ** 31 - 1), exp)
    if logical < 0x8000:
        return Field(path, logical, 16, (0, 0x7FFF), exp)
    return Field(path, logical, 32, (0, 2 ** 31 - 1), exp)


def _physical(row: Hid2Nut, text: str, conv: SearchConv) -> float | None:
    """A value the row turns into ``text``, or None."""
    lookup = row.lookup
    if lookup is None:
        try:
            return float(text)  # an older NUT may have printed it another way: said so
        except ValueError:
            return None
    if lookup.fun is None:
        hid = lookup.to_hid(text, conv)
        return float(hid) if hid != -1 or (-1, text) in lookup.pairs else None
    if lookup.nuf is not None:
        back = lookup.nuf(text, conv)
        if back and lookup.to_nut(back, conv) == text:
            return back
    return _search(lookup, text, conv)


def _search(lookup: Lookup, text: str, conv: SearchConv) -> float | None:
    try:
        number = float(text.split()[0]) if text else 0.0
    except ValueError:
        number = 0.0
    candidates = [number * s for s in _SCALES] + [number + 273.15]
    candidates += [float(v) for v in range(0, 256)] + [v / 100 for v in range(0, 1100)]
    for value in candidates:
        for tried in (value, round(value, 6), float(round(value))):
            if math.isfinite(tried) and _safe(lookup, tried, conv) == text:
                return tried
    return None


def _reads_string(row: Hid2Nut, conv: SearchConv) -> bool:
    """A conversion that serves a string descriptor (Tripp Lite's chemistry)."""
    return row.lookup is not None and (_safe(row.lookup, 1.0, conv) or "").startswith(_STRING_MARK)


def _safe(lookup: Lookup, value: float, conv: SearchConv) -> str | None:
    try:
        return lookup.to_nut(value, conv)
    except (ValueError, IndexError, KeyError, ZeroDivisionError, OverflowError):
        return None


def _words(row: Hid2Nut, value: int, conv: SearchConv) -> str | None:
    assert row.lookup is not None
    return _safe(row.lookup, float(value), conv)


def status_value(rows: list[Hid2Nut], wanted: set[str], conv: SearchConv, size: int) -> int:
    """The value of a status field whose rows best agree with the wanted bits (bits no
    row looks at stay 0)."""
    zero = [_words(row, 0, conv) for row in rows]
    bits = [1 << k for k in range(size)
            if [_words(row, 1 << k, conv) for row in rows] != zero]
    best, best_cost = 0, None  # type: int, float | None
    for combo in range(1 << len(bits)):
        value = sum(b for i, b in enumerate(bits) if combo >> i & 1)
        cost = 0.0
        for row in rows:
            word = _words(row, value, conv)
            if word is None:
                cost += 0.5  # a value the row does not know: better one it does
                continue
            bit = word.lstrip("!")
            if bit in KNOWN_BITS and (bit in wanted) == word.startswith("!"):
                cost += 1
        if best_cost is None or cost < best_cost:
            best, best_cost = value, cost
    return best


def _field_size(rows: list[Hid2Nut], conv: SearchConv) -> int:
    """1 bit for a flag, more for a table with larger values (APCStatusFlag), 16 for a
    bit field read through masks (Belkin, PowerCOM)."""
    size = 1
    for row in rows:
        assert row.lookup is not None
        if row.lookup.fun is not None:
            one = _words(row, 1, conv)  # "value ? word : !word" reads any bit alike
            if any(_words(row, 1 << k, conv) != one for k in range(1, 16)):
                return 16
        top = max((hid for hid, _ in row.lookup.pairs), default=1)
        size = max(size, top.bit_length())
    return size


class _Builder:
    def __init__(self, sub: Subdriver, dump: dict[str, str], settings: dict[str, object]):
        self.sub, self.dump = sub, dump
        self.conv = SearchConv(dump, dict(settings))
        self.fields: dict[str, Field] = {}
        self.strings: dict[int, str] = {}
        self.served: set[str] = set()
        self.shared: dict[str, list[tuple[Hid2Nut, str]]] = {}
        self.unmapped: list[str] = []

    def string_index(self, text: str) -> int:
        for index, known in self.strings.items():
            if known == text:
                return index
        index = _FIRST_STRING + len(self.strings)
        self.strings[index] = text
        return index

    def values(self, skip: set[str]) -> None:
        for row in self._by_fit():
            if row.is_command or row.flags & HuFlag.ABSENT or row.var == "BOOL" or \
                    row.var in self.served or not nameable(row.path, self.sub.usages):
                continue
            text = self.dump.get(row.var)
            if text is None or row.var in skip:
                continue
            if row.path in self.fields:
                if self.share(row, text):
                    self.served.add(row.var)
                continue
            if row.lookup is STRING_ID or _reads_string(row, self.conv):
                self.fields[row.path] = Field(row.path, self.string_index(text), 8, (0, 255))
            else:
                value = _physical(row, text, self.conv)
                if value is None:
                    continue
                self.fields[row.path] = _field(row.path, value)
            self.shared.setdefault(row.path, []).append((row, text))
            self.served.add(row.var)

    def _by_fit(self) -> list[Hid2Nut]:
        """The table, each variable's rows whose format prints the dump's text as is first
        (a 2.8.0 dump's "18" comes from a "%.0f" row, not from a "%.1f" one)."""
        def fits(row: Hid2Nut) -> bool:
            text = self.dump.get(row.var)
            if text is None or row.lookup is not None:
                return True
            try:
                return c_format(row.fmt or "", float(text)) == text
            except ValueError:
                return True

        return sorted(self.sub.table, key=lambda row: not fits(row))

    def share(self, row: Hid2Nut, text: str) -> bool:
        """A second variable read from a field another serves (Belkin's UPSType gives the
        firmware and the type): a value that gives both, if one exists."""
        rows = [*self.shared.get(row.path, []), (row, text)]
        if any(r.lookup is None for r, _ in rows):
            return False
        for value in range(0x10000):
            if all(_safe(r.lookup, float(value), self.conv) == t for r, t in rows
                   if r.lookup is not None):
                self.fields[row.path] = _field(row.path, float(value))
                self.shared[row.path] = rows
                return True
        return False

    def status(self, wanted: set[str]) -> dict[str, list[Hid2Nut]]:
        rows: dict[str, list[Hid2Nut]] = {}
        for row in self.sub.table:
            if row.var == "BOOL" and row.lookup is not None and \
                    nameable(row.path, self.sub.usages):
                rows.setdefault(row.path, []).append(row)
        report = 0xF0
        for path, path_rows in rows.items():
            if path in self.fields:
                continue
            size = _field_size(path_rows, self.conv)
            value = status_value(path_rows, wanted, self.conv, size)
            self.fields[path] = Field(path, value, size, (0, (1 << size) - 1), 0, report, True)
        return rows

    def commands(self) -> None:
        """The command rows whose collection the unit has (first row per command)."""
        parents = {p.rpartition(".")[0] for p in self.fields}
        done: set[str] = set()
        for row in self.sub.table:
            if not (row.is_command or row.flags & HuFlag.ABSENT) or row.var in done or \
                    not nameable(row.path, self.sub.usages):
                continue
            if row.path in self.fields or row.path.rpartition(".")[0] in parents:
                done.add(row.var)
                self.served.add(row.var)
                self.fields.setdefault(row.path, Field(row.path, 0, 16, (-1, 0x7FFF)))


def spec_from_dump(source: str | Mapping[str, str], sub: Subdriver, *,
                   settings: Mapping[str, object] = {}, skip: set[str] | None = None,
                   status_rows: bool = True) -> DumpSim:
    """The unit of the dump ``source`` (a DDL file name, or the variables themselves for
    a unit no dump shows) for subdriver ``sub`` (see the module comment)."""
    dump = nut_dump(source) if isinstance(source, str) else dict(source)
    ids = DeviceInfo(vendor_id=int(dump.get("ups.vendorid", "0"), 16),
                     product_id=int(dump.get("ups.productid", "0"), 16))
    claim = sub.claim(ids, ClaimContext(productid_given=True))
    builder = _Builder(sub, dump, {**(claim.settings if claim else {}), **settings})
    builder.values(skip or set())
    rows = builder.status(status_bits(dump.get("ups.status", "OL"))) if status_rows else {}
    builder.commands()
    strings = dict(builder.strings)
    for index, keys in ((1, ("device.mfr",)), (2, ("device.model",)),
                        (3, ("ups.serial", "device.serial"))):
        text = next((dump[k] for k in keys if k in dump), "").strip()
        if text:
            strings[index] = text
    spec = UpsSpec(int(dump.get("ups.vendorid", "0"), 16), int(dump.get("ups.productid", "0"), 16),
                   sub.usages, list(builder.fields.values()), strings)
    unmapped = [k for k in dump if k not in builder.served and k.split(".")[0] in (
        "battery", "input", "output", "ups", "ambient", "outlet") and k not in _CORE]
    return DumpSim(spec, dump, unmapped, rows)


#: variables the driver core and usbhid-ups itself serve, not the table
_CORE = frozenset({"ups.mfr", "ups.model", "ups.serial", "ups.vendorid", "ups.productid",
                   "ups.status", "ups.alarm", "ups.firmware", "ups.firmware.aux",
                   "input.transfer.reason"})

