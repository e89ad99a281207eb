"""Write an snmpsim walk per MIB mapping: `python tests/drivers/snmp/make_walks.py`.

Each walk answers every OID of one mapping's table (templates for 4 outlets,
2 groups, 1 ambient sensor, 1 daisy-chained unit at index 0), with values
taken from a real snmp-ups dump of that mapping when shared/data/ddl has one
(mapped back through the row's multiplier or lookup), else plausible ones.
Its sysObjectID is the mapping's, except where noted in VARIANTS. Writable
objects use snmpsim's ``writecache``, so SETs succeed. The files land in
tests/drivers/snmp/walks/ and are committed; rerun after changing a table.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from nutrio.protocol.devices.snmp import MAPPINGS, Mapping  # noqa: E402
from nutrio.protocol.devices.snmp.model import Flag, Row  # noqa: E402
from tests.paths import DATA  # noqa: E402

OUT = Path(__file__).resolve().parent / "walks"
OUTLETS, GROUPS, AMBIENTS = 4, 2, 1


@dataclass(frozen=True)
class Variant:
    """One agent: a mapping, with these OIDs overridden (value "" drops the OID)."""

    stem: str
    mapping: Mapping
    sysoid: str | None = None
    phases: int = 1
    extra: dict[str, str] = field(default_factory=dict)


def _by(name: str, sysoid: str | None = None) -> Mapping:
    return next(m for m in MAPPINGS if m.name == name and (sysoid is None or m.sysoid == sysoid))


_PW_ALARM = {
    "1.3.6.1.4.1.534.1.7.1.0": "2|1",
    "1.3.6.1.4.1.534.1.7.2.1.1.1": "2|1",
    "1.3.6.1.4.1.534.1.7.2.1.2.1": "6|1.3.6.1.4.1.534.1.7.7",
    "1.3.6.1.4.1.534.1.7.2.1.3.1": "67|1234",
    "1.3.6.1.6.3.1.2.1.0": "2|0",  # a shorter OID after the table ends NUT's walk
}


def variants() -> list[Variant]:
    out = []
    for m in MAPPINGS:
        stem = m.name.replace("-", "_")
        if m.name in ("apc_pdu", "pulizzi_switched1", "pulizzi_switched2") and m.sysoid:
            stem = f"{stem}_{m.sysoid.rsplit('.', 1)[1]}" if m.name == "apc_pdu" else stem
        sysoid = "1.3.6.1.4.1.318.1.3.2.12" if m.name == "apcc" else None  # a real APC card
        out.append(Variant(stem, m, sysoid))
    out.append(Variant("ietf_3phase", _by("ietf"), phases=3))
    out.append(Variant("pw_alarm", _by("pw"), extra=_PW_ALARM))
    out.append(Variant("eaton_epdu_3phase", _by("eaton_epdu"), phases=3))
    return out


def _dumps(mapping: Mapping) -> dict[str, str]:
    """name -> value from every snmp-ups dump of this mapping (later dumps win)."""
    values: dict[str, str] = {}
    for path in sorted((DATA / "ddl").glob("*snmp-ups*.dev")):
        text = path.read_text(errors="replace")
        if f"driver.version.data: {mapping.name} MIB" not in text:
            continue
        for line in text.splitlines():
            name, sep, value = line.partition(": ")
            if sep and value.isprintable() and value.isascii():
                values[name.strip()] = value.strip()
    return values


_NUMBERS = [("voltage", 230), ("frequency", 50), ("current", 3), ("charge", 100),
            ("runtime", 3600), ("temperature", 25), ("humidity", 40), ("load", 25),
            ("realpower", 500), ("power", 600), ("delay", 20), ("timer", 0), ("count", 1),
            ("phases", 1), ("percent", 30), ("energy", 1000), ("date", 0)]


def _number(row: Row, phases: int) -> int:
    name = row.name.lower()
    if name.endswith("phases"):
        return phases
    guess = next((v for key, v in _NUMBERS if key in name), 7)
    raw = round(guess / row.length) if row.length else guess
    if row.flags & Flag.ZEROINVALID and raw == 0:
        raw = 1
    return raw


def _text(row: Row) -> str:
    name = row.name.lower()
    if "date" in name:
        return "01/15/2020"
    if name.endswith(("mfr", "manufacturer")):
        return "Acme"
    words = re.sub(r"%i\.?", "", row.name).replace(".", " ")
    return words[: max(1, int(row.length) - 1)] if row.length >= 2 else "x"


def _lookup_key(row: Row, wanted: str | None) -> int:
    assert row.lookup is not None
    pairs = [(n, t) for n, t in row.lookup.pairs if t != "NULL"] or list(row.lookup.pairs)
    if wanted is not None:
        for number, text in pairs:
            if text == wanted:
                return number
    if row.name.endswith("alarm"):
        return next((n for n, t in pairs if t == ""), pairs[0][0])
    for preferred in ("OL", "on", "yes", "normal", "good", "enabled"):
        for number, text in pairs:
            if text == preferred:
                return number
    return next((n for n, t in pairs if t), pairs[0][0])


def _value(row: Row, dump: dict[str, str], phases: int) -> str:
    """``tag|value`` for one row's OID."""
    known = dump.get(re.sub(r"%i", "1", row.name))
    if row.lookup is not None and row.lookup.function == "temperature_unit":
        return "2|1"
    if row.lookup is not None and row.lookup.function == "temperature_read":
        return "2|250"
    if row.lookup is not None and row.lookup.parse == "device_count":
        return "4|0"
    if row.lookup is not None and row.lookup.pairs and not row.lookup.function:
        return f"2|{_lookup_key(row, known)}"
    if row.flags & Flag.TYPE_CMD:
        return "2|1"
    if row.string and not row.name.endswith((".count", "phases")):
        text = known if known else _text(row)
        return f"4|{text[: max(1, int(row.length) - 1)]}"
    if known is not None and not row.name.endswith("phases"):
        try:
            raw = round(float(known) / (row.length or 1))
            if not (row.flags & Flag.NEGINVALID and raw < 0):
                return f"2|{raw}"
        except ValueError:
            pass
    return f"2|{_number(row, phases)}"


