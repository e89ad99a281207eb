"""A Voltronic Power UPS (nutdrv_qx protocol "voltronic") on a pseudo-terminal.

Its values are those of the NUT Device Dump Library's FSP Fortron UPS Champ
1000 VA Tower (nutdrv_qx 2.8.0, Voltronic 0.06, protocol P01), replies in the
formats drivers/nutdrv_qx_voltronic.c documents. It confirms commands with
"(ACK", refuses what it does not know with "(NAK", and acts on the commands
and settings nutdrv_qx sends (beeper, tests, shutdowns, capabilities, ECO
limits, battery packs). ``protocol`` picks another P-number (P31 adds
battery type and grid range; P10 three phases).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.megatec_sim import MegatecSim, Reply

__all__ = ["VoltronicSim"]


@dataclass
class VoltronicSim(MegatecSim):
    input_voltage: float = 214.3
    output_voltage: float = 229.9
    load: int | None = 0
    frequency: float = 50.0
    battery_voltage: float = 27.2
    temperature: float | None = 28.5
    command_reply: str = "(ACK"
    refusal: str = "(NAK\r"
    protocol: int = 1
    charge: int = 100
    runtime_minutes: int = 374
    packs: int = 1
    #: QFLAG letters, enabled and disabled
    enabled: str = "pasrcf"
    disabled: str = "begovw"
    eco: tuple[str, str] = ("242", "210")
    eco_frequency: tuple[str, str] = ("53.0", "47.0")
    warnings: list[str] = field(default_factory=lambda: ["0"] * 64)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.bits["line_interactive"] = False

    # -- replies ------------------------------------------------------------------

    def qgs(self) -> str:
        b = self.bits
        flags = "10" + "".join("1" if b[name] else "0" for name in (
            "utility_fail", "battery_low", "bypass_boost_buck", "ups_failed"))
        flags += "0" + ("1" if b["test_in_progress"] else "0") + ("1" if b["shutdown_active"] else "0")
        flags += ("0" if b["beeper_on"] else "1") + "01"
        return (f"({self.input_voltage:05.1f} {self.frequency:04.1f} {self.output_voltage:05.1f} "
                f"{self.frequency:04.1f} 000.0 {self.load or 0:03d} 369.1 ---.- "
                f"{self.battery_voltage:05.1f} ---.- {self.temperature or 0:05.1f} {flags}\r")

    def replies(self) -> dict[str, Reply]:
        model = "(#######WPHVT1K0 ###1000 90 1/1 230 230 02 12.0\r"
        replies: dict[str, Reply] = {
            "QGS": self.qgs,
            "QPI": lambda: f"(PI{self.protocol:02d}\r",
            "QRI": lambda: "(230.0 004 024.0 50.0\r",
            "QMD": lambda: model,
            "F": lambda: "#230.0 004 024.0 50.0\r",
            "QVFW": lambda: "(VERFW:01060.07\r",
            "QID": lambda: "(00000000000000\r",
            "QMOD": lambda: "(B\r" if self.bits["utility_fail"] else "(L\r",
            "QWS": lambda: "(" + "".join(self.warnings) + "\r",
            "QBV": lambda: f"({self.battery_voltage:05.1f} 02 {self.packs:02d} {self.charge:03d} "
                           f"{self.runtime_minutes:03d}\r",
            "QLDL": lambda: "(000 000\r",
            "QFLAG": lambda: f"(E{self.enabled}D{self.disabled}\r",
            "QHE": lambda: f"({self.eco[0]} {self.eco[1]}\r",
            "QFRE": lambda: f"({self.eco_frequency[0]} {self.eco_frequency[1]}\r",
            "QBYV": lambda: "(264 170\r",
            "QBYF": lambda: "(53.0 47.0\r",
            "QPD": lambda: "(000 000\r",
        }  # fmt: skip
        if "j" in self.enabled:  # switchable outlets
            for n in range(1, 5):
                replies[f"QSK{n}"] = lambda: "(1\r"
                replies[f"QSKT{n}"] = lambda: "(005\r"
        if self.protocol == 31:
            replies.update(QBT=lambda: "(01\r", QGR=lambda: "(01\r")
        if self.protocol == 10:
            replies.update({
                "Q3PV": lambda: "(230.1 230.2 230.3 398.5 398.6 398.7\r",
                "Q3OV": lambda: "(229.1 229.2 229.3 396.8 396.9 397.0\r",
                "Q3PC": lambda: "(001 002 003\r", "Q3OC": lambda: "(004 005 006\r",
                "Q3LD": lambda: "(010 011 012\r",
                "Q3YV": lambda: "(230.5 230.6 230.7 399.1 399.2 399.3\r",
            })  # fmt: skip
        return replies

    # -- power state ------------------------------------------------------------------

    def on_battery(self) -> None:
        super().on_battery()
        self.charge, self.runtime_minutes = 80, 200

    def low_battery(self) -> None:
        super().low_battery()
        self.charge, self.runtime_minutes = 20, 40
        self.warnings[7] = "1"

    def on_line(self) -> None:
        super().on_line()
        self.charge, self.runtime_minutes = 100, 374
        self.warnings[7] = "0"

    # -- commands ---------------------------------------------------------------------

    def _flag(self, letter: str, on: bool) -> None:
        self.enabled = self.enabled.replace(letter, "") + (letter if on else "")
        self.disabled = self.disabled.replace(letter, "") + ("" if on else letter)

    def _act(self, request: str) -> bool:
        fixed = {"SOFF": None, "SON": None, "CS": ("shutdown_active", False),
                 "CT": ("test_in_progress", False), "TL": ("test_in_progress", True),
                 "T": ("test_in_progress", True), "BZOFF": ("beeper_on", False),
                 "BZON": ("beeper_on", True)}  # fmt: skip
        if request in fixed:
            change = fixed[request]
            if change is not None:
                self.bits[change[0]] = change[1]
            return True
        if len(request) == 3 and request[0] == "P" and request[1] in "ED":
            self._flag(request[2].lower(), request[1] == "E")
            return True
        for prefix, apply in (("HEH", lambda v: setattr(self, "eco", (v, self.eco[1]))),
                              ("HEL", lambda v: setattr(self, "eco", (self.eco[0], v))),
                              ("FREH", lambda v: setattr(self, "eco_frequency", (v, self.eco_frequency[1]))),
                              ("FREL", lambda v: setattr(self, "eco_frequency", (self.eco_frequency[0], v))),
                              ("BATGN", lambda v: setattr(self, "packs", int(v)))):  # fmt: skip
            if request.startswith(prefix) and request[len(prefix):].replace(".", "").isdigit():
                apply(request[len(prefix):])
                return True
        if request[:1] == "T" and request[1:].replace(".", "", 1).isdigit():
            self.bits["test_in_progress"] = True
            return True
        if request[:1] == "S" and request[1:2] in ".0123456789":
            self.bits["shutdown_active"] = True
            return True
        return request.startswith(("PSK", "SKON", "SKOFF", "W0E", "PBT", "PGR", "PPD", "BATN"))
