"""The scan tests' USB lab: six devices at once, as issue 19 asks.

- three HID UPSes of three vendors, from real report descriptors
  (tests/drivers/hid: APC BK650M2-CH with its recorded reports, CyberPower
  EC850LCD and the Eaton/MGE-family SANTAK TG-BOX 850, descriptors only);
- two Megatec/Q1 UPSes behind two kinds of USB-to-serial bridge: Cypress
  (0665:5161, tests/usblab/bridges.py) and Krauler (0001:0000, below);
- one colliding id: a Q1 UPS behind a Cypress-type chip at 06da:0002. NUT 2.8.0's
  nutdrv_qx takes 06da:0002 (cypress), and 06da is also a HID UPS vendor
  (Phoenixtec: 06da:ffff in the MGE table), so usbhid-ups calls it "possibly
  supported": the scan must probe and say which one answered.

The Krauler chip (tests/usblab/string_bridges.py) carries Megatec commands as
string descriptor reads (NUT 2.8.0 drivers/nutdrv_qx.c krauler_command: Q1 is string
index 3, F 0x0d, I 0x0c). Its identity here (no manufacturer or product string) is
the "Krauler UP-M500VA" row of NUT's table.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from tests.drivers.hid.recordings import descriptor, load
from tests.usblab.bridges import CypressBridge
from tests.usblab.hid import HidDevice
from tests.usblab.server import UsbLab
from tests.usblab.string_bridges import KraulerBridge

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "drivers"))
from sim.megatec_sim import MegatecSim  # noqa: E402

__all__ = ["SixDevices", "plug_six"]

@dataclass
class SixDevices:
    apc: HidDevice
    cps: HidDevice
    mge: HidDevice
    cypress_ups: MegatecSim
    krauler_ups: MegatecSim
    collide_ups: MegatecSim
    krauler: KraulerBridge


def plug_six(lab: UsbLab) -> SixDevices:
    """Plug the six devices on buses 1 and 2, each at its own port."""
    apc = HidDevice.from_recording(load("apc_bk650m2"))
    cps = HidDevice(0x0764, 0x0501, descriptor("cps_ec850lcd.hex"),
                    strings={1: "CPS", 2: "EC850LCD", 3: "CRMLX2000234"})
    mge = HidDevice(0x0463, 0xFFFF, descriptor("santak_tgbox850.hex"),
                    strings={1: "EATON", 2: "TG-BOX 850", 3: "Q123A45678"})
    cypress_ups, krauler_ups, collide_ups = MegatecSim(), MegatecSim(), MegatecSim()
    krauler = KraulerBridge(krauler_ups, strings={})
    lab.plug(apc, bus=1, ports=(1,))
    lab.plug(cps, bus=1, ports=(2,))
    lab.plug(mge, bus=1, ports=(3, 1))
    lab.plug(CypressBridge(cypress_ups), bus=2, ports=(1,))
    lab.plug(krauler, bus=2, ports=(2,))
    lab.plug(CypressBridge(collide_ups, vendor_id=0x06DA, product_id=0x0002,
                           strings={1: "Phoenixtec", 2: "USB to Serial"}), bus=2, ports=(3,))
    return SixDevices(apc, cps, mge, cypress_ups, krauler_ups, collide_ups, krauler)
