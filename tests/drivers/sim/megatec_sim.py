"""A Megatec/Q1 UPS on a pseudo-terminal, as seen from its serial port.

It answers ``Q1``, ``F`` and ``I`` like the units NUT's nutdrv_qx megatec
subdriver documents, stays silent after instant commands (as real Megatec
units do) and acts on them (beeper toggle, battery test, shutdown), and
echoes any other line back, as Megatec units do with what they do not know
(so nutdrv_qx's probing of other protocols fails fast, as on hardware). Tests
steer it at run time: :meth:`MegatecSim.on_battery`, :meth:`low_battery`,
:meth:`on_line`, and ``mode`` = "normal" | "silent" | "garbage" | "partial".
Every request line it received is kept in ``received``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sim.pty import PtyPair, serving

__all__ = ["BIT_ORDER", "PROBES", "MegatecSim", "Reply", "megatec_sim"]

#: what nutdrv_qx asks while probing for its protocols
PROBES = frozenset({"QGS", "QPI", "M", "QS", "D", "Q1", "ID", "I", "FW?"})

#: a query's reply: text (one byte per character) or raw bytes
Reply = Callable[[], "str | bytes"]

BIT_ORDER = (
    "utility_fail", "battery_low", "bypass_boost_buck", "ups_failed",
    "line_interactive", "test_in_progress", "shutdown_active", "beeper_on",
)


@dataclass
class MegatecSim:
    """The device's state; change fields freely between polls."""

    input_voltage: float = 230.4
    fault_voltage: float = 195.0
    output_voltage: float = 230.4
    #: None: the UPS sends "---"
    load: int | None = 14
    frequency: float = 50.0
    battery_voltage: float = 27.0
    #: None: the UPS has no sensor and sends "--.-"
    temperature: float | None = 30.0
    bits: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(BIT_ORDER, False))
    rating: str = "#230.0 004 024.0 50.0\r"
    mfr: str = "SimuPower"
    model: str = "SP-1000"
    firmware: str = "VT12046Q"
    #: "normal", "silent" (no answer), "garbage" (nonsense lines), "partial" (no CR)
    mode: str = "normal"
    #: answer commands by echoing them back (a UPS refusing them)
    echo_commands: bool = False
    #: "ACK" to answer commands the way some models confirm them
    command_reply: str = ""
    #: the reply to a line the UPS does not know ("": the line echoed back)
    refusal: str = ""
    received: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bits["line_interactive"] = True
        self.bits["beeper_on"] = True
        self.line_values = (self.input_voltage, self.fault_voltage, self.battery_voltage)

    # -- what tests call ------------------------------------------------------

    def on_battery(self) -> None:
        """Mains gone: no input, the battery a little under its float voltage."""
        self.bits["utility_fail"] = True
        self.input_voltage = 0.0
        self.fault_voltage = 0.0
        self.battery_voltage = round(self.line_values[2] * 24.6 / 27.0, 2)

    def low_battery(self) -> None:
        self.on_battery()
        self.bits["battery_low"] = True
        self.battery_voltage = round(self.line_values[2] * 21.6 / 27.0, 2)

    def on_line(self) -> None:
        self.bits["utility_fail"] = False
        self.bits["battery_low"] = False
        self.input_voltage, self.fault_voltage, self.battery_voltage = self.line_values

    def commands(self) -> list[bytes]:
        """Received lines other than this UPS's queries and nutdrv_qx's probes of other protocols."""
        queries = {f"{query}\r".encode() for query in (*self.replies(), *PROBES)}
        return [line for line in self.received if line not in queries]

    # -- the protocol -----------------------------------------------------------

    def status_bits(self) -> str:
        return "".join("1" if self.bits[name] else "0" for name in BIT_ORDER)

    def q1(self) -> str:
        battery = f"{self.battery_voltage:4.2f}" if self.battery_voltage < 10 else f"{self.battery_voltage:4.1f}"
        temperature = "--.-" if self.temperature is None else f"{self.temperature:04.1f}"
        return (
            f"({self.input_voltage:05.1f} {self.fault_voltage:05.1f} {self.output_voltage:05.1f} "
            f"{'---' if self.load is None else f'{self.load:03d}'} {self.frequency:04.1f} {battery} "
            f"{temperature} {self.status_bits()}\r"
        )

    def info(self) -> str:
        return f"#{self.mfr:<15.15} {self.model:<10.10} {self.firmware:<10.10}\r"

    def replies(self) -> dict[str, Reply]:
        """Query (without its CR) -> its reply; subclasses speak other protocols."""
        return {"Q1": self.q1, "F": lambda: self.rating, "I": self.info}

    def answer(self, line: bytes) -> bytes:
        """What the UPS sends back for one request line (CR included)."""
        self.received.append(line)
        request = line.rstrip(b"\r").decode("latin-1")
        if self.mode == "silent":
            return b""
        reply = self.replies().get(request)
        if reply is not None:
            text = reply()
            data = text if isinstance(text, bytes) else text.encode("latin-1")
            if self.mode == "garbage":
                return b"(\x00\xffgarbage " + b"#" * 40 + b"\r"
            if self.mode == "partial":
                return data[:20]
            return data
        if not self._act(request):
            return self.refusal.encode("latin-1") if self.refusal else line
        if self.echo_commands:
            return line
        return (self.command_reply + "\r").encode() if self.command_reply else b""

    def _act(self, request: str) -> bool:
        """Carry out an instant command; False for a line that is none."""
        if request == "Q":
            self.bits["beeper_on"] = not self.bits["beeper_on"]
        elif request == "CT":
            self.bits["test_in_progress"] = False
        elif request == "C":
            self.bits["shutdown_active"] = False
        elif _is_test(request):
            self.bits["test_in_progress"] = True
        elif _is_shutdown(request):
            self.bits["shutdown_active"] = True
        else:
            return False
        return True

    async def serve(self, pty: PtyPair) -> None:
        """Answer request lines on the master side until cancelled."""
        buffer = b""
        while True:
            chunk = await pty.master.receive_some(256)
            if not chunk:
                return
            buffer += chunk
            while b"\r" in buffer:
                line, buffer = buffer.split(b"\r", 1)
                reply = self.answer(line + b"\r")
                if reply:
                    await pty.master.send_all(reply)


def _is_test(request: str) -> bool:
    """T, TL, Tnn or T.n."""
    return request in ("T", "TL") or (request[:1] == "T" and request[1:].replace(".", "", 1).isdigit())


def _is_shutdown(request: str) -> bool:
    """Sn or SnRm (n: .2 to .9 or 01 to 99; m: 0000 to 9999)."""
    delay, _, wake = request[1:].partition("R")
    return (
        request[:1] == "S" and bool(delay) and delay.replace(".", "", 1).isdigit()
        and (not wake or wake.isdigit())
    )


def megatec_sim(**kw: object) -> AbstractAsyncContextManager[tuple[MegatecSim, str]]:
    """A running simulator and the tty path a driver opens."""
    return serving(MegatecSim(**kw))  # type: ignore[arg-type]
