"""tripplitesu's SmartOnline protocol (Belkin's too), as NUT 2.8.0's tripplitesu (0.06) reads it.

A request is ``~00`` + P (poll) or S (set) + the length of what follows as
three digits + a three-letter command + its parameters (``~00P003STO``,
``~00S005SDA10``), sent at 2400 baud one character each 10 ms. The unit
answers ``~00D`` + a three-digit count + that many characters of ``;``
separated fields (trailing blanks dropped), ``~00A`` (accepted, no data) or
``~00R`` (refused). Start: ``AVL`` twice, ``MNU`` (must say "Tripp Lite"),
then model, firmware, ratings, outlet banks, id, transfer points and
sensitivity; each update: ``STO`` output, ``STB`` battery, ``STA`` alarms
(any of those three failing makes the data stale), then ``STI`` input,
``TSR`` test result and ``ENV`` environment when the unit answers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.devices.tripplite.ctext import field as nth

__all__ = [
    "ACCEPTED",
    "BAUDRATE",
    "DATA",
    "MAX_RESPONSE",
    "SENSITIVITY",
    "Ratings",
    "Update",
    "auto_reboot_messages",
    "command_messages",
    "environment",
    "frame",
    "input_values",
    "read_alarms",
    "read_battery",
    "read_output",
    "read_ratings",
    "test_result",
]

BAUDRATE = 2400
DATA, ACCEPTED = b"~00D", b"~00A"
#: a count at or over this is refused (NUT's response buffer)
MAX_RESPONSE = 256
SENSITIVITY = ("Normal", "Reduced", "Low")
_TEST_RESULTS = ("No test performed", "Passed", "In progress", "General test failed",
                 "Battery failed", "Deep battery test failed", "Aborted")


def frame(kind: str, command: str, parameters: str = "") -> bytes:
    """One request: ``kind`` "P" to poll or "S" to set."""
    body = command + parameters
    return f"~00{kind}{len(body):03d}{body}".encode("latin-1")


def auto_reboot_messages(current: str | None) -> tuple[bytes, ...]:
    """Turn auto reboot on (``ARB`` 1) unless the ``ARB`` poll says it is on already;
    ``current`` is that poll's data, None when the poll failed (then nothing is sent)."""
    if current is None:
        return ()
    first = nth(current, 0)
    return () if first is not None and c_atoi(first) == 1 else (frame("S", "ARB", "1"),)


def command_messages(name: str, outlet_banks: int) -> tuple[bytes, ...] | None:
    """The set requests of instant command ``name`` after any auto-reboot step
    (shutdown.* turn auto reboot on first), or None for a command NUT lacks."""
    relays = range(1, outlet_banks + 1)
    table: dict[str, tuple[bytes, ...]] = {
        "load.off": tuple(frame("S", "ROF", f"{i};1") for i in relays),
        "load.on": tuple(frame("S", "RON", f"{i};1") for i in relays),
        "shutdown.reboot": (frame("S", "SDR", "1"), frame("S", "SDA", "10")),
        "shutdown.reboot.graceful": (frame("S", "SDR", "1"), frame("S", "SDA", "60")),
        "shutdown.return": (frame("S", "SDR", "1"), frame("S", "SDA", "10")),
        "shutdown.stop": (frame("S", "SDA", "0"),),
        "test.battery.start": (frame("S", "TST", "3"),),
        "test.battery.stop": (frame("S", "TST", "0"),),
    }
    return table.get(name)


def _int_field(text: str, number: int) -> int | None:
    value = nth(text, number)
    return None if value is None else c_atoi(value)


@dataclass(frozen=True, slots=True)
class Ratings:
    """``RAT``: nominal volts and the transfer points' allowed ranges."""

    values: dict[str, str] = field(default_factory=dict)
    low_range: tuple[int, int] = (0, 0)
    high_range: tuple[int, int] = (0, 0)


def _unsigned(text: str, number: int) -> int:
    value = _int_field(text, number)
    return value if value is not None and value >= 0 else 0


def read_ratings(text: str) -> Ratings:
    """Fields 0, 2 and 14 are the nominal input, output and battery volts; 10 and 9
    the low transfer point's least and most, 12 and 11 the high one's."""
    values = {}
    for number, name in ((0, "input.voltage.nominal"), (2, "output.voltage.nominal"),
                         (14, "battery.voltage.nominal")):
        if (value := _int_field(text, number)) is not None:
            values[name] = str(value)
    return Ratings(values=values, low_range=(_unsigned(text, 10), _unsigned(text, 9)),
                   high_range=(_unsigned(text, 12), _unsigned(text, 11)))


@dataclass
class Update:
    """What one update found: variables and ups.status words, in NUT's order."""

    values: dict[str, str] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)

    def tenths(self, text: str, number: int, name: str) -> None:
        if (value := _int_field(text, number)) is not None:
            self.values[name] = f"{value / 10.0:03.1f}"

    def whole(self, text: str, number: int, name: str) -> None:
        if (value := _int_field(text, number)) is not None:
            self.values[name] = str(value)


_OUTPUT_WORDS = {0: ("OL",), 1: ("OB",), 2: ("BYPASS",), 3: ("OL", "TRIM"),
                 4: ("OL", "BOOST"), 5: ("BYPASS",), 7: ("OFF",)}


def read_output(update: Update, text: str) -> bool:
    """``STO``: False when its first field is missing (the data goes stale)."""
    source = _int_field(text, 0)
    if source is None:
        return False
    update.words += _OUTPUT_WORDS.get(source, ())
    update.whole(text, 6, "ups.load")
    update.tenths(text, 3, "output.voltage")
    update.tenths(text, 1, "output.frequency")
    update.tenths(text, 4, "output.current")
    return True


def read_battery(update: Update, text: str, lowbatt: str | None) -> None:
    """``STB``: RB, LB (the unit says so, or the charge is at most ``lowbatt``)."""
    if _int_field(text, 0) == 2:
        update.words.append("RB")
    low = bool(_int_field(text, 1))
    update.whole(text, 8, "battery.temperature")
    charge = _int_field(text, 9)
    if charge is not None:
        update.values["battery.charge"] = str(charge)
        limit = c_atoi(lowbatt) if lowbatt is not None else 0
        low = low or 0 < limit <= 99 and charge <= limit
    update.tenths(text, 6, "battery.voltage")
    update.tenths(text, 7, "battery.current")
    if low:
        update.words.append("LB")


def read_alarms(update: Update, text: str) -> None:
    """``STA``: field 3 is the overload alarm."""
    if _int_field(text, 3):
        update.words.append("OVER")


def input_values(update: Update, text: str) -> None:
    update.tenths(text, 2, "input.voltage")
    update.tenths(text, 1, "input.frequency")


def test_result(text: str) -> str:
    number = c_atoi(text)
    return _TEST_RESULTS[number if 0 <= number < len(_TEST_RESULTS) else 0]


def environment(update: Update, text: str) -> None:
    """``ENV``: ambient temperature and humidity, then up to four contacts as bits."""
    update.whole(text, 0, "ambient.temperature")
    update.whole(text, 1, "ambient.humidity")
    contacts = [nth(text, 2 + i) for i in range(4)]
    if any(c is not None for c in contacts):
        flags = sum(1 << i for i, c in enumerate(contacts) if c is not None and c[:1] == "1")
        update.values["ups.contacts"] = f"{flags:02X}"
