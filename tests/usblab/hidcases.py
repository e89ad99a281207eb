"""The simulated units of each usbhid-ups subdriver: two or more per subdriver, each
shaped after a real NUT dump of that vendor (../shared/data/ddl/), or, where no dump
exists, after the vendor's firmware descriptor (Arduino, ../shared/data/usb/) or NUT's
table alone (Powervar: said so).

A :class:`Case` names its source, the subdriver NUT 2.8.0 picks for the unit (not
always the one that made the dump: 2.8.0 gives Phoenixtec's 06da:ffff to liebert unless
it says AEG, and Salicru's 2e66:0201 to salicru), the ups.conf options it needs, and
what the real usbhid-ups 2.8.0 serves differently from the dump, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from nutrio.protocol.devices.hid import (
    APC,
    ARDUINO,
    BELKIN,
    CPS,
    DELTA_UPS,
    EVER,
    EXPLORE,
    IDOWELL,
    LEGRAND,
    LIEBERT,
    MGE,
    OPENUPS,
    POWERCOM,
    POWERVAR,
    SALICRU,
    TRIPPLITE,
    Subdriver,
)
from nutrio.protocol.devices.hid.mge import MODELS
from tests.drivers.hid.recordings import nut_dump
from tests.paths import DATA
from tests.usblab.dumpsim import DumpSim, spec_from_dump
from tests.usblab.hidups import Field, SimUps, build, from_descriptor

__all__ = ["CASES", "Case", "arduino_descriptor", "arduino_unit"]

USB_DATA = DATA / "usb"
OLDER = "an older NUT printed it differently (2.8.0's table has another format or row)"
BLANK = "the unit's serial was blanks, which the dump keeps as an empty value"


@dataclass(frozen=True)
class Case:
    """One simulated unit (see the module comment)."""

    id: str
    subdriver: Subdriver  # the table the unit is built from
    source: str | Mapping[str, str]
    options: Mapping[str, str] = field(default_factory=dict)
    #: dump variable -> why the real 2.8.0 driver serves it differently
    differs: Mapping[str, str] = field(default_factory=dict)
    tweak: Callable[[DumpSim], None] | None = None
    #: the subdriver NUT 2.8.0 picks, when not ``subdriver`` (then the dump, made with
    #: ``subdriver``'s table by an older NUT, is not what 2.8.0 serves: not checked)
    picks: Subdriver | None = None
    unit: Callable[[DumpSim], SimUps] = field(default=lambda sim: build(sim.spec))

    @property
    def picked(self) -> Subdriver:
        return self.picks or self.subdriver

    def sim(self) -> DumpSim:
        sim = spec_from_dump(self.source, self.subdriver)
        if self.tweak is not None:
            self.tweak(sim)
        return sim

    def make(self, sim: DumpSim) -> Callable[[], SimUps]:
        return lambda: self.unit(sim)


def _strings(**by_index: str) -> Callable[[DumpSim], None]:
    def tweak(sim: DumpSim) -> None:
        for key, text in by_index.items():
            sim.spec.strings[{"mfr": 1, "product": 2, "serial": 3}[key]] = text

    return tweak


def _ever(sim: DumpSim) -> None:
    """EVER's work mode, messages and alarms live in reports 74, 75 and 76, which NUT reads
    raw (and crashes without): the fields that trigger those reads go there, first."""
    fields = {f.path: f for f in sim.spec.fields}
    for path, report, value in (("UPS.EVER1.EVER97.EVER98", 74, 4),  # work mode: ONLINE
                                ("UPS.EVER1.EVER97.EVER102", 74, 0),
                                ("UPS.EVER1.EVER18.EVER28", 75, 0),
                                ("UPS.EVER1.EVER32.EVER33", 76, 0)):
        field = fields.get(path)
        if field is None:
            field = Field(path)
            sim.spec.fields.append(field)
        field.report, field.size, field.logical, field.value = report, 8, (0, 255), value
    sim.spec.fields.sort(key=lambda f: f.path != "UPS.EVER1.EVER97.EVER98")  # byte 1 of 74


def _mge_names(sim: DumpSim) -> None:
    """MGE units name themselves by iProduct and iModel (a string the HID table points
    to): the pair that makes the dump's model name."""
    name = sim.dump["ups.model"]
    product, model = next(((p, m) for p, m, _, n in MODELS if n == name), None) or \
        tuple(name.rsplit(" ", 1))  # type: ignore[assignment]
    sim.spec.strings[sim.spec.product_index] = product
    index = max(sim.spec.strings) + 1
    sim.spec.strings[index] = model
    sim.spec.fields.append(Field("UPS.PowerSummary.iModel", index, 8, (0, 255)))


