"""APC's Modbus over USB HID (the libmodbus fork NUT's apc_modbus links), on pyusb.

How it works: the first USB device that passes the ups.conf matchers (vendorid,
productid, vendor, product, serial, bus, device: case-insensitive regexes on
the whole value, as NUT), that is an APC 051d:0003 (another APC product only
with ``productid`` given) and whose HID report descriptor has APC's two Modbus
usages (0xff8600fc, the reports the UPS takes; 0xff8600fd, the ones it sends)
is taken. An RTU frame without its CRC goes out as one 64-byte interrupt
report on endpoint 0x01: the "take" report id, then the frame, zero-padded.
Replies come back the same way on 0x81 under the "send" report id; the UPS's
other input reports (its HID power-device data) are skipped. After the first
connection only the same unit (ids, strings) is taken again.
Blocking pyusb calls run in worker threads.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import trio
import usb.core  # type: ignore[import-untyped]
import usb.util  # type: ignore[import-untyped]

from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.usbbackend import detach_kernel_driver, pyusb_backend
from nutrio.protocol.devices.hid import parse_descriptor
from nutrio.protocol.devices.hid.descriptor import hid_descriptor_length
from nutrio.protocol.devices.modbus import Transport

__all__ = ["APC_VENDOR", "MATCHERS", "RX_USAGE", "TX_USAGE", "UsbLink"]

APC_VENDOR = 0x051D
_PRODUCTS = frozenset({0x0003})
RX_USAGE, TX_USAGE = 0xFF8600FC, 0xFF8600FD
#: the libmodbus fork's report ids when a descriptor names none
_DEFAULT_RX, _DEFAULT_TX = 0x90, 0x89
_REPORT = 64
_TIMEOUT_MS = 5000
MATCHERS = ("vendorid", "productid", "vendor", "product", "serial", "bus", "device")
_TIMEOUT_CODES = frozenset({-7})  # LIBUSB_ERROR_TIMEOUT


@dataclass(frozen=True, slots=True)
class _Unit:
    vendor_id: int
    product_id: int
    vendor: str | None
    product: str | None
    serial: str | None
    bus: str
    device: str


def _text(dev: Any, index: int) -> str | None:
    if not index:
        return None
    try:
        value: str | None = usb.util.get_string(dev, index)
        return value
    except (usb.core.USBError, ValueError):
        return None


class UsbLink:
    """One APC UPS's Modbus-over-HID pipe (see the module comment)."""

    transport = Transport.USB

    def __init__(self, options: Mapping[str, str], *, backend: Any = None) -> None:
        self._matchers: dict[str, re.Pattern[str]] = {}
        for key in MATCHERS:
            if key in options:
                try:
                    self._matchers[key] = re.compile(options[key], re.IGNORECASE)
                except re.error as exc:
                    raise DriverConfigError(f"invalid regular expression: {options[key]}") from exc
        self._productid_given = "productid" in options
        self._backend = backend
        self._dev: Any = None
        self._known: _Unit | None = None
        self.rx_id, self.tx_id = _DEFAULT_RX, _DEFAULT_TX
        self.where = "USB"
        self.vendor_id: int | None = None
        self.product_id: int | None = None

    async def connect(self) -> None:
        await trio.to_thread.run_sync(self._connect)

    async def send(self, data: bytes) -> None:
        report = bytes([self.rx_id]) + data.ljust(_REPORT - 1, b"\0")
        await trio.to_thread.run_sync(self._transfer, lambda d: d.write(0x01, report, _TIMEOUT_MS))

    async def receive(self, timeout: float) -> bytes:
        return await trio.to_thread.run_sync(self._receive, max(1, int(timeout * 1000)))

    async def flush(self) -> None:
        while await self.receive(0.01):
            pass

    async def close(self) -> None:
        await trio.to_thread.run_sync(self._close)

    # -- blocking side -------------------------------------------------------------

    def _transfer(self, call: Any) -> Any:
        if self._dev is None:
            raise DriverIOError(f"{self.where}: not connected")
        try:
            return call(self._dev)
        except usb.core.USBError as exc:
            if exc.backend_error_code in _TIMEOUT_CODES:
                raise
            self._close()
            raise DriverIOError(f"{self.where}: {exc}") from exc

    def _receive(self, timeout_ms: int) -> bytes:
        deadline = time.monotonic() + timeout_ms / 1000
        while (left := int((deadline - time.monotonic()) * 1000)) > 0:
            try:
                report = bytes(self._transfer(lambda d: d.read(0x81, _REPORT, left)))
            except usb.core.USBError:
                return b""  # a timeout: nothing came
            if report[:1] == bytes([self.tx_id]):
                return report[1:]
        return b""  # only the unit's other input reports came

    def _connect(self) -> None:
        if self._dev is not None:
            return
        devices = usb.core.find(find_all=True, backend=self._backend or pyusb_backend()) or []
        for dev in devices:
            unit = self._unit(dev)
            if unit is None or not self._matches(unit):
                continue
            ids = self._open(dev)
            if ids is None:
                continue
            self._dev, self._known = dev, unit
            self.rx_id, self.tx_id = ids
            self.where = f"USB {unit.bus}:{unit.device}"
            self.vendor_id, self.product_id = unit.vendor_id, unit.product_id
            return
        raise DriverIOError("no APC Modbus USB device found")

    def _unit(self, dev: Any) -> _Unit | None:
        if dev.idVendor != APC_VENDOR:
            return None
        if dev.idProduct not in _PRODUCTS and not self._productid_given:
            return None
        return _Unit(dev.idVendor, dev.idProduct, _text(dev, dev.iManufacturer),
                     _text(dev, dev.iProduct), _text(dev, dev.iSerialNumber),
                     f"{dev.bus or 0:03d}", f"{dev.address or 0:03d}")

    def _matches(self, unit: _Unit) -> bool:
        values = {"vendorid": f"{unit.vendor_id:04x}", "productid": f"{unit.product_id:04x}",
                  "vendor": unit.vendor, "product": unit.product, "serial": unit.serial,
                  "bus": unit.bus, "device": unit.device}
        if any(p.fullmatch((values[k] or "").strip()) is None for k, p in self._matchers.items()):
            return False
        known = self._known
        return known is None or (known.vendor_id, known.product_id, known.serial) == (
            unit.vendor_id, unit.product_id, unit.serial)

    def _open(self, dev: Any) -> tuple[int, int] | None:
        """Claim the HID interface and find the Modbus report ids; None: not a Modbus UPS."""
        detach_kernel_driver(dev)
        try:
            usb.util.claim_interface(dev, 0)
            intf = dev.get_active_configuration()[(0, 0)]
            hid = bytes(intf.extra_descriptors[:9])
            length = hid_descriptor_length(hid) if len(hid) == 9 and hid[1] == 0x21 else 2048
            raw = bytes(dev.ctrl_transfer(0x81, 0x06, 0x2200, 0, length, _TIMEOUT_MS))
        except usb.core.USBError:
            usb.util.dispose_resources(dev)
            return None
        fields = parse_descriptor(raw).fields
        rx = next((f.report_id for f in fields if f.path and f.path[-1] == RX_USAGE), None)
        tx = next((f.report_id for f in fields if f.path and f.path[-1] == TX_USAGE), None)
        if rx is None or tx is None:
            usb.util.release_interface(dev, 0)
            usb.util.dispose_resources(dev)
            return None
        return rx, tx

    def _close(self) -> None:
        dev, self._dev = self._dev, None
        if dev is None:
            return
        try:
            usb.util.release_interface(dev, 0)
        except (usb.core.USBError, ValueError):
            pass
        usb.util.dispose_resources(dev)
