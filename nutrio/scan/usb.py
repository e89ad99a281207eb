"""`nutrio scan --usb`: every USB device a driver claims, as a ready device table.

The ids come from nutrio/scan/usbids.py (nutrio's drivers, then NUT's Q1
bridges). For each device found: its strings (manufacturer, product, serial),
where it is (bus, device number, port path), the driver with its subdriver or
bridge, and the other candidates as comments. When two drivers claim the id,
or the vendor also makes HID UPSes (usbhid-ups then calls a device of an
unknown product "possibly supported", the classic trap for Megatec clones),
the read-only probes of nutrio/scan/usbprobe.py decide, and the notes say which
one answered.

The options are nut-scanner's (vendorid, productid, product, serial, vendor,
bus); strings go in as regexes that match exactly themselves, since the USB
drivers read these options as regexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import usb.core  # type: ignore[import-untyped]
import usb.util  # type: ignore[import-untyped]

from nutrio.actors.drivers.errors import DriverConfigError
from nutrio.actors.drivers.usbbackend import pyusb_backend
from nutrio.scan.found import Found
from nutrio.scan.usbids import UsbClaim, claims, matching, same_vendor
from nutrio.scan.usbprobe import PROBED_BRIDGES, hid_power_device, q1_reply

__all__ = ["UsbSeen", "decide", "scan_usb"]

_HID = "usbhid-ups"
_REGEX_SPECIALS = re.compile(r"([.\[\]()*+?{}|^$\\])")


@dataclass(frozen=True, slots=True, kw_only=True)
class UsbSeen:
    """One device as enumeration and its string descriptors show it."""

    vendor_id: int
    product_id: int
    bus: int
    address: int
    ports: tuple[int, ...] = ()
    vendor: str | None = None
    product: str | None = None
    serial: str | None = None
    problem: str | None = None  # why the strings could not be read

    @property
    def where(self) -> str:
        port = f", port {'.'.join(map(str, self.ports))}" if self.ports else ""
        return f"bus {self.bus:03d} device {self.address:03d}{port}"


def scan_usb(backend: Any | None = None) -> list[Found]:
    """Every claimed device on the USB buses (blocking: run it in a thread)."""
    rows = claims()
    found: list[Found] = []
    try:
        devices = list(usb.core.find(find_all=True, backend=backend or pyusb_backend()) or ())
    except (usb.core.NoBackendError, usb.core.USBError, DriverConfigError) as exc:
        why = "no libusb-1.0 found" if isinstance(exc, usb.core.NoBackendError) else str(exc)
        return [Found(source="usb", driver="", port="", notes=(f"USB not scanned: {why}",))]
    for dev in devices:
        exact = matching(rows, dev.idVendor, dev.idProduct)
        hid_vendor = same_vendor(rows, dev.idVendor, _HID)
        if not exact and not hid_vendor:
            continue
        seen = _describe(dev)
        candidates = matching(rows, dev.idVendor, dev.idProduct, seen.vendor, seen.product)
        if not candidates and not hid_vendor:
            continue
        probes = _probe(dev, candidates, hid_vendor) if _needs_probe(candidates,
                                                                      hid_vendor) else {}
        item = decide(seen, candidates, hid_vendor, probes)
        if item is not None:
            found.append(item)
    return found


def _describe(dev: Any) -> UsbSeen:
    strings: dict[str, str | None] = dict.fromkeys(("vendor", "product", "serial"))
    problem = None
    try:
        langids = usb.util.get_langids(dev)  # the first request that needs the device open
        langid = langids[0] if langids else None
        for key, index in (("vendor", dev.iManufacturer), ("product", dev.iProduct),
                           ("serial", dev.iSerialNumber)):
            if index and langid is not None:
                strings[key] = (usb.util.get_string(dev, index, langid) or "").strip() or None
    except usb.core.USBError as exc:
        problem = _usb_problem(exc)
    except ValueError:  # no language table: NUT shows "unknown"
        pass
    finally:
        usb.util.dispose_resources(dev)
    return UsbSeen(vendor_id=dev.idVendor, product_id=dev.idProduct, bus=dev.bus or 0,
                   address=dev.address or 0, ports=tuple(dev.port_numbers or ()),
                   problem=problem, **strings)


def _usb_problem(exc: Any) -> str:
    if getattr(exc, "errno", None) == 13 or getattr(exc, "backend_error_code", None) == -3:
        return "permission denied (install nutrio's udev rules: nutrio install-service)"
    return f"could not read its strings: {exc}"


def _needs_probe(candidates: list[UsbClaim], hid_vendor: list[UsbClaim]) -> bool:
    drivers = {c.driver for c in candidates}
    return len(drivers) > 1 or bool(hid_vendor and drivers - {_HID}) or not candidates


def _probe(dev: Any, candidates: list[UsbClaim], hid_vendor: list[UsbClaim]) -> dict[str, Any]:
    """"hid": the HID probe's verdict; "q1": (bridge, reply or None) for the first
    Q1 bridge a probe can speak through."""
    out: dict[str, Any] = {}
    try:
        out["hid"] = hid_power_device(dev)
        bridge = next((c.variant for c in candidates
                       if c.kind == "usb-bridge" and c.variant in PROBED_BRIDGES), None)
        if bridge is not None:
            out["q1"] = (bridge, q1_reply(dev, bridge))
    except usb.core.USBError as exc:
        out["error"] = _usb_problem(exc)
    finally:
        usb.util.dispose_resources(dev)
    return out


def decide(seen: UsbSeen, candidates: list[UsbClaim], hid_vendor: list[UsbClaim],
           probes: dict[str, Any]) -> Found | None:
    """The table for one device: the candidate that answered (else the first)."""
    strings = [s for s in (seen.vendor, seen.product, seen.serial and f"serial {seen.serial}")
               if s]
    notes = [f"USB {seen.vendor_id:04x}:{seen.product_id:04x} at {seen.where}: "
             + (" / ".join(strings) or "no strings")]
    if seen.problem:
        notes.append(seen.problem)
    chosen, said = _pick(candidates, hid_vendor, probes)
    notes += said
    if chosen is None:
        return None
    notes += [f"also claimed by: {_label(c)}" for c in candidates if c is not chosen]
    options = _options(seen, chosen)
    if not chosen.driven:
        notes.append(f"nutrio does not drive {_label(chosen)} over USB yet (NUT 2.8.0 does)")
    return Found(source="usb", driver=chosen.driver, port="auto", options=tuple(options),
                 notes=tuple(notes), driven=chosen.driven)


def _pick(candidates: list[UsbClaim], hid_vendor: list[UsbClaim],
          probes: dict[str, Any]) -> tuple[UsbClaim | None, list[str]]:
    if not probes:
        return (candidates[0] if candidates else None), [f"driver: {_label(candidates[0])}"]
    said = []
    if "error" in probes:
        said.append(f"probe failed: {probes['error']}")
    hid = probes.get("hid")
    if hid is not None:
        said.append("HID probe: " + ("a Power Device report descriptor (usbhid-ups)" if hid
                                     else "HID, but no Power Device usages"))
    bridge, reply = probes.get("q1", (None, None))
    if bridge is not None:
        said.append(f"Q1 probe through the {bridge} bridge: "
                    + (f"answered {reply!r}" if reply else "no answer"))
    hid_rows = [c for c in candidates if c.driver == _HID] or hid_vendor
    if hid and hid_rows:
        return hid_rows[0], [*said, f"answered: {_label(hid_rows[0])}"]
    if reply:
        chosen = next(c for c in candidates if c.variant == bridge)
        return chosen, [*said, f"answered: {_label(chosen)}"]
    if not candidates:
        return None, said
    return candidates[0], [*said, f"no probe answered: going by the id, {_label(candidates[0])}"]


def _label(claim: UsbClaim) -> str:
    what = "subdriver" if claim.kind == "subdriver" else "bridge"
    return f"{claim.driver} ({what} {claim.variant})"


def _options(seen: UsbSeen, chosen: UsbClaim) -> list[tuple[str, str]]:
    options = [("vendorid", f"{seen.vendor_id:04X}"), ("productid", f"{seen.product_id:04X}")]
    if chosen.kind == "usb-bridge":
        options.append(("subdriver", chosen.variant))
    for key in ("product", "serial", "vendor"):
        value = getattr(seen, key)
        if value:
            options.append((key, _REGEX_SPECIALS.sub(r"\\\1", value)))
    options.append(("bus", f"{seen.bus:03d}"))
    return options