def _powervar(sim: DumpSim) -> None:
    """Powervar units keep their HID interface at number 1 (two configurations: see
    UpsSpec.configurations)."""
    sim.spec.interface, sim.spec.endpoint, sim.spec.configurations = 1, 0x81, 2


def _apc_product(sim: DumpSim) -> None:
    """APC's product string carries the firmware: "<model> FW:<fw> USB FW:<aux>"."""
    product = sim.dump["ups.model"]
    if "ups.firmware" in sim.dump:
        product += f" FW:{sim.dump['ups.firmware']}"
    if "ups.firmware.aux" in sim.dump:
        product += f" USB FW:{sim.dump['ups.firmware.aux']}"
    sim.spec.strings[sim.spec.product_index] = product


def arduino_descriptor() -> bytes:
    text = (USB_DATA / "Arduino__HIDPowerDevice_Leonardo__2341-8036.hid.txt").read_text()
    return bytes.fromhex(" ".join(line for line in text.splitlines()
                                  if line and not line.startswith("#")))


def arduino_unit(sim: DumpSim, configurations: int = 3) -> SimUps:
    """The HIDPowerDevice library's own descriptor on interface 2 (endpoint 0x84); with
    three configurations, so that NUT 2.8.0 opens it (see UpsSpec.configurations)."""
    raw = arduino_descriptor()
    sim.spec.interface, sim.spec.endpoint = 2, 0x84
    sim.spec.configurations = configurations
    return from_descriptor(sim.spec, raw, {
        "UPS.PowerSummary.RemainingCapacity": 96, "UPS.PowerSummary.RunTimeToEmpty": 5400,
        "UPS.PowerSummary.DelayBeforeShutdown": -1, "UPS.PowerSummary.DelayBeforeReboot": -1,
        "UPS.PowerSummary.Voltage": 1360, "UPS.PowerSummary.PresentStatus.ACPresent": 1,
        "UPS.PowerSummary.PresentStatus.Charging": 1,
    })


_ARDUINO = {"ups.vendorid": "2341", "ups.productid": "8036", "device.mfr": "Arduino",
            "device.model": "HIDPowerDevice", "ups.serial": "UPS10"}
#: Powervar: no dump of one is known; values of a 0.5 kVA unit, NUT's table for the paths
_POWERVAR = {"ups.vendorid": "4234", "ups.productid": "0002", "device.mfr": "POWERVAR",
             "device.model": "ABCE500-11", "ups.serial": "PV0001", "battery.type": "PbAc",
             "battery.charge": "100", "battery.capacity": "7", "battery.runtime": "1260",
             "ups.status": "OL CHRG"}

_EVER_DUMP = "Ever__EVER__ECO_PRO_AVR_CDS__usbhid-ups__2.8.0__01.dev"
_EVER_DIFFERS = {"output.powerfactor": "the dump names it after a fix of 2.8.0's bug; 2.8.0 "
                 "serves it as powerfactor"}
_DELTA_FORMATS = ("battery.charge", "battery.voltage.nominal", "input.transfer.high",
                  "input.transfer.high.max", "input.transfer.high.min", "input.transfer.low",
                  "input.transfer.low.max", "input.transfer.low.min", "output.frequency.nominal",
                  "output.voltage.nominal")

