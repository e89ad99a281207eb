"""The lab seen through pyusb (and nutrio's NUTRIO_LIBUSB hook): libusb's behaviour, faults, record.

These run in the test's own process: pyusb loads the lab's libusb-1.0.so.0 through
nutrio.actors.drivers.usbbackend, which the ``usblab`` fixture switched on.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import usb.core
import usb.util

from nutrio.actors.drivers.errors import DriverConfigError
from nutrio.actors.drivers.usbbackend import LIBUSB_ENV, pyusb_backend
from tests.usblab.bridges import CypressBridge
from tests.usblab.hid import HidDevice
from tests.usblab.models import UsbModel
from tests.usblab.server import UsbLab
from tests.usblab.wire import UsbStatus

NUT_USB_DRIVERS = [f"/lib/nut/{name}" for name in (
    "usbhid-ups", "nutdrv_qx", "blazer_usb", "tripplite_usb", "bcmxcp_usb", "richcomm_usb",
    "riello_usb", "nutdrv_atcl_usb")]
CYPRESS_STRINGS = {1: "Cypress Semiconductor", 2: "USB to Serial"}


class Echo:
    """A serial-side UPS that answers every line with "#" and the line."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []

    def answer(self, line: bytes) -> bytes:
        self.lines.append(line)
        return b"#" + line


def devices() -> list[Any]:
    return list(usb.core.find(find_all=True, backend=pyusb_backend()))


def only() -> Any:
    (dev,) = devices()
    return dev


def detached() -> Any:
    """The only device, its kernel driver detached (pyusb claims interfaces as it goes)."""
    dev = only()
    dev.detach_kernel_driver(0)
    return dev


def error_of(fn: Any) -> int:
    with pytest.raises(usb.core.USBError) as info:
        fn()
    return int(info.value.backend_error_code)


def test_pyusb_enumerates_what_is_plugged_with_bus_address_and_port_path(usblab: UsbLab) -> None:
    usblab.plug(UsbModel(0x0665, 0x5161, strings=CYPRESS_STRINGS, bcd_device=2), ports=(2, 1))
    usblab.plug(UsbModel(0x051D, 0x0002), bus=3, address=7)
    first, second = sorted(devices(), key=lambda d: d.bus)
    assert (first.idVendor, first.idProduct, first.bcdDevice) == (0x0665, 0x5161, 2)
    assert (first.bus, first.address, first.port_numbers, first.port_number) == (1, 2, (2, 1), 1)
    assert (second.bus, second.address) == (3, 7)
    assert (first.manufacturer, first.product, first.serial_number) == (
        "Cypress Semiconductor", "USB to Serial", None)


def test_configuration_interface_endpoint_and_hid_descriptor_reach_pyusb(usblab: UsbLab) -> None:
    usblab.plug(HidDevice(0x051D, 0x0002, bytes(range(40)), strings={1: "APC"}))
    cfg = only().get_active_configuration()
    intf = cfg[(0, 0)]
    (ep,) = intf.endpoints()
    assert (cfg.bConfigurationValue, cfg.bNumInterfaces, intf.bInterfaceClass) == (1, 1, 3)
    assert bytes(intf.extra_descriptors) == bytes([9, 0x21, 0x10, 1, 0, 1, 0x22, 40, 0])
    assert (ep.bEndpointAddress, ep.bmAttributes, ep.wMaxPacketSize) == (0x81, 3, 8)


def test_claim_needs_the_kernel_driver_detached_first(usblab: UsbLab) -> None:
    usblab.plug(UsbModel(0x0665, 0x5161))
    dev = only()
    assert dev.is_kernel_driver_active(0)
    assert error_of(lambda: usb.util.claim_interface(dev, 0)) == UsbStatus.BUSY
    dev.detach_kernel_driver(0)
    assert not dev.is_kernel_driver_active(0)
    assert error_of(lambda: dev.detach_kernel_driver(0)) == UsbStatus.NOT_FOUND
    usb.util.claim_interface(dev, 0)
    ops = [c.op for c in usblab.calls(client="nutrio-test")]
    assert ops[-4:] == ["detach", "kernel_active", "detach", "claim"]


def test_cypress_bridge_carries_a_command_and_its_reply(usblab: UsbLab) -> None:
    ups = Echo()
    usblab.plug(CypressBridge(ups))
    dev = detached()
    assert dev.ctrl_transfer(0x21, 0x09, 0x0200, 0, b"Q1\r\0\0\0\0\0", 1000) == 8
    assert ups.lines == [b"Q1\r"]
    assert bytes(dev.read(0x81, 8, 1000)) == b"#Q1\r\0\0\0\0"  # 8-byte reports, zero padded
    with pytest.raises(usb.core.USBTimeoutError):  # nothing more to say
        dev.read(0x81, 8, 50)


