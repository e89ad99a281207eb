"""Belkin's smart protocol: ``~00P003STA`` asks, ``~00D<count><fields>`` answers.

A request is ``~00``, a kind letter (``P`` to read, ``S`` to act), three digits of
length, a three-letter code and its data. An answer starts with a seven-byte header
whose last three digits count the bytes after it (``~00R000``: nothing); its fields
are separated by ``;``. NUT reads a field into one buffer it reuses: when a reply has
fewer fields than asked, the buffer keeps the field read before (:class:`Fields`).
"""

from __future__ import annotations

from nutrio.protocol.common.cnum import c_atoi, c_strtod

__all__ = ["COMMANDS", "LOW_BATTERY", "Fields", "read_battery", "read_input", "read_output",
           "read_rating", "read_status", "request", "test_result"]

#: the charge (percent) under which NUT's belkin says LB: the unit's own flag comes
#: only ten seconds before it stops
LOW_BATTERY = 20
COMMANDS = ("beeper.disable", "beeper.enable", "load.off", "load.on", "test.battery.start.quick",
            "test.battery.start.deep", "test.battery.stop")
_TESTS = {"0": "No test performed", "1": "Passed", "2": "In progress", "3": "10s test failed",
          "4": "10s test failed", "5": "deep test failed", "6": "Aborted"}


def request(kind: str, code: str, data: str = "") -> bytes:
    """send_belkin_command's bytes."""
    return f"~00{kind}{len(data) + 3:03d}{code}{data}".encode("latin-1")


class Fields:
    """get_belkin_field with NUT's reused buffer: ``field(n)`` is the n-th field (from 1),
    or whatever the buffer held when the reply has fewer."""

    def __init__(self) -> None:
        self.buffer = ""

    def field(self, reply: str, number: int) -> str:
        parts = reply.split(";")
        if number <= len(parts):
            self.buffer = parts[number - 1]
        return self.buffer

    def first(self, reply: str, number: int) -> str:
        """The field's first character ("" for an empty one)."""
        return self.field(reply, number)[:1]


def read_status(fields: Fields, reply: str) -> tuple[list[str], str]:
    """STA: the status words so far (OFF, OB or OL) and ups.beeper.status."""
    words = ["OFF"] if fields.first(reply, 6) == "1" else []
    words.append("OB" if fields.first(reply, 2) == "1" else "OL")
    beeper = "disabled" if fields.first(reply, 16) == "0" else "enabled"
    return words, beeper


def read_battery(fields: Fields, reply: str) -> tuple[bool, dict[str, str]]:
    """STB: whether the battery is low, and the battery variables."""
    charge = c_atoi(fields.field(reply, 10))
    low = fields.first(reply, 2) == "1" or charge < LOW_BATTERY
    values = {"battery.charge.low": str(LOW_BATTERY),
              "battery.charge": f"{c_strtod(fields.field(reply, 10)):.0f}",
              "battery.temperature": f"{c_strtod(fields.field(reply, 9)):.0f}",
              "battery.voltage": f"{c_strtod(fields.field(reply, 7)) / 10:.1f}",
              "ups.temperature": f"{c_strtod(fields.field(reply, 9)):.0f}"}
    return low, values


def read_input(fields: Fields, reply: str) -> dict[str, str]:
    """STI: input volts and frequency (tenths)."""
    return {"input.voltage": f"{c_strtod(fields.field(reply, 3)) / 10:.1f}",
            "input.frequency": f"{c_strtod(fields.field(reply, 2)) / 10:.1f}"}


def read_output(fields: Fields, reply: str) -> dict[str, str]:
    """STO: output frequency and volts (tenths), and the load."""
    return {"output.frequency": f"{c_strtod(fields.field(reply, 2)) / 10:.1f}",
            "output.voltage": f"{c_strtod(fields.field(reply, 4)) / 10:.1f}",
            "ups.load": f"{c_strtod(fields.field(reply, 7)):.0f}"}


def test_result(fields: Fields, reply: str) -> str | None:
    """TSR: ups.test.result, None for a code NUT does not know."""
    return _TESTS.get(fields.first(reply, 1))


def read_rating(fields: Fields, reply: str) -> dict[str, str]:
    """RAT: the transfer points, as NUT works them out from fields 8 and 9."""
    return {"input.transfer.low": f"{c_strtod(fields.field(reply, 8)) / 0.88:.0f}",
            "input.transfer.high": f"{c_strtod(fields.field(reply, 9)) * 0.88:.0f}"}
