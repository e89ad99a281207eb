"""Loading the recorded devices of this directory (see SOURCES.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from nutrio.protocol.devices.hid import DeviceInfo

HERE = Path(__file__).parent
DDL = Path("/work/shared/data/ddl")


def descriptor(name: str) -> bytes:
    """A ``.hex`` file: whitespace separated hex bytes."""
    return bytes.fromhex((HERE / name).read_text())


@dataclass
class Recording:
    """A USB HID UPS as recorded: what the replay backend serves."""

    descriptor: bytes
    vendor_id: int
    product_id: int
    strings: dict[int, str]
    feature_reports: dict[int, bytes]
    interrupt_reports: list[bytes] = field(default_factory=list)
    manufacturer_index: int = 1
    product_index: int = 2
    serial_index: int = 3
    bcd_device: int = 0x0100
    bus: int = 1
    address: int = 2

    def info(self) -> DeviceInfo:
        return DeviceInfo(
            vendor_id=self.vendor_id, product_id=self.product_id,
            vendor=self.strings.get(self.manufacturer_index),
            product=self.strings.get(self.product_index),
            serial=self.strings.get(self.serial_index),
        )


def load(name: str) -> Recording:
    """``name``.json next to this module."""
    raw = json.loads((HERE / f"{name}.json").read_text())
    idx = raw.get("device_strings", {})
    return Recording(
        descriptor=descriptor(raw["descriptor"]),
        vendor_id=int(raw["vendor_id"], 16),
        product_id=int(raw["product_id"], 16),
        bcd_device=int(raw.get("bcd_device", "0100"), 16),
        strings={int(k): v for k, v in raw["strings"].items()},
        feature_reports={int(k, 16): bytes.fromhex(v) for k, v in raw["feature_reports"].items()},
        interrupt_reports=[bytes.fromhex(v) for v in raw.get("interrupt_reports", [])],
        manufacturer_index=idx.get("manufacturer", 1),
        product_index=idx.get("product", 2),
        serial_index=idx.get("serial", 3),
    )


def nut_dump(filename: str) -> dict[str, str]:
    """The variables of a NUT DDL dump (the part before its comment blocks)."""
    out: dict[str, str] = {}
    for line in (DDL / filename).read_text().splitlines():
        if line.startswith("#") or ":" not in line:
            continue
        name, _, value = line.partition(":")
        out[name.strip()] = value.split("\t#")[0].strip()
    return out


def nut_explore_lines(filename: str) -> list[dict[str, str]]:
    """The ``Path: ..., Type: ..., ReportID: ..., Offset: ..., Size: ..., Value: ...`` lines."""
    rows = []
    for line in (DDL / filename).read_text().splitlines():
        if "[D1] Path:" not in line:
            continue
        text = line.split("[D1] ", 1)[1]
        row = dict(part.split(": ", 1) for part in text.split(", "))
        rows.append(row)
    return rows


class RecordedIO:
    """The session's ReportIO over a recording, in memory (counts reads, logs writes)."""

    def __init__(self, rec: Recording) -> None:
        self.rec = rec
        self.reports = dict(rec.feature_reports)
        self.reads: list[int] = []
        self.writes: list[bytes] = []

    def get_report(self, report_id: int, length: int) -> bytes:
        from nutrio.protocol.devices.hid import ReportUnavailable

        self.reads.append(report_id)
        if report_id not in self.reports:
            raise ReportUnavailable(report_id)
        return self.reports[report_id][:length]

    def set_report(self, report_id: int, data: bytes) -> None:
        self.writes.append(bytes(data))
        self.reports[report_id] = bytes(data)

    def string(self, index: int) -> str:
        return self.rec.strings.get(index, "")


def santak() -> Recording:
    """The SANTAK TG-BOX 850: the real descriptor, README values, zeros elsewhere (synthetic)."""
    from nutrio.protocol.devices.hid import parse_descriptor

    raw = descriptor("santak_tgbox850.hex")
    desc = parse_descriptor(raw)
    reports = {rid: bytes([rid]) + bytes(desc.report_length(rid) - 1) for rid in desc.report_ids()}
    reports.update({  # decoded in the README of ludoux/esp32-nut-server-usbhid
        0x01: bytes.fromhex("01 25 00 00"), 0x06: bytes.fromhex("06 64 e0 04 00 00"),
        0x07: bytes.fromhex("07 02 02 01 00 03 18 02"), 0x08: bytes.fromhex("08 14"),
        0x0D: bytes.fromhex("0d 52 03 32"), 0x0E: bytes.fromhex("0e e6 00"),
        0x12: bytes.fromhex("12 dc"), 0x13: bytes.fromhex("13 08 01"),
        0x14: bytes.fromhex("14 b8"), 0x1F: bytes.fromhex("1f 02"),
    })
    return Recording(descriptor=raw, vendor_id=0x0463, product_id=0xFFFF,
                     strings={1: "EATON", 2: "TG-BOX 850", 3: "TEST0001"}, feature_reports=reports)


def synthetic_ups(vendor_id: int = 0x051D, product_id: int = 0x0002) -> Recording:
    """The builder's minimal UPS (synthetic), on line and charging, 80 %."""
    from tests.drivers.hid.builder import minimal_ups

    return Recording(
        descriptor=minimal_ups(), vendor_id=vendor_id, product_id=product_id,
        strings={1: "Nutrio Test", 2: "Synthetic 1000", 3: "SYN0001"},
        feature_reports={
            1: bytes([1, 0b0000011]), 2: bytes([2, 80]), 3: bytes.fromhex("03 10 0e"),
            4: bytes.fromhex("04 46 05"), 5: bytes.fromhex("05 ff ff"), 6: bytes([6, 1]),
            7: bytes([7, 2]), 8: bytes([8, 10]),
        },
    )


def nut_explore_dump(filename: str) -> dict[str, str]:
    """The variables NUT printed at the end of its explore-mode debug run (``# name: value``)."""
    out: dict[str, str] = {}
    started = False
    for line in (DDL / filename).read_text().splitlines():
        if "upsdrv_cleanup" in line:
            started = True
            continue
        if started and line.startswith("# ") and ": " in line:
            name, _, value = line[2:].partition(": ")
            out[name] = value
    return out