def test_every_transfer_is_recorded_byte_for_byte(usblab: UsbLab) -> None:
    usblab.plug(CypressBridge(Echo()))
    dev = detached()
    dev.ctrl_transfer(0x21, 0x09, 0x0200, 0, b"I\r", 1000)
    dev.read(0x81, 8, 1000)
    control, interrupt = usblab.transfers(client="nutrio-test")[-2:]
    assert (control.op, str(control.setup), control.out, control.status) == (
        "control", "21 09 0200 0000 2", b"I\r", 2)
    assert (interrupt.op, interrupt.endpoint, interrupt.length, interrupt.back) == (
        "interrupt", 0x81, 8, b"#I\r\0\0\0\0\0")
    assert control.device == interrupt.device == "001:002"
    assert "nutrio-test" in usblab.clients()


def test_stall_timeout_and_garbage_on_demand(usblab: UsbLab) -> None:
    plugged = usblab.plug(HidDevice(0x051D, 0x0002, b"\x05\x84", {1: b"\x01\x02"}))
    dev = detached()  # pyusb claims the interface for a request to it
    get = lambda: bytes(dev.ctrl_transfer(0xA1, 0x01, 0x0301, 0, 8, 1000))
    plugged.stall()
    assert error_of(get) == UsbStatus.PIPE
    assert get() == b"\x01\x02"
    plugged.timeout(on="control")
    started = time.monotonic()
    assert error_of(lambda: dev.ctrl_transfer(0xA1, 0x01, 0x0301, 0, 8, 300)) == UsbStatus.TIMEOUT
    assert time.monotonic() - started >= 0.29  # it waited the transfer's own timeout
    plugged.garble(data=b"\xde\xad")
    assert get() == b"\xde\xad"
    plugged.garble()
    assert len(get()) == 2
    assert get() == b"\x01\x02"


def test_a_halted_endpoint_stalls_until_the_halt_is_cleared(usblab: UsbLab) -> None:
    plugged = usblab.plug(CypressBridge(Echo()))
    dev = detached()
    plugged.halt(0x81)
    assert error_of(lambda: dev.read(0x81, 8, 100)) == UsbStatus.PIPE
    assert error_of(lambda: dev.read(0x81, 8, 100)) == UsbStatus.PIPE
    dev.clear_halt(0x81)
    with pytest.raises(usb.core.USBTimeoutError):
        dev.read(0x81, 8, 50)


def test_unplug_fails_open_handles_and_replug_brings_a_new_device_number(usblab: UsbLab) -> None:
    plugged = usblab.plug(UsbModel(0x0665, 0x5161, strings=CYPRESS_STRINGS))
    dev = only()
    assert dev.manufacturer == "Cypress Semiconductor"
    plugged.unplug()
    assert devices() == []
    assert error_of(lambda: dev.ctrl_transfer(0x80, 6, 0x0100, 0, 18)) == UsbStatus.NO_DEVICE
    plugged.replug()
    again = only()
    assert (again.bus, again.address) == (1, 3)
    assert error_of(lambda: dev.ctrl_transfer(0x80, 6, 0x0100, 0, 18)) == UsbStatus.NO_DEVICE
    assert again.manufacturer == "Cypress Semiconductor"


def test_device_vanishes_in_the_middle_of_a_blocked_read(usblab: UsbLab) -> None:
    plugged = usblab.plug(CypressBridge(Echo()))
    dev = detached()
    threading.Timer(0.2, plugged.unplug).start()
    started = time.monotonic()
    assert error_of(lambda: dev.read(0x81, 8, 5000)) == UsbStatus.NO_DEVICE
    assert time.monotonic() - started < 2


def test_vanish_fault_unplugs_on_the_matching_transfer(usblab: UsbLab) -> None:
    plugged = usblab.plug(CypressBridge(Echo()))
    dev = detached()
    plugged.vanish(on="control", after=1)
    dev.ctrl_transfer(0x21, 0x09, 0x0200, 0, b"Q1\r", 1000)
    assert error_of(lambda: dev.ctrl_transfer(0x21, 0x09, 0x0200, 0, b"Q1\r", 1000)) == \
        UsbStatus.NO_DEVICE
    assert not plugged.plugged and devices() == []


def test_open_denied_is_access_and_allowed_again(usblab: UsbLab) -> None:
    plugged = usblab.plug(UsbModel(0x0665, 0x5161, strings=CYPRESS_STRINGS))
    plugged.deny_open()
    dev = only()  # enumeration needs no open, as with real libusb
    assert error_of(lambda: dev.is_kernel_driver_active(0)) == UsbStatus.ACCESS  # opens first
    assert [c.status for c in usblab.calls(op="open")] == [UsbStatus.ACCESS]
    plugged.allow_open()
    assert only().manufacturer == "Cypress Semiconductor"


def test_reset_keeps_the_handle_or_reenumerates(usblab: UsbLab) -> None:
    plugged = usblab.plug(UsbModel(0x0665, 0x5161))
    dev = only()
    dev.reset()
    assert bytes(dev.ctrl_transfer(0x80, 6, 0x0100, 0, 18))[8:12] == b"\x65\x06\x61\x51"
    plugged.reset_reenumerates = True
    assert error_of(dev.reset) == UsbStatus.NOT_FOUND
    assert only().address == 3


