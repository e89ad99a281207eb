"""The conversions of NUT 2.8.0's mge-hid.c (see mge.py).

MGE models differ by family (``mge_type``, set when the model name is looked up
in mge.py) and by country (read from the unit): some values are served only
for some families. Advanced Battery Monitoring (ABM): when the charger reports
it enabled, CHRG/DISCHRG come from the charger mode (charging, floating,
discharging, resting, off) rather than the PresentStatus bits, and the mode is
served as battery.charger.status. NUT keeps this state in static variables;
here it lives in the session's scratch dictionary, one per device.
"""

from __future__ import annotations

import math
import struct
import time

from nutrio.protocol.devices.hid.hid2nut import (
    Conversion,
    Lookup,
    atol,
    enum_lookup,
    func_lookup,
)

__all__ = [
    "EATON_5P", "EATON_ABM_CHRG_DISCHRG_INFO", "EATON_ABM_ENABLED_INFO", "EATON_ABM_STATUS_INFO",
    "EATON_CHARGING_INFO", "EATON_CHECK_COUNTRY_INFO", "EATON_COMPUTE_REALPOWER_INFO",
    "EATON_CONVERTER_ONLINE_INFO", "EATON_DISCHARGING_INFO", "EATON_ENABLE_DISABLE_INFO",
    "MGE_3S", "MGE_BATTERY_CAPACITY", "MGE_BATTERY_VOLTAGE", "MGE_BATTERY_VOLTAGE_NOMINAL",
    "MGE_CONFIG_FAILURE", "MGE_DATE_CONVERSION", "MGE_DEFAULT", "MGE_DEFAULT_OFFLINE",
    "MGE_EMERGENCY_STOP", "MGE_EVOLUTION", "MGE_EVOLUTION_650", "MGE_EVOLUTION_850",
    "MGE_EVOLUTION_1150", "MGE_EVOLUTION_S_1250", "MGE_EVOLUTION_1550", "MGE_EVOLUTION_S_1750",
    "MGE_EVOLUTION_2000", "MGE_EVOLUTION_S_2500", "MGE_EVOLUTION_S_3000", "MGE_INVERTER_VOLTHI",
    "MGE_INVERTER_VOLTLO", "MGE_ONBATT_INFO", "MGE_PEGASUS", "MGE_POWERFACTOR_CONVERSION",
    "MGE_PULSAR_M", "MGE_PULSAR_M_2200", "MGE_PULSAR_M_3000", "MGE_PULSAR_M_3000_XL",
    "MGE_SENSITIVITY_INFO", "MGE_SHORT_CIRCUIT", "MGE_TIME_CONVERSION", "MGE_UPSTYPE_CONVERSION",
    "MGE_WIRING_FAULT", "NOMINAL_OUTPUT_VOLTAGE_INFO", "PEGASUS_THRESHOLD_INFO",
    "PEGASUS_YES_NO_INFO",
]

# model families (models_type_t); the low byte tells models of a family apart
MGE_DEFAULT_OFFLINE, MGE_PEGASUS, MGE_3S, MGE_DEFAULT = 0x000, 0x100, 0x110, 0x200
MGE_EVOLUTION, MGE_PULSAR_M, EATON_5P = 0x300, 0x400, 0x500
(MGE_EVOLUTION_650, MGE_EVOLUTION_850, MGE_EVOLUTION_1150, MGE_EVOLUTION_S_1250,
 MGE_EVOLUTION_1550, MGE_EVOLUTION_S_1750, MGE_EVOLUTION_2000, MGE_EVOLUTION_S_2500,
 MGE_EVOLUTION_S_3000) = range(MGE_EVOLUTION + 1, MGE_EVOLUTION + 10)
MGE_PULSAR_M_2200, MGE_PULSAR_M_3000, MGE_PULSAR_M_3000_XL = range(MGE_PULSAR_M + 1,
                                                                   MGE_PULSAR_M + 4)
_COUNTRY_EUROPE, _COUNTRY_EUROPE_208 = 0, 2
_ABM_DISABLED = 0


def _state(conv: Conversion, key: str, default: int) -> int:
    value = conv.scratch.get(key, default)
    assert isinstance(value, int)
    return value


