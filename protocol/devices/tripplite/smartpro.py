"""tripplite's serial SmartPro protocol, as NUT 2.8.0's tripplite (0.93) reads it.

A request is ``:`` + a letter (+ hex arguments) + CR at 2400 baud; the unit
echoes the request, ends that line, then sends its reply line (CR LF). The
driver skips the first line and keeps the second, CRs left out. At start
``W``, ``L``, ``V``, ``X`` give the model, the power rating, the firmware
and the outlet banks; each update reads ``D`` (21 characters: status, input
volts, temperature, load, frequency), then ``B`` (battery volts),
``M``/``I`` (input extremes) and ``C`` (self-test result), and keeps none
of it unless every value is within NUT's bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.devices.tripplite.ctext import c_float, hex2d

__all__ = [
    "BAUDRATE",
    "DELAYS",
    "D_LENGTH",
    "Delay",
    "Identity",
    "Reading",
    "battery_charge",
    "battery_volts",
    "command_messages",
    "identify",
    "read_d",
    "self_test",
    "status_words",
    "volts_ok",
]

BAUDRATE = 2400
#: the ``D`` reply has exactly this many characters, or the update fails
D_LENGTH = 21
_INVOLT = (0, 270)
_FREQ = (30.0, 80.0)
_TEMP = (0, 100)
_LOAD = (0, 100)
#: battery volts that read as 10 % and 100 % (charge follows a square root between)
_VOLT_MIN, _VOLT_MAX = 11.0, 13.4


@dataclass(frozen=True, slots=True)
class Delay:
    """One writable delay: its variable, option, default and the width NUT allows."""

    var: str
    option: str
    default: int
    width: int


DELAYS = (Delay("ups.delay.shutdown", "offdelay", 64, 3),
          Delay("ups.delay.start", "startdelay", 60, 8),
          Delay("ups.delay.reboot", "rebootdelay", 64, 3))


def _message(text: str) -> bytes:
    return b":" + text.encode("ascii") + b"\r"


def command_messages(name: str, delays: dict[str, int]) -> tuple[bytes, ...] | None:
    """The requests of instant command ``name`` (None: not one tripplite knows).

    ``delays``: offdelay, startdelay and rebootdelay in seconds (formatted as hex,
    wider numbers just widen the request, as printf does)."""
    off, start, boot = delays["offdelay"], delays["startdelay"], delays["rebootdelay"]
    table = {
        "test.battery.start": ("A",),
        "load.off": ("K0",), "load.on": ("K1",),
        "outlet.1.load.off": ("K2",), "outlet.1.load.on": ("K3",),
        "outlet.2.load.off": ("K4",), "outlet.2.load.on": ("K5",),
        "shutdown.reboot": (f"H{start:06X}",),
        "shutdown.reboot.graceful": (f"N{boot:02X}", f"H{start:06X}"),
        "shutdown.return": (f"N{off:02X}", "G"),
        "shutdown.stayoff": (f"N{off:02X}", "K0"),
    }
    texts = table.get(name)
    return None if texts is None else tuple(_message(t) for t in texts)


@dataclass(frozen=True, slots=True)
class Identity:
    """What the start-up replies say: ups.model, ups.firmware and the outlet banks."""

    model: str
    firmware: str
    plugs: int

    def commands(self) -> tuple[str, ...]:
        """The instant commands, in NUT's order (outlet ones by the bank count)."""
        names = ["test.battery.start", "load.off", "load.on", "shutdown.reboot",
                 "shutdown.reboot.graceful", "shutdown.return", "shutdown.stayoff"]
        if self.plugs > 1:
            names += ["outlet.1.load.off", "outlet.1.load.on"]
        if self.plugs > 2:
            names += ["outlet.2.load.off", "outlet.2.load.on"]
        return tuple(names)


def _char(buf: bytes, at: int) -> int:
    """The C char at ``at`` of a NUL-ended buffer (0 past the end)."""
    return buf[at] if at < len(buf) else 0


