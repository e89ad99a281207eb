"""Serve lab devices from a shell, to try a real driver or nutrio by hand.

    PYTHONPATH=. .venv/bin/python -m tests.usblab apc megatec

prints the environment to export in another shell, e.g. ::

    export USBLAB_SOCKET=/tmp/usblab-x/usb.sock LD_LIBRARY_PATH=... NUTRIO_LIBUSB=...
    /lib/nut/usbhid-ups -a ups -u root -F -DD      # with a ups.conf of port = auto

then prints every call the clients make until Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from tests.usblab.bridges import CypressBridge
from tests.usblab.hid import HidDevice
from tests.usblab.models import UsbModel
from tests.usblab.server import UsbLab


def _apc() -> UsbModel:
    from tests.drivers.hid.recordings import load

    return HidDevice.from_recording(load("apc_bk650m2"))


def _megatec() -> UsbModel:
    from tests.paths import ROOT

    sys.path.insert(0, str(ROOT / "tests" / "drivers"))
    from sim.megatec_sim import MegatecSim

    return CypressBridge(MegatecSim())


DEVICES: dict[str, Callable[[], UsbModel]] = {"apc": _apc, "megatec": _megatec}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.usblab", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("devices", nargs="+", choices=sorted(DEVICES))
    args = parser.parse_args()
    with UsbLab() as lab:
        for name in args.devices:
            plugged = lab.plug(DEVICES[name]())
            sys.stdout.write(f"# {name} on {plugged.name}\n")
        exports = " ".join(f"{k}={v}" for k, v in lab.env().items())
        sys.stdout.write(f"export {exports}\n")
        sys.stdout.flush()
        seen = 0
        try:
            while True:
                calls = lab.calls()
                for call in calls[seen:]:
                    sys.stdout.write(f"{call.time:9.3f} {call.device or '-------'} {call}\n")
                seen = len(calls)
                sys.stdout.flush()
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
