"""The simulated USB UPSes the nutdrv_qx/blazer_usb comparisons run: a chip per bridge, with
the values (and where the dump has them, the ups.conf options) of a real unit of the NUT
Device Dump Library (../shared/data/ddl) that NUT drove through that bridge.

Units with no dump behind that bridge keep MegatecSim's generic values (fuji, armac,
phoenixtec, snr).
"""

from __future__ import annotations

from typing import Any

from sim.megatec_sim import MegatecSim

from tests.usblab.bridges import CypressBridge, LineBridge

__all__ = [
    "DYNAMIX_KEBO", "EATON_5E2200", "FIDELTRONIK_VIPER", "FIDELTRONIK_VIPER_CONF", "GREENCELL_CONF",
    "IPPON_BACK_BASIC", "NOVEX_NUPS", "ONLINE_ZINTO_A", "POWERCOOL_CONF", "TS_SHARA",
    "phoenix_chip",
]

#: Ippon Back Basic 850 Euro (blazer_usb 2.7.4, cypress 0665:5161, protocol megatec)
IPPON_BACK_BASIC: dict[str, Any] = {
    "input_voltage": 222.0, "fault_voltage": 221.4, "output_voltage": 221.4, "load": 13,
    "frequency": 50.3, "battery_voltage": 13.6, "temperature": 25.0,
    "rating": "#220.0 003 012.0 50.0\r",
}
#: Online Zinto A 1000 (blazer_usb 2.4.3, phoenix 06da:0601)
ONLINE_ZINTO_A: dict[str, Any] = {
    "input_voltage": 235.7, "fault_voltage": 235.7, "output_voltage": 235.7, "load": 20,
    "frequency": 50.0, "battery_voltage": 27.3, "temperature": 66.6,
}
#: Eaton 5E2200USB-LA (nutdrv_qx 2.7.4.1, 06da:0003 = ippon, Q1 0.07): no temperature sensor
EATON_5E2200: dict[str, Any] = {
    "input_voltage": 120.3, "fault_voltage": 120.3, "output_voltage": 120.0, "load": 29,
    "frequency": 59.9, "battery_voltage": 26.3, "temperature": None,
}
#: TS Shara XPro 1500VA (nutdrv_qx 2.8.0, Megatec 0.06; TS Shara units use the sgs chip):
#: its F reply has no numeric nominal input voltage
TS_SHARA: dict[str, Any] = {
    "input_voltage": 128.0, "fault_voltage": 128.0, "output_voltage": 126.0, "load": 0,
    "frequency": 60.0, "battery_voltage": 27.4, "temperature": 28.0,
    "rating": "#---.- 100 024.0 60.0\r", "mfr": "TS -222  240711", "model": "Senoid  15",
    "firmware": "V010203057",
}
#: Fideltronik INIGO Viper 1200 (nutdrv_qx 2.7.3.1, 0001:0000 "MEC"/"MEC0003" = fabula,
#: Megatec 0.06) and its ups.conf
FIDELTRONIK_VIPER: dict[str, Any] = {
    "input_voltage": 225.9, "fault_voltage": 225.9, "output_voltage": 225.9, "load": 0,
    "frequency": 50.0, "battery_voltage": 27.7, "temperature": 25.0,
    "rating": "#230.0 5.2 024.0 50.0\r", "mfr": "", "model": "1200VA", "firmware": "VER 1.00",
}
FIDELTRONIK_VIPER_CONF: dict[str, str | None] = {
    "vendorid": "0001", "productid": "0000", "vendor": "MEC", "product": "MEC0003",
    "chargetime": "28800", "idleload": "10", "runtimecal": "60,100,900,21", "ondelay": "60",
    "offdelay": "60",
}
#: Novex NUPS-650 (blazer_usb 2.6.5, 0001:0000 = krauler, protocol megatec); the dump caught
#: it with a shutdown pending, left out here
NOVEX_NUPS: dict[str, Any] = {
    "input_voltage": 223.0, "fault_voltage": 165.0, "output_voltage": 223.0, "load": 0,
    "frequency": 49.8, "battery_voltage": 13.0, "temperature": 0.0,
    "rating": "#220.0 004 011.5 50.0\r", "mfr": "NOVEX", "model": "UPS650",
    "firmware": "VER3.10C",
}
#: Dynamix UPS-1000VA, a KEBO unit (megatec_usb 2.4.3, subdriver krauler, 0001:0000)
DYNAMIX_KEBO: dict[str, Any] = {
    "input_voltage": 228.0, "fault_voltage": 165.0, "output_voltage": 228.0, "load": 28,
    "frequency": 50.0, "battery_voltage": 28.1, "temperature": None,
    "rating": "#240.0 004 024.0 50.0\r", "mfr": "KEBO", "model": "UPS-1000VA", "firmware": "VER 1.3",
}
#: Powercool 1500VA's ups.conf (nutdrv_qx 2.7.4.1, Hunnox 0.01; tests/drivers/sim HunnoxSim
#: has its values)
POWERCOOL_CONF: dict[str, str | None] = {
    "protocol": "hunnox", "langid_fix": "0x0409", "noscanlangid": None, "novendor": None,
    "vendorid": "0001", "productid": "0000",
}
#: Green Cell PowerProof 2000 (nutdrv_qx 2.8.0, Q1 0.07, 0001:0000 "MEC0003" = hunnox bridge;
#: sim.qx_sims.Q1OnlySim has its values): its ups.conf, battery limits added (Q1 alone has no
#: nominal voltage)
GREENCELL_CONF: dict[str, str | None] = {
    "protocol": "q1", "runtimecal": "2340,8,4740,4", "idleload": "4", "chargetime": "28800",
    "default.battery.voltage.high": "25.00", "default.battery.voltage.low": "21.00",
}


def phoenix_chip(ups: MegatecSim) -> LineBridge:
    """The phoenix bridge: Cypress-like, Online's ids (06da:0601, the Zinto A's)."""
    return CypressBridge(ups, vendor_id=0x06DA, product_id=0x0601,
                         strings={1: "Online", 2: "USB to Serial"})