def test_several_devices_answer_independently(usblab: UsbLab) -> None:
    left, right = Echo(), Echo()
    usblab.plug(CypressBridge(left))
    usblab.plug(CypressBridge(right, product_id=0x5162))
    by_pid = {d.idProduct: d for d in devices()}
    for dev in by_pid.values():
        dev.detach_kernel_driver(0)
    by_pid[0x5161].ctrl_transfer(0x21, 0x09, 0x0200, 0, b"A\r", 1000)
    by_pid[0x5162].ctrl_transfer(0x21, 0x09, 0x0200, 0, b"B\r", 1000)
    assert (left.lines, right.lines) == ([b"A\r"], [b"B\r"])


def test_a_model_bug_is_an_io_error_for_the_client_and_a_failure_for_the_test(
        usblab: UsbLab) -> None:
    class Broken(UsbModel):
        def class_request(self, setup: Any, data: bytes) -> bytes | int:
            raise KeyError("bug")

    usblab.plug(Broken(1, 2, kernel_driver=False))
    assert error_of(lambda: only().ctrl_transfer(0xA1, 1, 0x0301, 0, 8)) == UsbStatus.IO
    with pytest.raises(AssertionError, match="KeyError"):
        usblab.check()
    usblab.errors.clear()


def test_server_gone_means_io_on_enumeration_and_no_device_on_handles(usblab_library: Any,
                                                                       monkeypatch: Any) -> None:
    lab = UsbLab()
    lab.plug(UsbModel(0x0665, 0x5161))
    for key, value in lab.env().items():
        monkeypatch.setenv(key, value)
    dev = only()
    dev.ctrl_transfer(0x80, 6, 0x0100, 0, 18)
    lab.close()
    assert error_of(lambda: dev.ctrl_transfer(0x80, 6, 0x0100, 0, 18)) == UsbStatus.NO_DEVICE
    assert error_of(devices) == UsbStatus.IO


def test_nutrio_uses_the_system_libusb_unless_told(monkeypatch: Any) -> None:
    monkeypatch.delenv(LIBUSB_ENV, raising=False)
    assert pyusb_backend() is None
    monkeypatch.setenv(LIBUSB_ENV, "/nonexistent/libusb-1.0.so.0")
    with pytest.raises(DriverConfigError, match=LIBUSB_ENV):
        pyusb_backend()


def test_error_names_version_and_capabilities_are_libusbs(usblab_library: Any) -> None:
    lib = ctypes.CDLL(str(usblab_library))
    lib.libusb_strerror.restype = lib.libusb_error_name.restype = ctypes.c_char_p
    assert lib.libusb_strerror(-3) == b"Access denied (insufficient permissions)"
    assert lib.libusb_error_name(-4) == b"LIBUSB_ERROR_NO_DEVICE"
    assert lib.libusb_error_name(-12345) == b"**UNKNOWN**"
    lib.libusb_get_version.restype = ctypes.POINTER(ctypes.c_uint16 * 4)
    assert tuple(lib.libusb_get_version().contents) == (1, 0, 26, 0)
    assert lib.libusb_has_capability(0x0001) == 0  # no hotplug: drivers poll
    assert lib.libusb_has_capability(0x0101) == 1  # kernel driver detach
    assert lib.libusb_init(None) == 0 and lib.libusb_set_option(None, 1) == 0


def test_the_library_exports_everything_nut_usb_drivers_import(usblab_library: Any) -> None:
    nm = shutil.which("nm")
    drivers = [p for p in map(Path, NUT_USB_DRIVERS) if p.exists()]
    if nm is None or not drivers:
        pytest.skip("needs nm (binutils) and NUT's USB drivers")
    wanted = set()
    for driver in drivers:
        out = subprocess.run([nm, "-D", "--undefined-only", str(driver)], capture_output=True,
                             text=True, check=True).stdout
        wanted |= {line.split()[-1] for line in out.splitlines() if "libusb_" in line}
    lib = ctypes.CDLL(str(usblab_library))
    assert sorted(name for name in wanted if not hasattr(lib, name)) == []
    assert len(wanted) >= 20


def test_a_client_shown_some_buses_enumerates_only_their_devices(usblab: UsbLab) -> None:
    usblab.plug(UsbModel(0x051D, 0x0002), bus=1)
    usblab.plug(UsbModel(0x0764, 0x0501), bus=2)
    assert sorted(d.bus for d in devices()) == [1, 2]
    usblab.show("nutrio-test", 2)  # the fixture's client name
    assert [(d.bus, d.idVendor) for d in devices()] == [(2, 0x0764)]
    usblab.show("someone-else", 1)
    assert [(d.bus, d.idVendor) for d in devices()] == [(2, 0x0764)]
