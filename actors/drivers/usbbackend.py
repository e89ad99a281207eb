"""Which libusb nutrio's USB drivers use: the system's, or the one ``NUTRIO_LIBUSB`` names.

Unset (production), :func:`pyusb_backend` returns None and pyusb picks the system
libusb-1.0 as usual. Set to the path of a libusb-1.0 shared library (the test lab's
``libusb-1.0.so.0``, see docs/testing-usb.md), every USB driver enumerates and talks
through that library instead. This is the only place that reads the variable.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from typing import Any

from nutrio.actors.drivers.errors import DriverConfigError

__all__ = ["LIBUSB_ENV", "backend_for", "detach_kernel_driver", "pyusb_backend", "release_device"]

LIBUSB_ENV = "NUTRIO_LIBUSB"


def pyusb_backend() -> Any | None:
    """The pyusb backend to hand to ``usb.core.find`` (None: pyusb's default)."""
    path = os.environ.get(LIBUSB_ENV)
    return backend_for(path) if path else None


@functools.cache
def backend_for(path: str) -> Any:
    """pyusb's libusb1 backend bound to the libusb-1.0 library at ``path`` (tests hand one
    to a driver to reach a lab of their own; see docs/testing-usb.md)."""
    # pyusb's libusb1 module keeps its loaded library in module globals: one per process,
    # the first one wins. A private copy of the module binds this path whatever the
    # process loaded before (a test process may already hold the system libusb).
    spec = importlib.util.find_spec("usb.backend.libusb1")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    backend = module.get_backend(find_library=lambda _name: path)
    if backend is None:
        raise DriverConfigError(f"{LIBUSB_ENV}={path}: not a usable libusb-1.0 library")
    return backend


def release_device(dev: Any) -> None:
    """Give interface 0 back and let pyusb close the device (whatever state it is in)."""
    import usb.core  # type: ignore[import-untyped]
    import usb.util  # type: ignore[import-untyped]

    try:
        usb.util.release_interface(dev, 0)
    except (usb.core.USBError, ValueError):
        pass
    usb.util.dispose_resources(dev)


def detach_kernel_driver(dev: Any, interface: int = 0) -> None:
    """Take *interface* from the kernel's driver (usbhid) when it holds it. A failure is
    left for the claim that follows to report, as NUT's libusb layer does."""
    import usb.core  # type: ignore[import-untyped]

    try:
        if dev.is_kernel_driver_active(interface):
            dev.detach_kernel_driver(interface)
    except (NotImplementedError, usb.core.USBError):
        pass
