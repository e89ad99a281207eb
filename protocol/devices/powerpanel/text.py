"""CyberPower's text protocol, as NUT 2.8.0's powerpanel speaks it ("Powerpanel-Text 0.5").

How it works: 2400 baud; every request is a short line ended by CR
(``P4``: model, firmware, serial, maker; ``P3``, ``P2``, ``P1``: battery,
power and voltage ratings; ``P6``-``P8``: a writable setting's choices;
``D``: the status) and the answer is a line starting with "#" (commands
answer "#0" when done). The status comes in three shapes, told apart by
how many fields C's ``sscanf`` fills, as NUT does: 35 bytes with the
temperature, 35 bytes with the runtime, or 58 bytes with battery voltage,
output frequency and runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nutrio.protocol.common.cfloat import c_printf
from nutrio.protocol.common.cnum import c_atoi, c_strtod
from nutrio.protocol.common.cscan import c_sscanf

__all__ = ["COMMANDS", "LONG_EXTRA", "RATINGS", "SETTINGS", "SHORT", "Delays", "Status", "delays",
           "fields", "ident", "long_status", "ratings", "setting_command", "shutdown_command",
           "status", "status_vars", "status_words"]

SHORT, LONG_EXTRA = 35, 23
#: instant command -> request (beeper.on/off: NUT's old names, sent as enable/disable)
COMMANDS = {"test.battery.start.quick": b"T\r", "test.battery.start.deep": b"TL\r",
            "test.battery.stop": b"CT\r", "beeper.enable": b"C7:1\r",
            "beeper.disable": b"C7:0\r", "beeper.on": b"C7:1\r", "beeper.off": b"C7:0\r",
            "shutdown.stop": b"C\r"}
#: writable variable -> (request for its choices, setting format)
SETTINGS = {"input.transfer.high": (b"P6\r", "C2:%03d\r"),
            "input.transfer.low": (b"P7\r", "C3:%03d\r"),
            "battery.charge.low": (b"P8\r", "C4:%02d\r")}


def fields(answer: bytes, sep: str = ",") -> list[str]:
    """C's strtok over the answer after its first byte: empty fields vanish."""
    return [f for f in answer[1:].decode("latin-1").split(sep) if f]


def _long(text: str) -> str:
    """strtol(text, NULL, 10) printed with %li."""
    return str(c_atoi(text))


def _g(text: str) -> str:
    return c_printf("%g", c_strtod(text))


def ident(answer: bytes) -> dict[str, str]:
    """The P4 answer: ups.model, ups.firmware, ups.serial, ups.mfr (trailing spaces cut)."""
    names = ("ups.model", "ups.firmware", "ups.serial", "ups.mfr")
    trim = {"ups.model", "ups.mfr"}
    return {n: (v.rstrip(" ") if n in trim else v) for n, v in zip(names, fields(answer))}


#: P3, P2, P1 in NUT's order: each field's variable and printing
RATINGS: tuple[tuple[bytes, tuple[tuple[str, Callable[[str], str]], ...]], ...] = (
    (b"P3\r", (("battery.voltage.nominal", _g), ("battery.packs", _long),
               ("battery.capacity", _g))),
    (b"P2\r", (("ups.power.nominal", _long), ("ups.realpower.nominal", _long),
               ("input.voltage.nominal", _long), ("input.frequency.low", _long),
               ("input.frequency.high", _long))),
    (b"P1\r", (("input.voltage.nominal", _long), ("input.transfer.high", _long),
               ("input.transfer.low", _long), ("battery.charge.low", _long))),
)


def ratings(request: bytes, answer: bytes) -> dict[str, str]:
    found = dict(next(rows for req, rows in RATINGS if req == request))
    return {name: found[name](value) for name, value in zip(found, fields(answer))}


@dataclass(frozen=True, slots=True)
class Delays:
    """``ondelay`` in minutes, ``offdelay`` in seconds (a step the UPS can take)."""

    on: int = 1
    off: int = 60


def delays(ondelay: str | None, offdelay: str | None) -> Delays:
    """The options as NUT reads them; ValueError with its message when out of range."""
    on = 1 if ondelay is None else c_atoi(ondelay)
    if not 0 <= on <= 9999:
        raise ValueError(f"Start delay '{on}' out of range [0..9999]")
    off = 60 if offdelay is None else c_atoi(offdelay)
    if not 6 <= off <= 600:
        raise ValueError(f"Shutdown delay '{off}' out of range [6..600]")
    return Delays(on, off - off % (6 if off < 60 else 60))


