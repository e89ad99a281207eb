"""A small HID report descriptor builder for synthetic test devices.

Each method appends one short item with the smallest data size that holds
its value (signed for logical/physical extents, unsigned otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

POWER_DEVICE = 0x84
BATTERY_SYSTEM = 0x85

#: collection types
PHYSICAL, APPLICATION, LOGICAL = 0x00, 0x01, 0x02
#: main item attributes
DATA_VAR_ABS, CONST, DATA_VAR_VOLATILE = 0x02, 0x01, 0xA2


def _encode(value: int, *, signed: bool) -> bytes:
    for size in (1, 2, 4):
        lo, hi = (-(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1) if signed else (0, (1 << 8 * size) - 1)
        if lo <= value <= hi:
            return (value & ((1 << 8 * size) - 1)).to_bytes(size, "little")
    raise ValueError(value)


class DescriptorBuilder:
    def __init__(self) -> None:
        self.out = bytearray()

    def item(self, tag: int, data: bytes = b"") -> DescriptorBuilder:
        code = {0: 0, 1: 1, 2: 2, 4: 3}[len(data)]
        self.out += bytes([tag | code]) + data
        return self

    def raw(self, data: bytes) -> DescriptorBuilder:
        self.out += data
        return self

    def usage_page(self, page: int) -> DescriptorBuilder:
        return self.item(0x04, _encode(page, signed=False))

    def usage(self, usage: int, *, page: int | None = None) -> DescriptorBuilder:
        if page is not None:  # an extended usage carries its page
            return self.item(0x08, ((page << 16) | usage).to_bytes(4, "little"))
        return self.item(0x08, _encode(usage, signed=False))

    def logical(self, lo: int, hi: int) -> DescriptorBuilder:
        return self.item(0x14, _encode(lo, signed=True)).item(0x24, _encode(hi, signed=True))

    def physical(self, lo: int, hi: int) -> DescriptorBuilder:
        return self.item(0x34, _encode(lo, signed=True)).item(0x44, _encode(hi, signed=True))

    def unit(self, unit: int, exponent: int = 0) -> DescriptorBuilder:
        self.item(0x64, _encode(unit, signed=False) if unit else b"\0")
        return self.item(0x54, bytes([exponent & 0x0F]))

    def report(self, report_id: int, *, size: int = 8, count: int = 1) -> DescriptorBuilder:
        return self.item(0x84, bytes([report_id])).size(size).count(count)

    def size(self, bits: int) -> DescriptorBuilder:
        return self.item(0x74, bytes([bits]))

    def count(self, n: int) -> DescriptorBuilder:
        return self.item(0x94, bytes([n]))

    def input(self, attribute: int = DATA_VAR_VOLATILE) -> DescriptorBuilder:
        return self.item(0x80, bytes([attribute]))

    def output(self, attribute: int = DATA_VAR_VOLATILE) -> DescriptorBuilder:
        return self.item(0x90, bytes([attribute]))

    def feature(self, attribute: int = DATA_VAR_VOLATILE) -> DescriptorBuilder:
        return self.item(0xB0, bytes([attribute]))

    def long_item(self, payload: bytes) -> DescriptorBuilder:
        return self.raw(bytes([0xFE, len(payload), 0x10]) + payload)

    @contextmanager
    def collection(self, usage: int | None = None, kind: int = PHYSICAL) -> Iterator[DescriptorBuilder]:
        if usage is not None:
            self.usage(usage)
        self.item(0xA0, bytes([kind]))
        yield self
        self.item(0xC0)

    def build(self) -> bytes:
        return bytes(self.out)


def minimal_ups() -> bytes:
    """A small UPS: charge, runtime, voltage (x0.01 V), status bits, a timer, a test, a beeper.

    Report 1: PresentStatus bits (Input and Feature): ACPresent, Charging,
    Discharging, BelowRemainingCapacityLimit, NeedReplacement, Overload,
    ShutdownImminent, then padding. Report 2: RemainingCapacity (Input and
    Feature). Report 3: RunTimeToEmpty (16 bit s). Report 4: battery voltage.
    Report 5: DelayBeforeShutdown (signed 16 bit). Report 6: Test. Report 7:
    AudibleAlarmControl. Report 8: RemainingCapacityLimit.
    """
    b = DescriptorBuilder()
    b.usage_page(POWER_DEVICE)
    with b.collection(0x04, APPLICATION), b.collection(0x24):  # UPS, PowerSummary
        b.report(1, size=1, count=1).logical(0, 1)
        with b.collection(0x02, LOGICAL):  # PresentStatus
            for kind in ("input", "feature"):
                b.usage_page(BATTERY_SYSTEM)
                for u in (0xD0, 0x44, 0x45, 0x42, 0x4B):
                    b.usage(u)
                b.usage_page(POWER_DEVICE).usage(0x65).usage(0x69)
                b.count(7)
                getattr(b, kind)()
                b.count(1).input(CONST) if kind == "input" else b.count(1).feature(CONST)
        b.usage_page(BATTERY_SYSTEM)
        b.report(2).logical(0, 100).usage(0x66).input().usage(0x66).feature()
        b.report(3, size=16).logical(0, 0xFFFF).unit(0x1001, 0).usage(0x68).feature()
        b.usage_page(POWER_DEVICE)
        b.report(4, size=16).unit(0x00F0D121, 5).usage(0x30).feature()
        b.report(5, size=16).logical(-1, 0x7FFF).unit(0x1001, 0).usage(0x57).feature()
        b.report(6, size=8).logical(0, 7).unit(0, 0).usage(0x58).feature()
        b.report(7).logical(1, 3).usage(0x5A).feature()
        b.usage_page(BATTERY_SYSTEM)
        b.report(8).logical(0, 100).usage(0x29).feature()
    return b.build()