def _family(conv: Conversion) -> int:
    return _state(conv, "mge_type", MGE_DEFAULT) & 0xFF00


def _abm_disabled(conv: Conversion) -> bool:
    return _state(conv, "mge_abm", -1) == _ABM_DISABLED


def _abm_enabled(value: float, conv: Conversion) -> str | None:
    conv.scratch["mge_abm"] = int(value)
    return None  # kept, not served


def _abm_status(value: float, conv: Conversion) -> str | None:
    if _abm_disabled(conv):
        conv.delete("battery.charger.status")
        return None
    return {1: "charging", 2: "discharging", 3: "floating", 4: "resting", 6: "off"}.get(int(value))


def _abm_chrg_dischrg(value: float, conv: Conversion) -> str | None:
    if _abm_disabled(conv):
        return None
    return {1: "chrg", 3: "chrg", 2: "dischrg"}.get(int(value))


def _legacy(word: str) -> Lookup:
    """The PresentStatus Charging/Discharging bits count only while ABM is disabled."""
    return func_lookup(
        lambda value, conv: word if _abm_disabled(conv) and value == 1 else f"!{word}")


def _date_fun(value: float, conv: Conversion) -> str | None:
    return time.strftime("%Y/%m/%d", time.localtime(int(value)))


def _time_fun(value: float, conv: Conversion) -> str | None:
    return time.strftime("%H:%M:%S", time.localtime(int(value)))


def _mktime(text: str) -> float:
    try:
        return time.mktime(time.strptime(text, "%Y/%m/%d %H:%M:%S"))
    except (ValueError, OverflowError):
        return 0


def _date_nuf(text: str | None, conv: Conversion) -> float:
    return _mktime(f"{text} {conv.get('ups.time')}")


def _time_nuf(text: str | None, conv: Conversion) -> float:
    return _mktime(f"{conv.get('ups.date')} {text}")


def _battery_voltage_nominal(value: float, conv: Conversion) -> str | None:
    family = _family(conv)
    if family == MGE_EVOLUTION:
        if _state(conv, "mge_type", MGE_DEFAULT) == MGE_EVOLUTION_650:
            value = 12.0
    elif family not in (MGE_PULSAR_M, EATON_5P):
        return None
    return f"{value:.0f}"


def _battery_voltage(value: float, conv: Conversion) -> str | None:
    if _family(conv) not in (MGE_EVOLUTION, MGE_PULSAR_M, EATON_5P):
        return None
    return f"{value:.1f}"


def _pegasus_like(conv: Conversion) -> bool:
    """Pegasus units, and 3S ones outside Europe, have these settings."""
    family = _family(conv)
    if family == MGE_PEGASUS:
        return True
    return family == MGE_3S and _state(conv, "mge_country", -1) != _COUNTRY_EUROPE


def _pegasus_threshold(value: float, conv: Conversion) -> str | None:
    return f"{value:.0f}" if _pegasus_like(conv) else None


def _pegasus_yes_no(value: float, conv: Conversion) -> str | None:
    if not _pegasus_like(conv):
        return None
    return "no" if value == 0 else "yes"


def _pegasus_yes_no_back(text: str | None, conv: Conversion) -> float:
    if not _pegasus_like(conv):
        return 0
    return 1 if (text or "").startswith("yes") else 0


def _check_country(value: float, conv: Conversion) -> str | None:
    conv.scratch["mge_country"] = int(value)
    return None


def _compute_realpower(value: float, conv: Conversion) -> str | None:
    """ups.realpower from load, nominal power and power factor (0.8 unless served; NUT
    reads a served factor with atoi, so "0.80" counts as 0)."""
    load, nominal = conv.get("ups.load"), conv.get("ups.power.nominal")
    if load is None or nominal is None:
        return None
    factor = struct.unpack("f", struct.pack("f", 0.80))[0]  # a C float
    served = conv.get("output.powerfactor")
    if served is not None:
        factor = float(atol(served))
    real = atol(load) * 0.01 * atol(nominal) * factor
    return f"{math.floor(abs(real) + 0.5) * (1 if real >= 0 else -1):.0f}"  # C round()


