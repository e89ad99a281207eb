"""The BCM/XCP blocks bcmxcp reads, as NUT 2.8.0 turns them into variables.

- ID block (0x31): firmware per CPU, power rating, phases, model, the meter
  and alarm maps, and the lengths of the optional blocks;
- config block (0x36): nominal output, battery packs, serial and part
  numbers, and the mask of the status bits the UPS fills in;
- extended limits (0x3C): nominal input, transfer points, beeper, ambient
  limits, low battery warning, restart settings;
- battery block (0x3B): the last battery test's result, the charger state;
- outlet block (0x41), topology (0x43) and the status (0x33).

Numbers are little endian; bytes past the end of an answer read as 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from nutrio.protocol.devices.bcmxcp.alarms import ActiveAlarms
from nutrio.protocol.devices.bcmxcp.meters import get_word

__all__ = [
    "IdBlock",
    "Outlet",
    "TEST_RESULTS",
    "battery_vars",
    "config_vars",
    "limit_vars",
    "low_battery_warning",
    "outlets",
    "status_words",
    "topology_name",
    "topology_mask",
]

_CPU_NAMES = ("Cont:", "Inve:", "Rect:", "Netw:", "Disp:")
#: battery test status -> ups.test.result (NUT's table stops at 6: 6 and 7 are not shown)
TEST_RESULTS = ("No test initiated", "In progress", "Done and passed", "Aborted",
                "Done and error", "Test scheduled")
_CHARGER = ("charging", "discharging", "floating", "resting")
_OUTLET_STATES = ("unknown", "on/closed", "off/open", "on with pending", "off with pending",
                  "unknown", "unknown", "failed and closed", "failed and open")
_HORN = ("disabled", "enabled", "muted")
_TOPOLOGIES = {
    0x0010: "Off-line switcher, Single Phase",
    0x0020: "Line-Interactive UPS, Single Phase",
    0x0021: "Line-Interactive UPS, Two Phase",
    0x0022: "Line-Interactive UPS, Three Phase",
    0x0030: "Dual AC Input, On-Line UPS, Single Phase",
    0x0031: "Dual AC Input, On-Line UPS, Two Phase",
    0x0032: "Dual AC Input, On-Line UPS, Three Phase",
    0x0040: "On-Line UPS, Single Phase",
    0x0041: "On-Line UPS, Two Phase",
    0x0042: "On-Line UPS, Three Phase",
    0x0050: "Parallel Redundant On-Line UPS, Single Phase",
    0x0051: "Parallel Redundant On-Line UPS, Two Phase",
    0x0052: "Parallel Redundant On-Line UPS, Three Phase",
    0x0060: "Parallel for Capacity On-Line UPS, Single Phase",
    0x0061: "Parallel for Capacity On-Line UPS, Two Phase",
    0x0062: "Parallel for Capacity On-Line UPS, Three Phase",
    0x0102: "System Bypass Module, Three Phase",
    0x0122: "Hot-Tie Cabinet, Three Phase",
    0x0200: "Outlet Controller, Single Phase",
    0x0222: "Dual AC Input Static Switch Module, 3 Phase",
}
#: status byte -> ups.status words (anything else reads as on line)
_STATUS = {0x50: ("OL",), 0xE0: ("OL", "OVER"), 0x63: ("OL", "TRIM"), 0x61: ("OL", "BOOST"),
           0x62: ("OL", "BOOST"), 0x60: ("OL", "BYPASS"), 0x10: ("OFF",)}
_ON_BATTERY = 0xF0
#: topology status bit: the battery is low
_LOW_BATTERY_BIT = 0x20


def _byte(data: bytes, at: int) -> int:
    return data[at] if 0 <= at < len(data) else 0


def _c_string(data: bytes, at: int, most: int) -> str:
    """C's "%s" on the bytes at ``at``: up to the first NUL, at most ``most`` characters."""
    return data[at : at + most].split(b"\0", 1)[0].decode("latin-1")


@dataclass(frozen=True, slots=True)
class IdBlock:
    """What the ID block says (see :meth:`parse`)."""

    firmware: str | None
    rating: int
    phases: int
    model: str
    meter_formats: bytes
    alarm_bits: bytes
    topology_length: int
    command_list_length: int
    outlet_block_length: int

    @classmethod
    def parse(cls, data: bytes) -> IdBlock:
        """Walk the ID block field by field, as bcmxcp's initinfo does."""
        at, firmware = cls._firmware(data)
        rating = _byte(data, at)
        at += 1
        if rating:
            rating *= 1000
        else:
            rating, at = get_word(data, at) * 50, at + 2
        rating &= 0xFFFF  # NUT keeps it in 16 bits: 65 kVA and up wrap
        phases = _byte(data, at)
        at += 2  # and the phase angle, which NUT skips
        length = _byte(data, at)
        model = cls._model(_c_string(data, at + 1, length), rating, length)
        at += 1 + length
        meter_formats = data[at + 1 : at + 1 + _byte(data, at)]
        at += 1 + _byte(data, at)
        alarm_bits = data[at + 1 : at + 1 + _byte(data, at)]
        at += 1 + _byte(data, at)
        at += 2  # config block length
        at += 1 + _byte(data, at)  # statistics map
        at += 4  # alarm history log and custom event log sizes
        topology = get_word(data, at)
        at += 3  # and the longest command the UPS takes
        lengths = []
        for _ in range(3):  # command list, outlet block, alarm block: only when present
            lengths.append(get_word(data, at) if at < len(data) else 0)
            at += 2
        return cls(firmware, rating, phases, model, meter_formats, alarm_bits, topology,
                   lengths[0], lengths[1])

    @staticmethod
    def _firmware(data: bytes) -> tuple[int, str | None]:
        """ups.firmware: "<cpu>:<major>.<minor> " per CPU with a version (None: no CPUs)."""
        count = _byte(data, 0)
        if count == 0:
            return 1, None
        at, text = 1, ""
        for cpu in range(min(count, 6)):  # NUT stops after the sixth
            minor, major = _byte(data, at), _byte(data, at + 1)
            if minor or major:
                name = _CPU_NAMES[cpu] if cpu < len(_CPU_NAMES) else "(null)"
                text += f"{name}{major:02x}.{minor:02x} "
            at += 2
        # NUT's snprintfcat keeps two bytes short of the size it is given (11 per CPU + 1)
        return at + 2 * max(count - 6, 0), text[: 11 * count - 1]

    @staticmethod
    def _model(description: str, rating: int, length: int) -> str:
        """ups.model: the description with "<rating>i" added unless it is in there already."""
        suffix = f"{rating}i"
        if suffix not in description:
            description = (description + " " + suffix)[: length + 8]  # snprintfcat's cut
        return description.rstrip(" ")


