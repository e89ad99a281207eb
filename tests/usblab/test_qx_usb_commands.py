"""Left to themselves, the real nutdrv_qx/blazer_usb 2.8.0 and nutrio's pick the same bridge and
protocol for every USB UPS, and make the same USB transfers, at start and for every command.

Each UPS is alone on its lab with no ``subdriver`` and no ``protocol`` (snr, which no ids
select, names its bridge), so each driver finds the bridge by NUT's id table and the
protocol by NUT's probing order. The drivers poll every five minutes: after start-up the
record holds only what the commands make (qx_usb_bench.py). Compared, byte for byte:
every transfer after the driver claimed the device (the language table read of
``langid_fix``, every probe of every protocol, the first two updates), then, for every
command the UPS lists, the transfers ``upscmd -w`` makes each driver send.
"""

from __future__ import annotations

import pytest
import trio
from qx_compare import listing
from sim.megatec_sim import MegatecSim
from sim.qx_sims import AblerexSim, HunnoxSim
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
from tests.usblab.calls import Call
from tests.usblab.fixtures import requires_nut_driver
from tests.usblab.qx_usb_bench import UsbBench, UsbCase, usb_bench, wire
from tests.usblab.server import UsbLab
from tests.usblab.string_bridges import FabulaBridge, HunnoxBridge, KraulerBridge, SnrBridge

pytestmark = [pytest.mark.e2e, requires_nut_driver("nutdrv_qx"), requires_nut_driver("blazer_usb")]

QUIET = {"pollinterval": "300"}
CASES = [
    UsbCase("cypress", CypressBridge, MegatecSim, {}, dumps.IPPON_BACK_BASIC),
    UsbCase("phoenix", dumps.phoenix_chip, MegatecSim, {}, dumps.ONLINE_ZINTO_A),
    UsbCase("ippon", IpponBridge, MegatecSim, {}, dumps.EATON_5E2200),
    UsbCase("sgs", SgsBridge, MegatecSim, {}, dumps.TS_SHARA),
    UsbCase("armac", ArmacBridge),
    UsbCase("fuji", FujiBridge),
    UsbCase("phoenixtec", PhoenixtecBridge),
    UsbCase("ablerex", AblerexBridge, AblerexSim),
    UsbCase("krauler", KraulerBridge, MegatecSim, {}, dumps.DYNAMIX_KEBO),
    # the language workaround: raw descriptors in 0x4095, and the language table read once
    UsbCase("kraulerlangid", KraulerBridge, MegatecSim, {"langid_fix": "0x4095"}),
    UsbCase("fabula", FabulaBridge, MegatecSim, {}, dumps.FIDELTRONIK_VIPER),
    UsbCase("hunnox", HunnoxBridge, HunnoxSim),
    UsbCase("snr", SnrBridge, MegatecSim, {"subdriver": "snr", "vendorid": "0001",
                                           "productid": "0000", "langid_fix": "0x0409"}),
    UsbCase("voltronic", CypressBridge, VoltronicSim),
    UsbCase("bzcypress", CypressBridge, MegatecSim, {}, dumps.IPPON_BACK_BASIC,
            driver="blazer_usb"),
    UsbCase("bzphoenix", dumps.phoenix_chip, MegatecSim, {}, dumps.ONLINE_ZINTO_A,
            driver="blazer_usb"),
    UsbCase("bzippon", IpponBridge, MegatecSim, {}, dumps.EATON_5E2200, driver="blazer_usb"),
    UsbCase("bzkrauler", KraulerBridge, MegatecSim, {}, dumps.NOVEX_NUPS, driver="blazer_usb"),
]
#: what each picks: the first protocol of NUT's list whose claim succeeds (an Ablerex unit
#: answers as megatec, which comes first; a Hunnox unit behind its chip as q1: the chip
#: carries no FW?, the vendor query zinto and hunnox claim with)
PICKED = {"voltronic": "Voltronic 0.06", "ablerex": "Megatec 0.06", "hunnox": "Q1 0.07"}
#: the first command byte each bridge puts on the bus: the bridge the driver picked
FIRST = {"cypress": ("control", 0x0200), "phoenix": ("interrupt", 0x81),
         "ippon": ("control", 0x0002), "sgs": ("control", 0x0200), "armac": ("control", 0x0200),
         "fuji": ("interrupt", 0x02), "phoenixtec": ("control", 0x0000),
         "ablerex": ("control", 0x0305), "krauler": ("control", 0x0300),
         "fabula": ("control", 0x0300), "hunnox": ("control", 0x0300),
         "snr": ("control", 0x0300)}  # fmt: skip


def after_claim(lab: UsbLab, client: str) -> list[Call]:
    """The client's transfers since it last claimed the device."""
    claimed = max(c.seq for c in lab.calls(client=client, op="claim"))
    return [c for c in lab.transfers(client=client) if c.seq > claimed]


def first_command(calls: list[Call]) -> tuple[str, int]:
    call = calls[0]
    return call.op, call.setup.value if call.setup else call.endpoint or 0


async def every_command(b: UsbBench, name: str) -> None:
    """Every command the UPS lists (the real upsd's LIST CMD), then a battery test of 120 s."""
    listed = [line.split()[2] for line in (await listing(b.real_port, name))["CMD"][1:-1]]
    assert listed, name
    for command in listed:
        await b.instcmd(name, command)
    if "test.battery.start" in listed:
        await b.instcmd(name, "test.battery.start", "120")


async def test_each_driver_picks_the_same_bridge_and_protocol_and_sends_the_same_bytes(
        nursery) -> None:  # fmt: skip
    async with usb_bench(nursery, CASES, poll=QUIET) as b:
        for case in CASES:
            found = await b.compare(case.name)
            assert found["ups.status"] == "OL", case.name
            if case.driver == "nutdrv_qx":
                assert found["driver.version.data"] == PICKED.get(case.name, "Megatec 0.06")
            real_lab, our_lab = b.labs[case.name]
            real, ours = after_claim(real_lab, case.driver), after_claim(our_lab, "nutrio")
            assert [wire(c) for c in ours] == [wire(c) for c in real], case.name
            bridge = case.name.removeprefix("bz").removesuffix("langid")
            if bridge in FIRST and case.name != "voltronic":
                assert first_command(real) == FIRST[bridge], case.name
        async with trio.open_nursery() as each:
            for case in CASES:
                each.start_soon(every_command, b, case.name)
