"""The settable ranges of nutdrv_qx's voltronic protocol, by protocol number and ratings.

NUT lists every bound any Voltronic model may have and lets a check per
bound keep only those of this UPS: its protocol (P00..P99, from QPI), its
nominal input voltage (above or below 200 V) or nominal output frequency
(50 or 60 Hz). The kept bounds pair up into min..max ranges in list order.
"""

from __future__ import annotations

from collections.abc import Callable

from nutrio.protocol.common.cnum import c_atoi, c_strtod
from nutrio.protocol.devices.megatec.qx_item import RwValue, rw_values
from nutrio.protocol.devices.megatec.qx_session import Session

__all__ = [
    "protocol_number",
    "r_batt_low",
    "r_bypass_freq_max",
    "r_bypass_freq_min",
    "r_bypass_volt_max",
    "r_bypass_volt_min",
    "r_eco_freq_max",
    "r_eco_freq_min",
]

_ALL = frozenset({1, 2, 3, 9, 10, 13, 14, 99})
_G1 = frozenset({2, 3, 10, 13, 14})
_G99 = _G1 | {99}
_P19 = frozenset({1, 9})

#: a rule: (protocols, condition on the rating) - the condition is "lt200", "ge200", 50, 60 or None
Rule = tuple[frozenset[int], object]


def protocol_number(s: Session) -> int:
    """The number of ups.firmware.aux ("P01" -> 1), as NUT reads it with strtol."""
    return c_atoi((s.state.get("ups.firmware.aux") or "")[1:])


def _voltage_check(rules: dict[int, tuple[Rule, ...]]) -> Callable[[Session, str], bool]:
    """A check by protocol and nominal input voltage (below or from 200 V)."""

    def check(s: Session, value: str) -> bool:
        nominal = s.state.get("input.voltage.nominal")
        if nominal is None:
            return False
        high = c_atoi(nominal) >= 200
        protocol = protocol_number(s)
        for protocols, condition in rules.get(c_atoi(value), ()):
            if condition == "ge200" and not high or condition == "lt200" and high:
                return False
            if protocol in protocols:
                return True
        return False

    return check


def _frequency_check(rules: dict[int, tuple[frozenset[int], float]]) -> Callable[[Session, str], bool]:
    """A check by protocol and nominal output frequency (50 or 60 Hz)."""

    def check(s: Session, value: str) -> bool:
        nominal = s.state.get("output.frequency.nominal")
        rule = rules.get(c_atoi(value))
        if nominal is None or rule is None:
            return False
        protocols, hertz = rule
        return c_strtod(nominal) == hertz and protocol_number(s) in protocols

    return check


# value -> rules tried in order; P09's 140 V holds whatever the input voltage
_BYPASS_VOLT_MAX = _voltage_check({
    60: ((frozenset({9}), None),),
    115: ((_G99, "lt200"),),
    120: ((frozenset({1}), "lt200"),),
    132: ((frozenset({99}), "lt200"),),
    138: ((_G1, "lt200"),),
    140: ((frozenset({9}), None), (frozenset({1}), "lt200")),
    230: ((frozenset({1}), "ge200"),),
    231: ((_G99, "ge200"),),
    261: ((frozenset({99}), "ge200"),),
    264: ((frozenset({1}), "ge200"),),
    276: ((_G1, "ge200"),),
})
_BYPASS_VOLT_MIN = _voltage_check({
    50: ((frozenset({99}), "lt200"),),
    55: ((_G1, "lt200"),),
    60: ((frozenset({9}), None),),
    85: ((frozenset({1, 99}), "lt200"),),
    104: ((_G1, "lt200"),),
    110: ((_G1, "ge200"),),
    115: ((frozenset({1}), "lt200"),),
    140: ((frozenset({9}), None),),
    149: ((frozenset({99}), "ge200"),),
    170: ((frozenset({1}), "ge200"),),
    209: ((_G99, "ge200"),),
    220: ((frozenset({1}), "ge200"),),
})
_BYPASS_FREQ_MAX = _frequency_check({
    51: (_ALL, 50.0), 54: (_G99, 50.0), 60: (_P19, 50.0),
    61: (_ALL, 60.0), 64: (_G99, 60.0), 70: (_P19, 60.0),
})
_BYPASS_FREQ_MIN = _frequency_check({
    40: (_P19, 50.0), 46: (_G99, 50.0), 49: (_ALL, 50.0),
    50: (_P19, 60.0), 56: (_G99, 60.0), 59: (_ALL, 60.0),
})
_ECO_FREQ_MIN = _frequency_check({
    40: (_P19, 50.0), 46: (_G99, 50.0), 47: (_P19, 50.0), 48: (_G99, 50.0),
    50: (_P19, 60.0), 56: (_G99, 60.0), 57: (_P19, 60.0), 58: (_G99, 60.0),
})
_ECO_FREQ_MAX = _frequency_check({
    52: (_G99, 50.0), 53: (_P19, 50.0), 54: (_G99, 50.0), 60: (_P19, 50.0),
    62: (_G99, 60.0), 63: (_P19, 60.0), 64: (_G99, 60.0), 70: (_P19, 60.0),
})


def _battery_low(s: Session, value: str) -> bool:
    """24 V for units under 1000 VA (nominal volts x amps), else 28 V."""
    volts, amps = s.state.get("output.voltage.nominal"), s.state.get("output.current.nominal")
    if volts is None or amps is None:
        return False
    return c_atoi(value) == (24 if c_atoi(volts) * c_atoi(amps) < 1000 else 28)


def r_batt_low() -> list[RwValue]:
    return [RwValue("20"), RwValue("24", _battery_low), RwValue("28", _battery_low)]


def r_bypass_volt_max() -> list[RwValue]:
    return rw_values("60", "115", "120", "132", "138", "140", "230", "231", "261", "264", "276",
                     check=_BYPASS_VOLT_MAX)  # fmt: skip


def r_bypass_volt_min() -> list[RwValue]:
    return rw_values("50", "55", "60", "85", "104", "110", "115", "140", "149", "170", "209",
                     "220", check=_BYPASS_VOLT_MIN)  # fmt: skip


def r_bypass_freq_max() -> list[RwValue]:
    return rw_values("51.0", "54.0", "60.0", "61.0", "64.0", "70.0", check=_BYPASS_FREQ_MAX)


def r_bypass_freq_min() -> list[RwValue]:
    return rw_values("40.0", "46.0", "49.0", "50.0", "56.0", "59.0", check=_BYPASS_FREQ_MIN)


def r_eco_freq_min() -> list[RwValue]:
    return rw_values("40.0", "46.0", "47.0", "48.0", "50.0", "56.0", "57.0", "58.0",
                     check=_ECO_FREQ_MIN)  # fmt: skip


def r_eco_freq_max() -> list[RwValue]:
    return rw_values("52.0", "53.0", "54.0", "60.0", "62.0", "63.0", "64.0", "70.0",
                     check=_ECO_FREQ_MAX)  # fmt: skip