def topology_mask(config: bytes) -> int:
    """The config block's byte that says which topology status bits are valid."""
    return _byte(config, 16)


def config_vars(config: bytes, *, at_start: bool) -> dict[str, str]:
    """Variables of the config block (initinfo reads all, each update only the first two)."""
    found = {}
    voltage = get_word(config, 8)
    if voltage:
        found["output.voltage.nominal"] = str(voltage)
    packs = _byte(config, 26)
    if packs:
        found["battery.packs"] = str(packs)
    if not at_start:
        return found
    frequency = get_word(config, 10)
    if frequency:
        found["output.frequency.nominal"] = str(frequency)
    for name, at in (("ups.serial", 64), ("device.part", 48)):
        text = _c_string(config, at, 16)
        if text:
            found[name] = text
    return found


def low_battery_warning(limits: bytes) -> int:
    """Seconds of runtime left when the UPS raises its low battery warning."""
    return _byte(limits, 16) * 60


def limit_vars(limits: bytes, *, at_start: bool) -> dict[str, str]:
    """Variables of the extended limits block; the input frequency limits and the low
    ambient limit only at start, as NUT reads them."""
    words = {"input.voltage.nominal": 0, "input.transfer.boost.high": 10,
             "input.transfer.trim.low": 12, "input.transfer.low": 18, "input.transfer.high": 20,
             "input.transfer.delay": 22}
    single = {"ambient.temperature.high": 26, "battery.energysave.load": 29,
              "battery.energysave.delay": 30, "battery.runtime.low": 16,
              "battery.charge.restart": 24}
    if at_start:
        single["ambient.temperature.low"] = 25
    found = {name: str(get_word(limits, at)) for name, at in words.items() if get_word(limits, at)}
    found.update({name: str(_byte(limits, at)) for name, at in single.items() if _byte(limits, at)})
    horn = _byte(limits, 17)
    if horn < len(_HORN):
        found["ups.beeper.status"] = _HORN[horn]
    nominal = get_word(limits, 2)
    if at_start and nominal:
        found["input.frequency.nominal"] = str(nominal)
        deviation = get_word(limits, 8)  # hundredths of a hertz; tested before dividing
        if deviation:
            found["input.frequency.low"] = str((nominal - deviation // 100) & 0xFFFFFFFF)
            found["input.frequency.high"] = str(nominal + deviation // 100)
    return found


def battery_vars(battery: bytes) -> dict[str, str]:
    """ups.test.result and battery.charger.status from the battery block.

    The charger state sits after the external strings' test bytes and the
    count of states; NUT indexes its names with the state minus one, so 0
    (which it would read before its table) is left out here.
    """
    found = {}
    test = _byte(battery, 0)
    if test < len(TEST_RESULTS):
        found["ups.test.result"] = TEST_RESULTS[test]
    charger = _byte(battery, 18 + _byte(battery, 18) + 2)
    if 1 <= charger <= len(_CHARGER):
        found["battery.charger.status"] = _CHARGER[charger - 1]
    return found


@dataclass(frozen=True, slots=True)
class Outlet:
    """One outlet of the outlet block; delays are seconds as the UPS stores them."""

    number: int
    state: int
    delay_off: int
    delay_on: int

    @property
    def status(self) -> str | None:
        return _OUTLET_STATES[self.state] if 0 < self.state < 9 else None


def outlets(block: bytes) -> tuple[Outlet, ...]:
    """The outlet block: a count, an entry size NUT ignores, then 6 bytes per outlet."""
    return tuple(Outlet(_byte(block, at), _byte(block, at + 1), get_word(block, at + 2),
                        get_word(block, at + 4))
                 for at in range(2, 2 + 6 * _byte(block, 0), 6))


def topology_name(block: bytes) -> str | None:
    """ups.description for the topology block's first word."""
    return _TOPOLOGIES.get(get_word(block, 0))


def status_words(status: bytes, mask: int, alarms: ActiveAlarms, replace_battery: bool) -> list[str]:
    """ups.status from the status block and the alarms just read (ALARM prefix not included).

    ``replace_battery`` is NUT's latched flag: once a battery alarm was seen, RB stays.
    """
    byte, topology = _byte(status, 0), _byte(status, 1) & mask
    words = list(_STATUS.get(byte, ("OL",)))
    if byte == _ON_BATTERY:
        words = [] if alarms.on_battery else ["OB"]
    if topology & _LOW_BATTERY_BIT and not alarms.low_battery:
        words.append("LB")
    if alarms.on_battery:
        words.append("OB")
    if alarms.low_battery:
        words.append("LB")
    if replace_battery:
        words.append("RB")
    return words