def _instances(row: Row) -> Iterator[tuple[str, str]]:
    """(OID, name) of each instance this walk gives a row."""
    assert row.oid is not None
    oid = row.oid.strip(".")
    holes = oid.count("%i")
    template = row.flags & (Flag.OUTLET | Flag.OUTLET_GROUP | Flag.AMBIENT)
    if holes == 0:
        yield oid, row.name
        return
    if not template:
        yield oid.replace("%i", "0"), row.name  # a daisy-chained unit: the first, index 0
        return
    count = OUTLETS if row.flags & Flag.OUTLET else GROUPS if row.flags & Flag.OUTLET_GROUP else AMBIENTS
    for n in range(1, count + 1):
        if holes == 2:
            yield oid.replace("%i", "0", 1).replace("%i", str(n), 1), row.name
        else:
            yield oid.replace("%i", str(n)), row.name


def _count_value(row: Row) -> str | None:
    name = row.name.lower()
    if row.lookup is not None:
        return None
    for kind, count in (("outlet.group.count", GROUPS), ("outlet.count", OUTLETS),
                        ("ambient.count", AMBIENTS), ("device.count", 1)):
        if name == kind:
            return f"2|{count}"
    return None


def walk(variant: Variant) -> str:
    m = variant.mapping
    dump = _dumps(m)
    lines: dict[str, str] = {
        "1.3.6.1.2.1.1.1.0": f"4|{m.name} test agent",
        "1.3.6.1.2.1.1.2.0": f"6|{(variant.sysoid or m.sysoid or '1.3.6.1.4.1.99999').strip('.')}",
        "1.3.6.1.2.1.1.3.0": "67|123456",
        "1.3.6.1.2.1.1.4.0": "4:writecache|value=ops@example.net",
        "1.3.6.1.2.1.1.5.0": f"4|{variant.stem}",
        "1.3.6.1.2.1.1.6.0": "4:writecache|value=rack 12",
    }
    for row in m.rows:
        if row.oid is None:
            continue
        for oid, _ in _instances(row):
            if oid in lines:
                continue
            value = _count_value(row) or _value(row, dump, variant.phases)
            if row.rw or row.flags & Flag.TYPE_CMD:
                tag, _, raw = value.partition("|")
                value = f"{tag}:writecache|value={raw}"
            lines[oid] = value
    for oid, value in variant.extra.items():
        if value:
            lines[oid] = value
        else:
            lines.pop(oid, None)

    def key(oid: str) -> tuple[int, ...]:
        return tuple(int(p) for p in oid.split("."))

    return "".join(f"{oid}|{lines[oid]}\n" for oid in sorted(lines, key=key))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for variant in variants():
        (OUT / f"{variant.stem}.snmprec").write_text(walk(variant))
        print(variant.stem)


if __name__ == "__main__":
    main()
