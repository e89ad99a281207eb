"""nutdrv_qx and blazer_usb over USB: a :class:`QxTransport` that finds the bridge and carries
each command through it, as NUT 2.8.0's initups and qx_command/blazer_command do.

How it works:

* ``open``: every USB device is looked at in turn; one whose ids no table row
  (nor ``vendorid``/``productid``) could accept is not even opened. The others are
  opened and their three strings read; the first that passes ups.conf's regular
  expressions (vendorid, productid, vendor, product, serial, bus, device, busport)
  and that the driver's table gives a bridge (or any, when ``subdriver`` names one)
  is claimed. With ``langid_fix`` the language table is read once more (unless
  ``noscanlangid``, a flag blazer_usb does not have).
* ``exchange``: the bridge carries the command (usb_bridges.py, usb_strings.py).
  A libusb error is what qx_command makes of it: a stall clears the endpoint's halt
  (a reset and a reconnect if that fails); no device, access denied, an I/O error
  or not found close the device, and the next command looks for the same unit
  again (ids and strings as first seen, wherever it was plugged back); a timeout
  or an overflow only fails that command; "busy" means another program took the
  device. The exchange then returns None, NUT's negative return.
* A device the user may not open (LIBUSB_ERROR_ACCESS) is named in one line with
  the fix (:class:`UsbAccessDenied`), at start and at the first reconnect that
  meets it.

pyusb blocks: each call runs in a worker thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
import trio
import usb.core  # type: ignore[import-untyped]
import usb.util  # type: ignore[import-untyped]

from nutrio.actors.drivers.base import DeviceLike
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.megatec import usb_bridges as sb
from nutrio.actors.drivers.megatec import usb_strings as ss
from nutrio.actors.drivers.megatec.usb_bridges import Bridge, BridgeState
from nutrio.actors.drivers.megatec.usb_io import (
    ACCESS,
    BUSY,
    IO,
    NO_DEVICE,
    NOT_FOUND,
    PIPE,
    MatchRules,
    UsbFailure,
    UsbHandle,
    UsbIdentity,
)
from nutrio.actors.drivers.usbbackend import detach_kernel_driver, pyusb_backend
from nutrio.protocol.devices.megatec.usb_ids import (
    BLAZER_USB_IDS,
    QX_USB_IDS,
    UsbId,
    known_ids,
    pick_bridge,
)

__all__ = ["BLAZER_USB", "NUTDRV_QX", "UsbAccessDenied", "UsbFamily", "UsbTransport"]

log = structlog.get_logger()
T = TypeVar("T")

#: nutdrv_qx reads replies into a buffer one byte short of SMALLBUF (qx_process)
QX_BUFLEN = 511
#: blazer_usb's buffers are SMALLBUF
BLAZER_BUFLEN = 512


class UsbAccessDenied(DriverIOError):
    """The user nutrio runs as may not open the device (LIBUSB_ERROR_ACCESS)."""

    def __init__(self, identity: UsbIdentity) -> None:
        super().__init__(
            f"USB device {identity.name}: permission denied: install nutrio's udev rules"
            " (nutrio install-service) or add the user to group nut"
        )
        self.identity = identity


@dataclass(frozen=True, slots=True)
class UsbFamily:
    """What differs between nutdrv_qx's USB side and blazer_usb's."""

    driver: str
    ids: tuple[UsbId, ...]
    bridges: Mapping[str, Bridge]
    buflen: int
    #: nutdrv_qx skips the extra language table read with the noscanlangid flag
    noscanlangid: bool
    subdriver_unknown: str


def _bridges(**functions: Bridge) -> dict[str, Bridge]:
    """Bridge name -> its command function, a 0-byte return read as an empty reply."""
    return {name: sb.returning_empty(fn) for name, fn in functions.items()}


NUTDRV_QX = UsbFamily(
    "nutdrv_qx", QX_USB_IDS,
    _bridges(cypress=sb.cypress, phoenixtec=sb.phoenixtec, phoenix=sb.phoenix, ippon=sb.ippon,
             krauler=ss.krauler, fabula=ss.fabula, hunnox=ss.hunnox, fuji=sb.fuji, sgs=sb.sgs,
             snr=ss.snr, ablerex=sb.ablerex, armac=sb.armac),
    QX_BUFLEN, True, "Subdriver '{}' not found!",
)
BLAZER_USB = UsbFamily(
    "blazer_usb", BLAZER_USB_IDS,
    _bridges(cypress=sb.blazer_cypress, phoenix=sb.blazer_phoenix, ippon=sb.blazer_ippon,
             krauler=ss.blazer_krauler),
    BLAZER_BUFLEN, False, 'Subdriver "{}" not found!',
)

_NOT_FOUND = ("No supported devices found. Please check your device availability with 'lsusb'"
              " and make sure you have an up-to-date version of NUT. If this does not help,"
              " try running the driver with at least 'subdriver', 'vendorid' and 'productid'"
              " options specified. Please refer to the man page for details about these"
              " options (man 8 {}).")  # fmt: skip
#: the errors after which qx_command closes the device and looks for it again
_RECONNECT = frozenset({NO_DEVICE, ACCESS, IO, NOT_FOUND})
_FALSE = frozenset({"false", "no", "off", "0"})
_HEX = re.compile(r"\s*(?:0[xX])?([0-9a-fA-F]+)")


def _langid(text: str | None) -> int | None:
    """``langid_fix``: the hex digits after its first two characters ("0x4095"), read as
    sscanf's %x reads them; None when unset or unreadable."""
    if text is None:
        return None
    digits = _HEX.match(text[2:])
    value = int(digits.group(1), 16) if digits else None
    if value is None or value > 0x7FFFFFFF:
        log.warning("driver.langid_fix_refused", value=text)  # NUT: "Error enabling ..."
        return None
    return value


