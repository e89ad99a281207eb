"""HID UPSes for the lab built from a list of fields: a report descriptor, report values,
interrupt reports and writable features.

A :class:`UpsSpec` names each field by its HID path ("UPS.PowerSummary.RemainingCapacity",
with "[n]" after a collection that NUT reads as an index), its logical value, size and
unit exponent, and the report it goes in. :func:`build` lays the reports out, writes a
descriptor with one collection per path part (4-byte usages, so no usage page juggling),
and returns a :class:`SimUps`: a :class:`~tests.usblab.hid.HidDevice` that also knows
where each field sits, so a test changes a value by its path (:meth:`SimUps.put`) and the
unit sends the reports that carry it on its interrupt pipe (:meth:`SimUps.send`).
Reports marked ``interrupt`` have Input items as well as Feature ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from nutrio.protocol.devices.hid import FieldKind, UsageTable, parse_descriptor, path_to_string
from nutrio.protocol.devices.hid.usages import string_to_path
from tests.drivers.hid.builder import APPLICATION, PHYSICAL, DescriptorBuilder
from tests.usblab.hid import HidDevice, hid_interface
from tests.usblab.models import Endpoint, Interface

__all__ = ["Field", "SimUps", "UpsSpec", "build", "from_descriptor", "nameable"]

@dataclass
class Field:
    """One report field: its path, logical value and encoding."""

    path: str
    value: int = 0
    size: int = 16
    logical: tuple[int, int] = (0, 65535)
    exponent: int = 0
    report: int = 0  # 0: one report of its own
    interrupt: bool = False  # its report also comes as an Input report


@dataclass
class UpsSpec:
    """A unit: USB identity, usage names for its paths, fields."""

    vendor_id: int
    product_id: int
    usages: UsageTable
    fields: list[Field] = field(default_factory=list)
    strings: dict[int, str] = field(default_factory=dict)
    manufacturer_index: int = 1
    product_index: int = 2
    serial_index: int = 3
    bcd_device: int = 0x0100
    #: the HID interface number and its interrupt endpoint (Arduino: 2 and 0x84)
    interface: int = 0
    endpoint: int = 0x81
    #: how many (identical) configurations the unit offers: NUT 2.8.0 reads configuration
    #: number <interface> (fixed in 2.8.2), so a unit whose HID interface is 2 opens in
    #: 2.8.0 only with three of them
    configurations: int = 1


@dataclass(frozen=True)
class _Place:
    report: int
    offset: int  # bits after the id byte
    size: int


def _collections(path: str, usages: UsageTable) -> list[tuple[int, int]]:
    """(usage, collection type) of each collection of ``path``, and the field's usage last
    with type -1: "[n]" after a part makes that part's collection type 0x80 + n."""
    parts: list[tuple[int, int]] = []
    for token in path.split("."):
        if token.startswith("["):
            usage, _ = parts[-1]
            parts[-1] = (usage, 0x80 | int(token[1:-1]))
            continue
        nodes = string_to_path(token, usages)
        if nodes is None or len(nodes) != 1:
            raise ValueError(f"{path}: cannot name {token!r}")
        parts.append((nodes[0], PHYSICAL))
    parts[0] = (parts[0][0], APPLICATION) if parts[0][1] == PHYSICAL else parts[0]
    usage, _ = parts.pop()
    return [*parts, (usage, -1)]


def nameable(path: str, usages: UsageTable) -> bool:
    """Whether every part of ``path`` names a usage or an index (else NUT leaves the part
    out and the path means something else: no unit is built for it)."""
    try:
        _collections(path, usages)
    except ValueError:
        return False
    return True


def _number(fields: Iterable[Field]) -> list[Field]:
    """Give every field without a report one of its own, after the numbered ones."""
    fields = list(fields)
    used = {f.report for f in fields if f.report}
    free = (n for n in range(1, 256) if n not in used)
    for f in fields:
        if not f.report:
            f.report = next(free)
    return fields


class _Writer:
    """Items for fields in descriptor order, opening and closing collections as needed."""

    def __init__(self, usages: UsageTable) -> None:
        self.b = DescriptorBuilder()
        self.usages = usages
        self.stack: list[tuple[int, int]] = []

    def item(self, f: Field, kind: str) -> None:
        *collections, (usage, _) = _collections(f.path, self.usages)
        keep = 0
        while keep < min(len(self.stack), len(collections)) and \
                self.stack[keep] == collections[keep]:
            keep += 1
        while len(self.stack) > keep:
            self.b.item(0xC0)
            self.stack.pop()
        for node, kind_ in collections[keep:]:
            self.b.usage(node & 0xFFFF, page=node >> 16).item(0xA0, bytes([kind_]))
            self.stack.append((node, kind_))
        self.b.report(f.report, size=f.size, count=1).logical(*f.logical)
        self.b.unit(0, f.exponent)
        self.b.usage(usage & 0xFFFF, page=usage >> 16)
        getattr(self.b, kind)()

    def done(self) -> bytes:
        while self.stack:
            self.b.item(0xC0)
            self.stack.pop()
        return self.b.build()


