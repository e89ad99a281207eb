"""nutdrv_qx over every USB bridge of NUT 2.8.0, and blazer_usb: real NUT vs nutrio.

Every UPS of the list runs twice (qx_usb_bench.py): behind the real nutdrv_qx or
blazer_usb 2.8.0, all of them behind one real upsd, and behind nutrio's drivers
behind nutrio's listener, each copy alone on a USB lab of its own. Both must list
the same variables, writable settings and commands, and show the same status
through a power failure (OL, OB, OB LB, OL). The protocols sampled over USB:
megatec, q1 (ippon and hunnox chips), voltronic (cypress), hunnox and ablerex
(their own chips); a case without ``protocol`` also checks NUT's probing over USB.
"""

from __future__ import annotations

import pytest
from sim.megatec_sim import MegatecSim
from sim.qx_sims import AblerexSim, HunnoxSim, Q1OnlySim
from sim.voltronic_sim import VoltronicSim

from tests.usblab import usb_cases as dumps
from tests.usblab.bridges import (
    AblerexBridge,
    ArmacBridge,
    CypressBridge,
    FujiBridge,
    IpponBridge,
    PhoenixtecBridge,
    SgsBridge,
)
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.qx_usb_bench import UsbCase, usb_bench
from tests.usblab.string_bridges import FabulaBridge, HunnoxBridge, KraulerBridge, SnrBridge

pytestmark = [pytest.mark.e2e, requires_nut_driver("nutdrv_qx"), requires_nut_driver("blazer_usb")]

MEGATEC = {"protocol": "megatec"}
CASES = [
    UsbCase("cypress", CypressBridge, MegatecSim, MEGATEC, dumps.IPPON_BACK_BASIC),
    UsbCase("phoenix", dumps.phoenix_chip, MegatecSim, MEGATEC, dumps.ONLINE_ZINTO_A),
    # the dump's ups.conf: the ids only, NUT finds the protocol (q1)
    UsbCase("ippon", IpponBridge, Q1OnlySim, {"vendorid": "06da", "productid": "0003"},
            dumps.EATON_5E2200),
    UsbCase("sgs", SgsBridge, MegatecSim, MEGATEC, dumps.TS_SHARA),
    UsbCase("armac", ArmacBridge, MegatecSim, MEGATEC),
    UsbCase("fuji", FujiBridge, MegatecSim, MEGATEC),
    UsbCase("phoenixtec", PhoenixtecBridge, MegatecSim, MEGATEC),
    UsbCase("ablerex", AblerexBridge, AblerexSim,
            {"protocol": "ablerex", "subdriver": "ablerex", "vendorid": "ffff", "productid": "0000"}),
    UsbCase("krauler", KraulerBridge, MegatecSim, MEGATEC, dumps.DYNAMIX_KEBO),
    UsbCase("fabula", FabulaBridge, MegatecSim, dumps.FIDELTRONIK_VIPER_CONF,
            dumps.FIDELTRONIK_VIPER, timed=frozenset({"battery.charge", "battery.runtime"})),
    UsbCase("hunnox", HunnoxBridge, HunnoxSim, dumps.POWERCOOL_CONF),
    UsbCase("snr", SnrBridge, MegatecSim,
            {**MEGATEC, "subdriver": "snr", "vendorid": "0001", "productid": "0000",
             "langid_fix": "0x0409"}),
    UsbCase("voltronic", CypressBridge, VoltronicSim, {}, statuses=("OB", "ALARM OB LB", "OL")),
    UsbCase("q1", HunnoxBridge, Q1OnlySim, dumps.GREENCELL_CONF,
            timed=frozenset({"battery.charge", "battery.runtime"})),
    # blazer_usb: its own option names (subdriver, protocol as a flag with a value)
    UsbCase("bzcypress", CypressBridge, MegatecSim,
            {"subdriver": "cypress", "vendorid": "0665", "productid": "5161", **MEGATEC},
            dumps.IPPON_BACK_BASIC, driver="blazer_usb"),
    UsbCase("bzphoenix", dumps.phoenix_chip, MegatecSim,
            {"subdriver": "phoenix", "vendorid": "06da", "productid": "0601"},
            dumps.ONLINE_ZINTO_A, driver="blazer_usb"),
    UsbCase("bzippon", IpponBridge, MegatecSim, {"vendorid": "06da", "productid": "0003"},
            dumps.EATON_5E2200, driver="blazer_usb"),
    UsbCase("bzkrauler", KraulerBridge, MegatecSim, MEGATEC, dumps.NOVEX_NUPS,
            driver="blazer_usb"),
]
#: the protocols picked when ups.conf names none
PICKED = {"ippon": "Q1 0.07", "fabula": "Megatec 0.06", "voltronic": "Voltronic 0.06"}


async def test_every_bridge_serves_what_the_real_driver_serves(nursery) -> None:
    async with usb_bench(nursery, CASES, settle=5.0) as b:
        for case in CASES:
            found = await b.compare(case.name)
            assert found["ups.status"] == "OL", case.name
            if case.name in PICKED:
                assert found["driver.version.data"] == PICKED[case.name]
        await b.power_failure()