@dataclass(frozen=True, slots=True)
class _Found:
    handle: UsbHandle
    identity: UsbIdentity
    bridge: str


class UsbTransport:
    """One UPS behind a USB bridge (see the module comment)."""

    def __init__(self, device: DeviceLike, family: UsbFamily = NUTDRV_QX, *,
                 backend: Any = None) -> None:
        self.device = device
        self.family = family
        self.backend = backend
        opts = {key.lower(): value for key, value in device.options.items()}
        self.bridge = self._subdriver(opts)
        try:
            self.rules = MatchRules(opts)
        except ValueError as exc:
            raise DriverConfigError(f"{device.name}: {exc}") from exc
        self.state = BridgeState(langid_fix=_langid(opts.get("langid_fix")))
        if self.bridge == "snr" and self.state.langid_fix is None:
            # NUT 2.8.0's snr hands langid -1 to libusb, and the driver dies at its first query
            raise DriverConfigError(f"{device.name}: the snr bridge needs langid_fix (0x0409)")
        scan = opts.get("noscanlangid")
        self.scan_langid = not (family.noscanlangid and scan is not None
                                and scan.lower() not in _FALSE)
        self.handle: UsbHandle | None = None
        self.known: UsbIdentity | None = None
        self._reported = False  # the access line of the current outage was logged

    def _subdriver(self, opts: Mapping[str, str]) -> str | None:
        wanted = opts.get("subdriver")
        if wanted is None:
            return None
        if "vendorid" not in opts or "productid" not in opts:
            raise DriverConfigError(f"{self.device.name}: When specifying a subdriver,"
                                    " 'vendorid' and 'productid' are mandatory.")
        for name in self.family.bridges:
            if name.lower() == wanted.lower():
                return name
        raise DriverConfigError(f"{self.device.name}: "
                                + self.family.subdriver_unknown.format(wanted))

    # -- QxTransport ----------------------------------------------------------------

    async def open(self) -> None:
        await _in_thread(self._open_sync)
        assert self.known is not None
        log.info("driver.usb_opened", device=self.known.name, bridge=self.bridge)

    async def exchange(self, request: bytes) -> bytes | None:
        return await _in_thread(lambda: self._exchange_sync(request))

    async def close(self) -> None:
        await _in_thread(self._close_sync)

    def variables(self) -> Mapping[str, str]:
        known = self.known
        if known is None:
            return {}
        return {"ups.vendorid": f"{known.vendor_id:04x}",
                "ups.productid": f"{known.product_id:04x}"}

    # -- blocking side --------------------------------------------------------------

    def _open_sync(self) -> None:
        denied: list[UsbIdentity] = []
        found = self._find(denied)
        if found is None:
            if denied:
                raise UsbAccessDenied(denied[0])
            raise DriverIOError(f"{self.device.name}: " + _NOT_FOUND.format(self.family.driver))
        self._attach(found)
        if self.state.langid_fix is not None and self.scan_langid:
            try:  # NUT only logs what it finds ("please report to the NUT maintainer")
                table = found.handle.string(0, 0, 255)
                log.debug("driver.usb_langid", first=table[2:4].hex() if len(table) >= 4 else None)
            except UsbFailure:
                pass

    def _exchange_sync(self, request: bytes) -> bytes | None:
        if self.handle is None and not self._reopen():
            return None
        assert self.handle is not None and self.bridge is not None
        bridge = self.family.bridges[self.bridge]
        try:
            reply = bridge(self.handle, request, self.family.buflen, self.state)
        except UsbFailure as failure:
            log.debug("driver.exchange_failed", request=request, error=str(failure))
            self._recover(failure.code)
            return None
        log.debug("driver.exchange", request=request, reply=reply)
        return reply

    def _recover(self, code: int) -> None:
        """qx_command's answer to a failed command."""
        handle = self.handle
        assert handle is not None
        if code == BUSY:
            self._close_sync()
            raise DriverIOError(f"{self.device.name}: Got disconnected by another driver")
        if code == PIPE:
            try:
                handle.clear_halt(0x81)
                return
            except UsbFailure:
                try:
                    handle.reset()
                except UsbFailure:
                    pass
                code = IO
        if code in _RECONNECT:
            self._close_sync()

    def _reopen(self) -> bool:
        denied: list[UsbIdentity] = []
        found = self._find(denied)
        try:
            if found is None:
                if denied:
                    raise UsbAccessDenied(denied[0])
                return False
            self._attach(found)
        except DriverIOError as exc:  # told once per outage, not at every poll
            if not self._reported:
                log.warning("driver.usb_reopen_failed", error=str(exc))
                self._reported = True
            return False
        self._reported = False
        log.info("driver.usb_reconnected", device=found.identity.name)
        return True

    def _candidates(self) -> list[Any]:
        backend = self.backend or pyusb_backend()
        try:
            return list(usb.core.find(find_all=True, backend=backend) or [])
        except usb.core.USBError as exc:
            log.debug("driver.usb_list_failed", error=str(exc))
            return []

    def _worth_opening(self, ids: UsbIdentity) -> bool:
        """What can be told without opening: ids, bus, device and port numbers."""
        if not self.rules.fit(ids, ("vendorid", "productid", "bus", "device", "busport")):
            return False
        if self.known is not None:
            return (ids.vendor_id, ids.product_id) == (self.known.vendor_id, self.known.product_id)
        return self.bridge is not None or known_ids(self.family.ids, ids.vendor_id, ids.product_id)

    def _find(self, denied: list[UsbIdentity]) -> _Found | None:
        for dev in self._candidates():
            ids = UsbIdentity(dev.idVendor, dev.idProduct, bus=dev.bus or 0,
                              address=dev.address or 0, port=dev.port_number or 0,
                              release=dev.bcdDevice)
            if not self._worth_opening(ids):
                continue
            handle = UsbHandle(dev)
            found = self._look_at(handle, ids, denied)
            if found is not None:
                return found
            handle.close()
        return None

    def _look_at(self, handle: UsbHandle, ids: UsbIdentity,
                 denied: list[UsbIdentity]) -> _Found | None:
        dev = handle.dev
        try:
            identity = UsbIdentity(
                ids.vendor_id, ids.product_id, handle.identity_string(dev.iManufacturer),
                handle.identity_string(dev.iProduct), handle.identity_string(dev.iSerialNumber),
                ids.bus, ids.address, ids.port, ids.release)
        except UsbFailure as failure:
            if failure.code == ACCESS:
                denied.append(ids)
            return None
        if not self.rules.fit(identity):
            return None
        if self.known is not None and not self.known.same_unit(identity):
            return None
        bridge = self.bridge or pick_bridge(self.family.ids, identity.vendor_id,
                                            identity.product_id, identity.vendor, identity.product)
        if bridge is None:
            return None
        return _Found(handle, identity, bridge)

    def _attach(self, found: _Found) -> None:
        """Claim interface 0 (the kernel's driver detached first), as NUT's libusb layer."""
        dev = found.handle.dev
        detach_kernel_driver(dev)
        try:
            usb.util.claim_interface(dev, 0)
        except usb.core.USBError as exc:
            found.handle.close()
            if exc.backend_error_code == ACCESS:
                raise UsbAccessDenied(found.identity) from exc
            raise DriverIOError(
                f"{self.device.name}: Can't claim USB device [{found.identity.vendor_id:04x}:"
                f"{found.identity.product_id:04x}]@0/0: {exc.strerror or exc}") from exc
        self.handle, self.known, self.bridge = found.handle, found.identity, found.bridge

    def _close_sync(self) -> None:
        handle, self.handle = self.handle, None
        if handle is not None:
            handle.close()


async def _in_thread(fn: Callable[[], T]) -> T:
    return await trio.to_thread.run_sync(fn)