_LOW, _EU_208, _EU = (100, 110, 120, 127), (200, 208), (220, 230, 240)


def _nominal_output_voltage(value: float, conv: Conversion) -> str | None:
    """Only the voltages the unit's first answer allows (its region), as NUT decides."""
    nominal = conv.scratch.setdefault("mge_nominal", int(value))
    assert isinstance(nominal, int)
    volts, late = int(value), _family(conv) >= MGE_DEFAULT
    if nominal in _LOW and volts not in _LOW:
        return None
    if nominal in _EU_208 and not (volts in _EU_208 or (volts in _EU and late)):
        return None
    if nominal in _EU:
        if volts in _EU_208 and not late:
            return None
        if volts not in _EU_208 + _EU:
            return None
    return f"{value:.0f}"


def _converter_online(value: float, conv: Conversion) -> str | None:
    if "off" in conv.status:
        return None
    return "!online" if value == 0 else "online"


def _alarm(text: str) -> Lookup:
    return enum_lookup((1, text))


EATON_ABM_ENABLED_INFO = Lookup(pairs=((0, "dummy"),), fun=_abm_enabled)
EATON_ABM_STATUS_INFO = Lookup(pairs=((1, "dummy"),), fun=_abm_status)
EATON_ABM_CHRG_DISCHRG_INFO = Lookup(pairs=((1, "dummy"),), fun=_abm_chrg_dischrg)
EATON_DISCHARGING_INFO = _legacy("dischrg")
EATON_CHARGING_INFO = _legacy("chrg")
MGE_DATE_CONVERSION = func_lookup(_date_fun, _date_nuf)
MGE_TIME_CONVERSION = func_lookup(_time_fun, _time_nuf)
MGE_BATTERY_VOLTAGE_NOMINAL = func_lookup(_battery_voltage_nominal)
MGE_BATTERY_VOLTAGE = func_lookup(_battery_voltage)
MGE_POWERFACTOR_CONVERSION = func_lookup(lambda value, conv: f"{value / 100:.2f}")
MGE_BATTERY_CAPACITY = func_lookup(lambda value, conv: f"{value / 3600:.2f}")
EATON_ENABLE_DISABLE_INFO = enum_lookup((0, "disabled"), (1, "enabled"))
MGE_UPSTYPE_CONVERSION = enum_lookup(
    (1, "offline / line interactive"), (2, "online"), (3, "online - unitary/parallel"),
    (4, "online - parallel with hot standy"), (5, "online - hot standby redundancy"),
)
MGE_SENSITIVITY_INFO = enum_lookup((0, "normal"), (1, "high"), (2, "low"))
MGE_EMERGENCY_STOP = _alarm("Emergency stop!")
MGE_WIRING_FAULT = _alarm("Wiring fault!")
MGE_CONFIG_FAILURE = _alarm("Fatal EEPROM fault!")
MGE_INVERTER_VOLTHI = _alarm("Inverter AC voltage too high!")
MGE_INVERTER_VOLTLO = _alarm("Inverter AC voltage too low!")
MGE_SHORT_CIRCUIT = _alarm("Output short circuit!")
MGE_ONBATT_INFO = enum_lookup((1, "!online"), (0, "online"))
PEGASUS_THRESHOLD_INFO = Lookup(pairs=((10, "10"), (25, "25"), (60, "60")),
                                fun=_pegasus_threshold)
PEGASUS_YES_NO_INFO = Lookup(pairs=((0, "no"), (1, "yes")), fun=_pegasus_yes_no,
                             nuf=_pegasus_yes_no_back)
EATON_CHECK_COUNTRY_INFO = Lookup(pairs=((0, "dummy"),), fun=_check_country)
EATON_COMPUTE_REALPOWER_INFO = Lookup(pairs=((0, "dummy"),), fun=_compute_realpower)
NOMINAL_OUTPUT_VOLTAGE_INFO = Lookup(
    pairs=tuple((v, f"{v}") for v in (200, 208, 220, 230, 240, 100, 110, 120, 127)),
    fun=_nominal_output_voltage,
)
EATON_CONVERTER_ONLINE_INFO = Lookup(pairs=((0, "dummy"),), fun=_converter_online)
