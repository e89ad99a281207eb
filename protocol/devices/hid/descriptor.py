"""HID report descriptors, parsed the way NUT's hidparser.c walks them.

How it works: items are read one at a time (short items: a prefix byte whose
low two bits give 0, 1, 2 or 4 data bytes; long items are skipped). Global
items (usage page, logical/physical range, unit, exponent, report id, size,
count) persist; local usages queue up and each Collection or main item takes
the first one. Every main Input/Output/Feature item yields ``report count``
fields, one usage each; when the usages run out the rest get usage 0 and
are dropped (padding, or NUT's "continuation"; the HID spec would repeat the
last usage) while still taking their bits. Paths are the usages of
the enclosing collections plus the field's own usage, e.g.
UPS.PowerSummary.RemainingCapacity. Bit offsets count per (report id, type).

Quirks reproduced from NUT 2.8.0: usage minimum/maximum, push/pop and
delimiters are ignored; a collection of a vendor type (>= 0x80) adds an
index node ``[n]``; a Logical Maximum below the Logical Minimum is read
again as unsigned (badly encoded APC/CyberPower descriptors).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "ATTR_CONSTANT",
    "INDEX_NODE",
    "FieldKind",
    "HidField",
    "ReportDescriptor",
    "hid_descriptor_length",
    "parse_descriptor",
]

#: Paths hold 32-bit nodes: usage page << 16 | usage; an index node is 0x00ffnnnn.
INDEX_NODE = 0x00FF0000
#: The main item attribute bit that makes a field constant (not settable).
ATTR_CONSTANT = 0x01

_ITEM_SIZES = (0, 1, 2, 4)


class FieldKind(IntEnum):
    """Main item tags (prefix byte & 0xfc), as NUT stores them."""

    INPUT = 0x80
    OUTPUT = 0x90
    FEATURE = 0xB0


class _Tag(IntEnum):
    USAGE_PAGE = 0x04
    USAGE = 0x08
    LOGICAL_MIN = 0x14
    LOGICAL_MAX = 0x24
    PHYSICAL_MIN = 0x34
    PHYSICAL_MAX = 0x44
    UNIT_EXPONENT = 0x54
    UNIT = 0x64
    REPORT_SIZE = 0x74
    REPORT_ID = 0x84
    REPORT_COUNT = 0x94
    COLLECTION = 0xA0
    END_COLLECTION = 0xC0
    LONG = 0xFC


@dataclass(frozen=True, slots=True, kw_only=True)
class HidField:
    """One report field (NUT's HIDData_t)."""

    path: tuple[int, ...]
    kind: FieldKind
    report_id: int
    offset: int  # bits after the report id byte
    size: int  # bits
    logical_min: int
    logical_max: int
    physical_min: int | None = None
    physical_max: int | None = None
    unit: int = 0
    unit_exponent: int = 0
    attribute: int = 0
    assumed_logical_max: bool = False


@dataclass(frozen=True, slots=True)
class ReportDescriptor:
    """The parsed descriptor: its fields in descriptor order and the raw bytes."""

    fields: tuple[HidField, ...]
    raw: bytes
    warnings: tuple[str, ...] = ()

    def find(self, path: tuple[int, ...], kind: FieldKind = FieldKind.FEATURE) -> HidField | None:
        """The first field of ``kind`` whose path starts with ``path`` (FindObject_with_Path)."""
        n = len(path)
        for field in self.fields:
            if field.kind == kind and field.path[:n] == path:
                return field
        return None

    def find_in_report(self, report_id: int, usage: int) -> HidField | None:
        """The first field of report ``report_id`` whose path ends in ``usage``, of any
        kind (FindObject_with_ID_Node, used by the descriptor fixes)."""
        for field in self.fields:
            if field.report_id == report_id and field.path[-1:] == (usage,):
                return field
        return None

    def report_ids(self) -> tuple[int, ...]:
        return tuple(sorted({f.report_id for f in self.fields}))

    def report_length(self, report_id: int) -> int:
        """Bytes of report ``report_id``, its id byte included (one buffer for all types)."""
        bits = max((f.offset + f.size for f in self.fields if f.report_id == report_id), default=0)
        return (bits + 7) // 8 + 1

    def inputs_of(self, report_id: int) -> tuple[HidField, ...]:
        return tuple(f for f in self.fields if f.kind == FieldKind.INPUT and f.report_id == report_id)


def _signed(value: int, nbytes: int) -> int:
    """FormatValue: an item's data as a signed number of its own width."""
    if nbytes == 0:
        return value
    bits = 8 * nbytes
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


class _Parser:
    """The parser's running state (HIDParser_t)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.page = 0
        self.usages: list[int] = []
        self.path: list[int] = []
        self.report_id = 0
        self.size = 0
        self.count = 0
        self.log_min = 0
        self.log_max = 0
        self.phy_min: int | None = None
        self.phy_max: int | None = None
        self.unit = 0
        self.unit_exp = 0
        self.assumed = False
        self.offsets: dict[tuple[int, int], int] = {}
        self.fields: list[HidField] = []
        self.warnings: list[str] = []

    def take_usage(self) -> int:
        # NUT shifts its usage table: the next item gets the following usage, or 0
        return self.usages.pop(0) if self.usages else 0

    def run(self) -> None:
        pos, raw = 0, self.raw
        while pos < len(raw):
            prefix = raw[pos]
            nbytes = _ITEM_SIZES[prefix & 0x03]
            data = raw[pos + 1 : pos + 1 + nbytes]
            value = int.from_bytes(data, "little")
            pos += 1 + nbytes
            tag = prefix & 0xFC
            if tag == _Tag.LONG:
                pos += value & 0xFF
                continue
            self.item(tag, value, nbytes)

    def item(self, tag: int, value: int, nbytes: int) -> None:
        match tag:
            case _Tag.USAGE_PAGE:
                self.page = value & 0xFFFF
            case _Tag.USAGE:
                self.usages.append(value if nbytes > 2 else (self.page << 16) | (value & 0xFFFF))
            case _Tag.COLLECTION:
                self.path.append(self.take_usage())
                if value >= 0x80:
                    self.path.append(INDEX_NODE | (value & 0x7F))
                self.usages.clear()
            case _Tag.END_COLLECTION:
                if self.path:
                    node = self.path.pop()
                    if node & 0xFFFF0000 == INDEX_NODE and self.path:
                        self.path.pop()
                self.usages.clear()
            case FieldKind.INPUT | FieldKind.OUTPUT | FieldKind.FEATURE:
                self.main(FieldKind(tag), value)
            case _Tag.REPORT_ID:
                self.report_id = value & 0xFF
            case _Tag.REPORT_SIZE:
                self.size = value & 0xFF
            case _Tag.REPORT_COUNT:
                self.count = value & 0xFF
            case _Tag.UNIT_EXPONENT:
                exp = _signed(value & 0xFF, 1)
                self.unit_exp = _signed((exp | 0xF0) & 0xFF, 1) if exp > 7 else exp
            case _Tag.UNIT:
                self.unit = value
            case _Tag.LOGICAL_MIN:
                self.log_min = _signed(value, nbytes)
            case _Tag.LOGICAL_MAX:
                self.logical_max(value, nbytes)
            case _Tag.PHYSICAL_MIN:
                self.phy_min = _signed(value, nbytes)
            case _Tag.PHYSICAL_MAX:
                self.phy_max = _signed(value, nbytes)
            case _:
                pass  # local/global items NUT does not use

    def logical_max(self, value: int, nbytes: int) -> None:
        self.log_max = _signed(value, nbytes)
        self.assumed = False
        if self.log_max < self.log_min:
            # NUT 2.8.0: "LogMax is less than LogMin ... interpreting LogMax -1 as 255"
            self.warnings.append(
                f"report 0x{self.report_id:02x}: LogMax {self.log_max} < LogMin {self.log_min},"
                f" read as {value}"
            )
            self.log_max = value
            self.assumed = True

    def main(self, kind: FieldKind, attribute: int) -> None:
        key = (self.report_id, int(kind))
        for _ in range(self.count):
            offset = self.offsets.get(key, 0)
            self.offsets[key] = offset + self.size
            usage = self.take_usage()
            if usage == 0:
                continue  # NUT: "a continuation of a previous object", padding: not stored
            self.fields.append(HidField(
                path=(*self.path, usage), kind=kind, report_id=self.report_id,
                offset=offset, size=self.size, logical_min=self.log_min,
                logical_max=self.log_max, physical_min=self.phy_min, physical_max=self.phy_max,
                unit=self.unit, unit_exponent=self.unit_exp, attribute=attribute & 0xFF,
                assumed_logical_max=self.assumed,
            ))
        self.usages.clear()


def parse_descriptor(raw: bytes) -> ReportDescriptor:
    """Parse a HID report descriptor (Parse_ReportDesc).

    Never raises on malformed input: a truncated item reads as far as the
    bytes go, as NUT's parser does within its buffer.
    """
    parser = _Parser(bytes(raw))
    parser.run()
    return ReportDescriptor(tuple(parser.fields), bytes(raw), tuple(parser.warnings))


def hid_descriptor_length(hid_class_descriptor: bytes) -> int:
    """wDescriptorLength of the report descriptor, from the 9-byte HID class descriptor.

    Unsigned little endian: NUT's getvaluetest checks that "a9 01" is 425.
    """
    if len(hid_class_descriptor) < 9:
        raise ValueError("HID class descriptor too short")
    return int.from_bytes(hid_class_descriptor[7:9], "little")