CASES: tuple[Case, ...] = (
    Case("apc-back-ups-es-850g2", APC, "APC__APC__Back-UPS_ES_850G2__usbhid-ups__2.8.0__01.dev",
         tweak=_apc_product),
    Case("apc-smart-ups-750", APC, "APC__APC__Smart-UPS_750__usbhid-ups__2.8.0__01.dev",
         tweak=_apc_product),
    Case("apc-back-ups-cs-500", APC, "APC__APC__Back-UPS_CS_500__usbhid-ups__2.8.0__01.dev",
         tweak=_apc_product),
    Case("arduino-leonardo", ARDUINO, _ARDUINO, unit=arduino_unit),
    Case("arduino-2a03", ARDUINO, {**_ARDUINO, "ups.vendorid": "2a03", "ups.productid": "0040"},
         unit=arduino_unit),
    Case("belkin-regulator-pro", BELKIN,
         "Belkin__Belkin__Regulator_PRO-USB__usbhid-ups__2.6.5__01.dev"),
    Case("belkin-liebert-psa", BELKIN, "Liebert__Liebert__PSA__usbhid-ups__2.8.0__01.dev"),
    Case("cps-ec850lcd", CPS,
         "Cyber_Power_Systems__Cyber_Power_Systems__EC850LCD__usbhid-ups__2.7.4__01.dev"),
    Case("cps-cp1500pfclcd", CPS,
         "Cyber_Power_Systems__Cyber_Power_Systems__CP1500PFCLCD__usbhid-ups__2.7.4__01.dev"),
    Case("cps-or500lcdrm1u", CPS,
         "Cyber_Power_Systems__Cyber_Power_Systems__OR500LCDRM1U__usbhid-ups__2.7.4__01.dev"),
    Case("delta-ups302r2000-1", DELTA_UPS,
         "Delta__DELTA__UPS302R2000B0BA__usbhid-ups__2.7.4-1-gb34f2434__01.dev",
         differs=dict.fromkeys(_DELTA_FORMATS, OLDER)),
    Case("delta-ups302r2000-2", DELTA_UPS,
         "Delta__DELTA__UPS302R2000B0BA__usbhid-ups__2.7.4-1-gb34f2434__02.dev",
         differs=dict.fromkeys(_DELTA_FORMATS, OLDER)),
    Case("ever-eco-pro-avr", EVER, _EVER_DUMP, tweak=_ever, differs=_EVER_DIFFERS),
    # the only EVER dump again, on battery and half empty (a second unit: no other dump)
    Case("ever-eco-pro-avr-on-battery", EVER,
         {**nut_dump(_EVER_DUMP), "ups.status": "OB DISCHRG", "battery.charge": "55",
          "battery.runtime": "2400", "input.voltage": "0", "ups.load": "31",
          "ups.serial": "800200074230430520350001"},
         tweak=_ever, differs={**_EVER_DIFFERS, "experimental.status.workmode": "the tweak "
                               "keeps report 74 at ONLINE"}),
    Case("explore-back-ups", APC, "APC__APC__Back-UPS_ES_850G2__usbhid-ups__2.8.0__01.dev",
         options={"explore": "", "vendorid": "051d"}, picks=EXPLORE),
    Case("explore-tripp-lite", TRIPPLITE,
         "Tripp_Lite__Tripp_Lite__Smart550USB__usbhid-ups__2.7.4__01.dev",
         options={"explore": "", "vendorid": "09ae"}, picks=EXPLORE),
    Case("idowell-ibox-1", IDOWELL, "iDowell__iDowell__iBox__usbhid-ups__2.6.0__01.dev"),
    Case("idowell-ibox-2", IDOWELL, "iDowell__iDowell__iBox__usbhid-ups__2.6.5__01.dev"),
    Case("legrand-keor-pdu-1", LEGRAND,
         "Legrand__Legrand__Keor_PDU_800__usbhid-ups__2.7.4.1__01.dev",
         differs={"ups.serial": BLANK}),
    Case("legrand-keor-pdu-2", LEGRAND,
         "Legrand__Legrand__Keor_PDU_800__usbhid-ups__2.8.0.1__01.dev",
         differs={"ups.serial": BLANK, "battery.voltage": "2.8.0.1 printed it as an integer, "
                  "which 2.8.0's rows (%0.1f) cannot"}),
    Case("liebert-powerwalker-vi650sh", LIEBERT,
         "PowerWalker__PowerWalker__VI_650_SH__usbhid-ups__2.7.4__01.dev",
         differs={"battery.voltage": OLDER}),
    Case("liebert-ippon-spp2-1200", LIEBERT,
         "Ippon__Ippon__Smart_Power_Pro_II_1200__usbhid-ups__2.7.4__01.dev",
         differs={"battery.voltage": OLDER}),
    Case("liebert-not-mge-powerwalker-vi1200sh", MGE,
         "PowerWalker__PowerWalker__VI_1200_SH__usbhid-ups__2.7.4__01.dev", picks=LIEBERT),
    Case("mge-eaton-5p-650", MGE, "Eaton__Eaton__5P_650__usbhid-ups__2.7.4__01.dev",
         tweak=_mge_names),
    Case("mge-eaton-5e650iusb", MGE, "Eaton__Eaton__5E650iUSB-AU__usbhid-ups__2.7.1__01.dev",
         tweak=_mge_names),
    Case("mge-dell-racktower", MGE,
         "Dell__Dell__UPS_RackTower_2700W_HV__usbhid-ups__2.7.4__01.dev"),
    Case("openups-d004", OPENUPS, "Mini-Box.com__Mini-Box.Com__OPEN-UPS__usbhid-ups__2.6.5__02.dev"),
    Case("openups2-d005", OPENUPS,
         "Mini-Box.com__Mini-Box.Com__OpenUPS2__usbhid-ups__2.7.2__01.dev"),
    Case("powercom-raptor-2000", POWERCOM,
         "Powercom__Powercom__Raptor_2000__usbhid-ups__2.7.4__01.dev"),
    Case("powercom-wow-500u", POWERCOM, "Powercom__Powercom__WOW-500U__usbhid-ups__2.6.1__01.dev"),
    Case("powervar-abce500", POWERVAR, _POWERVAR, tweak=_powervar),
    Case("powervar-abce1000", POWERVAR,
         {**_POWERVAR, "device.model": "ABCE1000-11", "battery.capacity": "9",
          "battery.runtime": "900", "ups.serial": "PV0002"}, tweak=_powervar),
    Case("salicru-sps-home-850", SALICRU,
         "Salicru__Salicru__SPS_Home_850__usbhid_ups__2.7.4.1__02.dev",
         differs={"ups.serial": BLANK}),
    Case("salicru-sps-850-adv-t", SALICRU,
         "Salicru__Salicru__SPS_850_ADV_T__usbhid_ups__2.8.0__01.dev",
         options={"productid": "0302"}),
    Case("salicru-not-mge-slc-1500-twin-pro3", MGE,
         "Salicru__Salicru__SLC_1500_TWIN_PRO3__usbhid_ups__2.7.4__01.dev", picks=SALICRU),
    Case("tripplite-smart550usb", TRIPPLITE,
         "Tripp_Lite__Tripp_Lite__Smart550USB__usbhid-ups__2.7.4__01.dev"),
    Case("tripplite-smc15002urm", TRIPPLITE,
         "Tripp_Lite__Tripp_Lite__SMC15002URM__usbhid-ups__2.7.4__01.dev"),
    Case("tripplite-smart1500lcdt", TRIPPLITE,
         "Tripp_Lite__Tripp_Lite__SMART1500LCDT__usbhid-ups__2.6.3__01.dev",
         differs={"output.current": OLDER}),
    Case("tripplite-hp-t1000", TRIPPLITE,
         "HP__HP__T1000_INTL__usbhid-ups__2.4.3__01.dev"),
)