def identify(w: bytes, l: bytes, v: bytes, x: bytes) -> Identity:  # noqa: E741 (NUT's letters)
    """The W, L, V and X replies read as NUT does.

    The power rating comes from W's low six bits and L (a newer formula when W's
    top bit is set); W's bit 6 says Unison rather than Smart. The firmware is V's
    two digits as letters, with a generation from X; the outlet bank count is X's
    first character code (less 8 when a second character follows), so any
    printable X reads as several banks, as it does in NUT."""
    w_value, l_value = hex2d(w, 0, 2), hex2d(l, 0, 2)
    family = "Unison" if w_value & 0x40 else "Smart"
    va = ((w_value & 0x3F) * 32 + (l_value >> 3)) * 5
    if not w_value & 0x80:
        va = int(l_value / 2)
    x0, x1 = _char(x, 0), _char(x, 1)
    gen = 1 + (not x0 & 0x07) * (not x1 & 0x07)
    plugs = x0 - (1 if x1 >> 3 else 0) * 8
    letters = "".join(chr((0x41 + _char(v, i) - 0x30) & 0xFF) for i in (0, 1))
    return Identity(model=f"{family} {va}", firmware=f"{letters} (Gen {gen})", plugs=plugs)


@dataclass(frozen=True, slots=True)
class Reading:
    """The ``D`` reply's values and the four status characters."""

    volt: int
    temp: int
    load: int
    freq: float
    flags: bytes  # battery, load, tap and mode characters

    def out_of_bounds(self) -> str | None:
        """NUT's complaint when a value is out of its bounds, else None."""
        if not (_INVOLT[0] <= self.volt <= _INVOLT[1] and _TEMP[0] <= self.temp <= _TEMP[1]
                and _LOAD[0] <= self.load <= _LOAD[1] and _FREQ[0] <= self.freq <= _FREQ[1]):
            return (f"Data out of bounds: [{self.volt},{self.temp:3d},{self.load:3d},"
                    f"{self.freq:.2f}]")
        return None

    def values(self) -> dict[str, str]:
        return {"input.voltage": str(self.volt), "ups.temperature": f"{self.temp:3d}",
                "ups.load": f"{self.load:3d}", "input.frequency": f"{self.freq:.2f}"}


def read_d(buf: bytes) -> Reading:
    """A 21-character ``D`` reply (the length is checked by the caller)."""
    temp = math.trunc(hex2d(buf, 6, 2) * 0.3636 - 21.0)  # C's (int) cut
    return Reading(volt=hex2d(buf, 2, 2), temp=temp, load=hex2d(buf, 12, 2),
                   freq=c_float(hex2d(buf, 18, 3) / 10.0),
                   flags=bytes([buf[0], buf[1], buf[4], buf[5]]))


_BATTERY: dict[int, str | None] = {ord("0"): "LB", ord("1"): None}
_LOAD_STATE: dict[int, str | None] = {ord("0"): "OVER", ord("1"): None}
_TAP: dict[int, str | None] = {ord("0"): None, ord("1"): "TRIM", ord("2"): "BOOST",
                               ord("3"): "BOOST"}
_MODE: dict[int, str | None] = {ord("0"): "OFF", ord("1"): "OB", ord("2"): "OL", ord("3"): "OB"}
_STATES: tuple[tuple[str, dict[int, str | None]], ...] = (
    ("battery", _BATTERY), ("load", _LOAD_STATE), ("tap", _TAP), ("mode", _MODE))


def status_words(flags: bytes) -> tuple[list[str], list[str]]:
    """ups.status words in NUT's order (LB first, the mode last), and the
    complaints about characters it does not know ("Unknown tap state: 7")."""
    words, unknown = [], []
    for (what, table), char in zip(_STATES, flags, strict=True):
        if char not in table:
            unknown.append(f"Unknown {what} state: {chr(char)}")
        elif (word := table[char]) is not None:
            words.append(word)
    return words, unknown


def battery_volts(buf: bytes) -> float:
    """``B``: two hex digits of decivolts, kept in a C float as NUT keeps them."""
    return c_float(hex2d(buf, 0, 2) / 10.0)


def battery_charge(volts: float) -> int:
    """10 % at 11.0 V or less, 100 % at 13.4 V or more, a square root between
    (``volts`` is a C float: 13.4 in a float is a hair under 13.4)."""
    if volts >= _VOLT_MAX:
        return 100
    if volts <= _VOLT_MIN:
        return 10
    return int(100 * math.sqrt((volts - _VOLT_MIN) / (_VOLT_MAX - _VOLT_MIN)))


def volts_ok(volts: int) -> bool:
    return _INVOLT[0] <= volts <= _INVOLT[1]


_TEST_RESULTS = ("OK", "Battery Bad (Replace)", "In Progress", "Bad Inverter")


def self_test(buf: bytes) -> tuple[int, str | None]:
    """``C``: the number strtol reads (0 when there is none, as glibc gives) and its
    ups.test.result, None when out of NUT's bounds."""
    number = c_atoi(buf.split(b"\0", 1)[0].decode("latin-1"))
    return number, _TEST_RESULTS[number] if 0 <= number <= 3 else None