def shutdown_command(name: str, delay: Delays) -> bytes | None:
    """shutdown.return (Z), .stayoff (S) or .reboot (S...R); None for another name."""
    head = {"shutdown.return": "Z", "shutdown.stayoff": "S", "shutdown.reboot": "S"}.get(name)
    if head is None:
        return None
    off = f".{delay.off // 6}" if delay.off < 60 else f"{delay.off // 60:02d}"
    tail = f"R{delay.on:04d}" if name == "shutdown.reboot" else ""
    return f"{head}{off}{tail}\r".encode()


def setting_command(name: str, value: str) -> bytes:
    return (SETTINGS[name][1] % c_atoi(value)).encode()


@dataclass(frozen=True, slots=True)
class Status:
    """One status answer: its fields, which optional ones it had, and the flags byte."""

    i_volt: float
    o_volt: float
    load: int
    charge: int
    freq: float
    flags: int
    temp: int | None = None
    b_volt: float | None = None
    o_freq: float | None = None
    runtime: int | None = None


_SHORT_T = "#I%fO%fL%dB%dT%dF%fS%2c\r"
_SHORT_R = "#I%fO%fL%dB%dF%fR%dS%2c\r"
_LONG = "#I%fO%fL%dB%dV%fT%dF%fH%fR%dC%dQ%fS%2c\r"


def status(answer: bytes) -> Status | None:
    """A 35-byte answer's status; None when it needs the 23 bytes more (or is garbage)."""
    text = answer.split(b"\0", 1)[0].decode("latin-1")  # sscanf stops at a NUL
    got = c_sscanf(_SHORT_T, text)
    if len(got) >= 7:
        v = got
        return Status(float(v[0]), float(v[1]), int(v[2]), int(v[3]), float(v[5]),
                      ord(str(v[6])[0]), temp=int(v[4]))
    got = c_sscanf(_SHORT_R, text)
    if len(got) >= 7:
        v = got
        return Status(float(v[0]), float(v[1]), int(v[2]), int(v[3]), float(v[4]),
                      ord(str(v[6])[0]), runtime=int(v[5]))
    return None


def long_status(answer: bytes) -> Status | None:
    """The 58-byte answer; None when fewer than all twelve fields read (NUT takes seven and
    prints what its stack held for the rest)."""
    got = c_sscanf(_LONG, answer.split(b"\0", 1)[0].decode("latin-1"))
    if len(got) < 12:
        return None
    v = got
    return Status(float(v[0]), float(v[1]), int(v[2]), int(v[3]), float(v[6]),
                  ord(str(v[11])[0]), temp=int(v[5]), b_volt=float(v[4]), o_freq=float(v[7]),
                  runtime=int(v[8]))


def status_vars(st: Status) -> dict[str, str]:
    out = {"input.voltage": c_printf("%.1f", st.i_volt),
           "output.voltage": c_printf("%.1f", st.o_volt), "ups.load": str(st.load),
           "input.frequency": c_printf("%.1f", st.freq)}
    if st.temp is not None:
        out["ups.temperature"] = str(st.temp)
    out["battery.charge"] = str(st.charge)
    if st.b_volt is not None:
        out["battery.voltage"] = c_printf("%.1f", st.b_volt)
    if st.o_freq is not None:
        out["output.frequency"] = c_printf("%.1f", st.o_freq)
    if st.runtime is not None:
        out["battery.runtime"] = str(st.runtime * 60)
    return out


def status_words(st: Status, *, on_battery: int = 0x40, low: int = 0x20, test: int = 0x08,
                 no_avr: int | None = None) -> list[str]:
    """ups.status from the flags byte: OB/OL, LB, TRIM or BOOST by the output voltage
    against the input (on line and not testing), TEST, OFF (no flag at all). The bits
    are the text protocol's unless given (the binary protocol's differ)."""
    flags = st.flags
    words = ["OB" if flags & on_battery else "OL"]
    if flags & low:
        words.append("LB")
    if not flags & (no_avr if no_avr is not None else on_battery | test):
        if st.o_volt < 0.5 * st.i_volt:
            pass  # too low to say
        elif st.o_volt < 0.95 * st.i_volt:
            words.append("TRIM")
        elif st.o_volt < 1.05 * st.i_volt:
            pass
        elif st.o_volt < 1.5 * st.i_volt:
            words.append("BOOST")
    if flags & test:
        words.append("TEST")
    if flags == 0:
        words.append("OFF")
    return words
