"""pytest fixtures and marks of the USB lab (tests/usblab/conftest.py imports them).

- ``usblab_library`` (session): the built ``libusb-1.0.so.0``; skips the test with a
  clear reason when there is no C compiler.
- ``usblab``: a running :class:`~tests.usblab.server.UsbLab` with no devices yet. It
  also points this test process at the lab (``USBLAB_SOCKET``, ``NUTRIO_LIBUSB``,
  ``USBLAB_CLIENT=nutrio-test``), so nutrio's drivers run in-process go through it.
  At teardown it stops the server and fails the test if a model raised.
- ``requires_nut_driver(name)``: a mark that skips unless ``/lib/nut/<name>``, upsd
  and upsc are installed.

Other test folders use them with ``from tests.usblab.fixtures import usblab,
usblab_library`` in their conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.usblab.build import build_library, missing_compiler_reason
from tests.usblab.runners import have_nut_driver
from tests.usblab.server import CLIENT_ENV, SOCKET_ENV, UsbLab

__all__ = ["requires_nut_driver", "usblab", "usblab_library"]


def requires_nut_driver(name: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not have_nut_driver(name),
        reason=f"real NUT 2.8 {name} absent (apt-get install -y nut-server nut-client)",
    )


@pytest.fixture(scope="session")
def usblab_library() -> Path:
    reason = missing_compiler_reason()
    if reason:
        pytest.skip(reason)
    return build_library()


@pytest.fixture
def usblab(usblab_library: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UsbLab]:
    lab = UsbLab()
    env = lab.env(client="nutrio-test")
    for key in (SOCKET_ENV, CLIENT_ENV, "NUTRIO_LIBUSB"):
        monkeypatch.setenv(key, env[key])
    try:
        yield lab
    finally:
        lab.close()
    lab.check()
