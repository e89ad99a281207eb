""":class:`RielloData` as the NUT variables and status words riello_ser and riello_usb
serve (NUT 2.8.0's upsdrv_initinfo and upsdrv_updateinfo, which the two share).

The phases come from the identification's first byte, as NUT reads it: the
input is single phase for '1' and '2', the output for '1' and '3'.
"""

from __future__ import annotations

from dataclasses import dataclass

from nutrio.protocol.devices.riello.gpser import RielloData, bit

__all__ = ["INSTANT_COMMANDS", "MFR", "Phases", "identity_vars", "nominal_vars",
           "on_battery", "status_words", "update_vars"]

MFR = "RPS S.p.a."
#: every unit gets these (test.panel.start only GPSER ones)
INSTANT_COMMANDS = ("load.off", "load.on", "load.off.delay", "load.on.delay",
                    "shutdown.return", "shutdown.stop", "test.battery.start")


@dataclass(frozen=True, slots=True)
class Phases:
    """Whether input and output are single phase."""

    input_mono: bool
    output_mono: bool

    @classmethod
    def of(cls, data: RielloData) -> Phases:
        kind = data.ident_bytes[0]
        return cls(input_mono=kind in b"12", output_mono=kind in b"13")

    def phase_vars(self) -> dict[str, str]:
        found = {} if self.input_mono else {"input.phases": "3", "input.bypass.phases": "3"}
        if not self.output_mono:
            found["output.phases"] = "3"
        return found


def _text(raw: bytes) -> str:
    return raw.decode("latin-1")


def identity_vars(data: RielloData) -> dict[str, str]:
    """Who the unit is (set once, after the identification)."""
    model, serial = _text(data.model_str), _text(data.ident)
    return {"device.mfr": MFR, "device.model": model, "device.serial": serial,
            "device.type": "ups", "ups.mfr": MFR, "ups.model": model, "ups.serial": serial,
            "ups.firmware": _text(data.version)}


def nominal_vars(data: RielloData) -> dict[str, str]:
    """The ratings (set once, when the nominal request went well)."""
    return {"ups.realpower.nominal": str(data.nom_kw), "ups.power.nominal": str(data.nom_kva),
            "output.voltage.nominal": str(data.nom_uout),
            "output.frequency.nominal": f"{data.nom_fout / 10.0:.1f}",
            "battery.voltage.nominal": str(data.nom_ubat),
            "battery.capacity": str(data.nom_bat_cap)}


def update_vars(data: RielloData, phases: Phases, extended: bool) -> dict[str, str]:
    """The readings of one update (the extended ones when that request went well)."""
    found = {"input.frequency": f"{data.finp / 10.0:.2f}",
             "input.bypass.frequency": f"{data.fbypass / 10.0:.2f}",
             "output.frequency": f"{data.fout / 10.0:.2f}",
             "battery.voltage": f"{data.ubat / 10.0:.1f}"}
    if data.bat_cap < 0xFFFF and data.bat_time < 0xFFFF:
        found["battery.charge"] = str(data.bat_cap)
        found["battery.runtime"] = str(data.bat_time * 60)
    if data.tsystem < 0xFF:
        found["ups.temperature"] = str(data.tsystem)
    if phases.input_mono:
        found["input.voltage"] = str(data.uinp[0])
        found["input.bypass.voltage"] = str(data.ubypass[0])
    else:
        for n in range(3):
            found[f"input.L{n + 1}-N.voltage"] = str(data.uinp[n])
            found[f"input.bypass.L{n + 1}-N.voltage"] = str(data.ubypass[n])
    if phases.output_mono:
        found["output.voltage"] = str(data.uout[0])
        found["output.power.percent"] = str(data.pout[0])
        found["ups.load"] = str(data.pout[0])
    else:
        for n in range(3):
            found[f"output.L{n + 1}-N.voltage"] = str(data.uout[n])
            found[f"output.L{n + 1}.power.percent"] = str(data.pout[n])
        found["ups.load"] = str(sum(data.pout) // 3)
    if extended:
        for n in range(3):
            found[f"output.L{n + 1}.power"] = str(data.pout_va[n])
            found[f"output.L{n + 1}.realpower"] = str(data.pout_w[n])
            found[f"output.L{n + 1}.current"] = str(data.iout[n])
    return found


#: (status byte, bit, word) in the order NUT sets them, after OL/OB
_WORDS = ((1, 3, "BYPASS"), (4, 2, "OVER"), (1, 0, "TRIM"), (1, 1, "BOOST"), (2, 0, "RB"),
          (2, 2, "CHRG"))


def on_battery(data: RielloData) -> bool:
    """The mains failed (status byte 0, bit 1): NUT's test before each command."""
    return bit(data.status, 1)


def status_words(data: RielloData) -> list[str]:
    """ups.status, word by word."""
    code = data.status
    words = ["OB" if on_battery(data) else "OL"]
    if on_battery(data) and bit(code, 0):
        words.append("LB")
    if not bit(code, 3):
        words.append("OFF")
    words += [word for byte, number, word in _WORDS if bit(code[byte:], number)]
    return words