def _encode(value: int, size: int) -> int:
    return value & ((1 << size) - 1)


class SimUps(HidDevice):
    """A HID UPS whose fields a test reads and changes by path (see the module comment)."""

    def __init__(self, spec: UpsSpec, descriptor: bytes, places: dict[str, list[_Place]],
                 lengths: dict[int, int], interrupts: set[int]) -> None:
        iface = hid_interface(len(descriptor))
        iface = Interface(number=spec.interface, extra=iface.extra,
                          endpoints=(Endpoint(spec.endpoint, 3, 8, 10),))
        interfaces = tuple(Interface(number=n, cls=0xFF, endpoints=())
                           for n in range(spec.interface)) + (iface,)
        super().__init__(spec.vendor_id, spec.product_id, descriptor,
                         {rid: bytes([rid]) + bytes(n - 1) for rid, n in lengths.items()},
                         strings=dict(spec.strings), manufacturer_index=spec.manufacturer_index,
                         product_index=spec.product_index, serial_index=spec.serial_index,
                         bcd_device=spec.bcd_device, interfaces=interfaces)
        self.spec = spec
        self.configurations = spec.configurations
        self.places = places
        self.interrupts = interrupts

    def config_descriptors(self) -> list[bytes]:
        return super().config_descriptors() * self.configurations

    def put(self, path: str, value: int) -> set[int]:
        """Set a field (every report it is in); returns those reports' ids."""
        touched = set()
        for place in self.places[path]:
            buf = bytearray(self.reports[place.report])
            raw = _encode(value, place.size)
            for bit in range(place.size):
                pos = 8 + place.offset + bit
                if raw >> bit & 1:
                    buf[pos >> 3] |= 1 << (pos & 7)
                else:
                    buf[pos >> 3] &= ~(1 << (pos & 7)) & 0xFF
            self.reports[place.report] = bytes(buf)
            touched.add(place.report)
        return touched

    def get(self, path: str) -> int:
        place = self.places[path][0]
        raw = int.from_bytes(self.reports[place.report][1:], "little") >> place.offset
        return raw & ((1 << place.size) - 1)

    def send(self, reports: Iterable[int]) -> None:
        """Queue the reports that come as Input reports on the interrupt pipe."""
        for rid in sorted(set(reports)):
            if rid in self.interrupts:
                self.push_input(self.reports[rid])


def build(spec: UpsSpec) -> SimUps:
    """The unit ``spec`` describes, every field at its value."""
    fields = _number(spec.fields)
    by_report: dict[int, list[Field]] = {}
    for f in fields:
        by_report.setdefault(f.report, []).append(f)
    writer = _Writer(spec.usages)
    places: dict[str, list[_Place]] = {}
    lengths: dict[int, int] = {}
    interrupts: set[int] = set()
    for rid in sorted(by_report):
        group = by_report[rid]
        offset = 0
        for f in group:
            places.setdefault(f.path, []).append(_Place(rid, offset, f.size))
            offset += f.size
            writer.item(f, "feature")
        lengths[rid] = 1 + (offset + 7) // 8
        if any(f.interrupt for f in group):
            interrupts.add(rid)
            for f in group:
                writer.item(f, "input")
    ups = SimUps(spec, writer.done(), places, lengths, interrupts)
    for f in fields:
        ups.put(f.path, f.value)
    return ups


def from_descriptor(spec: UpsSpec, raw: bytes, values: dict[str, int]) -> SimUps:
    """A unit with a given report descriptor (``spec.fields`` unused): its Feature fields
    found by path, Input reports for the reports that have Input fields."""
    desc = parse_descriptor(raw)
    places: dict[str, list[_Place]] = {}
    for f in desc.fields:
        if f.kind == FieldKind.FEATURE:
            path = path_to_string(f.path, spec.usages)
            places.setdefault(path, []).append(_Place(f.report_id, f.offset, f.size))
    lengths = {rid: desc.report_length(rid) for rid in desc.report_ids()}
    interrupts = {f.report_id for f in desc.fields if f.kind == FieldKind.INPUT}
    ups = SimUps(spec, raw, places, lengths, interrupts)
    for path, value in values.items():
        ups.put(path, value)
    return ups
