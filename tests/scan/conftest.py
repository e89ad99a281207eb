"""The USB lab's fixtures for the scan tests."""

from tests.usblab.fixtures import usblab, usblab_library

__all__ = ["usblab", "usblab_library"]
