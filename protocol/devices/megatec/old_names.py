"""ups.conf driver names NUT retired in favour of nutdrv_qx protocols, and their options.

NUT 2.2 folded mustek, powermust and fentonups into its megatec driver (all
three spoke Q1/F/I); NUT 2.6 replaced megatec with blazer_ser, whose
successor is nutdrv_qx's megatec protocol; NUT 2.7.3 superseded bestups
with nutdrv_qx's bestups protocol (2.8.0 still ships the old bestups
binary, marked obsolete); megatec_usb (NUT 2.2 to 2.4, megatec over USB
bridges) became blazer_usb, then nutdrv_qx over USB. nutrio runs each of
these names as nutdrv_qx with that protocol (on USB for megatec_usb), and
moves the old drivers' own options to nutdrv_qx's nearest equivalent
(:func:`translate`); both ``nutrio conf import`` and the driver catalog use
this table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from nutrio.protocol.common.cnum import c_atoi

__all__ = ["OLD_DRIVERS", "OldDriver", "OptionMove", "translate"]


@dataclass(frozen=True, slots=True)
class OldDriver:
    """A retired driver name: the nutdrv_qx protocol its devices moved to, and why."""

    name: str
    protocol: str
    history: str
    #: the old driver's own options: name -> how it moves
    options: Mapping[str, Callable[[str], tuple[tuple[str, str], ...]]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    #: a USB driver: nutdrv_qx must take the device on USB (``port = auto``)
    usb: bool = False

    @property
    def replacement(self) -> str:
        return f"nutdrv_qx (protocol {self.protocol})"


@dataclass(frozen=True, slots=True)
class OptionMove:
    """What became of one option: status as the importer reports it, and the new settings."""

    option: str
    status: str  # "converted" | "approximated" | "unsupported"
    settings: tuple[tuple[str, str], ...]
    note: str = ""


def _minutes(option: str) -> Callable[[str], tuple[tuple[str, str], ...]]:
    return lambda value: ((option, str(60 * c_atoi(value))),)


def _to(option: str) -> Callable[[str], tuple[tuple[str, str], ...]]:
    return lambda value: ((option, value),)


def _battvolts(value: str) -> tuple[tuple[str, str], ...]:
    empty, _, full = value.partition(":")
    if not full:
        return ()
    return (("default.battery.voltage.low", empty), ("default.battery.voltage.high", full))


_MEGATEC_OPTIONS: Mapping[str, Callable[[str], tuple[tuple[str, str], ...]]] = MappingProxyType({
    "mfr": _to("override.device.mfr"),
    "model": _to("override.device.model"),
    "serial": _to("override.device.serial"),
    "ondelay": _minutes("ondelay"),
    "offdelay": _minutes("offdelay"),
    "battvolts": _battvolts,
    "battvoltmult": _to("default.battery.packs"),
    "lowbatt": lambda value: (),
    "sendpace": lambda value: (),
})
_BESTUPS_OPTIONS: Mapping[str, Callable[[str], tuple[tuple[str, str], ...]]] = MappingProxyType({
    "nombattvolt": _to("default.battery.voltage.nominal"),
    "battvoltmult": _to("default.battery.packs"),
    "lowbattvolt": _to("default.battery.voltage.low"),
    "id": lambda value: (),
})
#: megatec_usb's bridges ("subdrivers") by nutdrv_qx's names: agiler was the Cypress chip
_MEGATEC_USB_BRIDGES = {"agiler": "cypress", "agiler-old": "cypress", "phoenix": "phoenix",
                        "krauler": "krauler"}  # fmt: skip


def _bridge(value: str) -> tuple[tuple[str, str], ...]:
    bridge = _MEGATEC_USB_BRIDGES.get(value.lower())
    return (("subdriver", bridge),) if bridge else ()


_MEGATEC_USB_OPTIONS: Mapping[str, Callable[[str], tuple[tuple[str, str], ...]]] = MappingProxyType(
    {**_MEGATEC_OPTIONS, "subdriver": _bridge})
_FOLDED = "folded into megatec in NUT 2.2, which NUT 2.6 replaced with blazer_ser and nutdrv_qx"

OLD_DRIVERS: Mapping[str, OldDriver] = MappingProxyType({
    "megatec": OldDriver("megatec", "megatec",
                         "replaced by blazer_ser in NUT 2.6, then by nutdrv_qx", _MEGATEC_OPTIONS),
    "mustek": OldDriver("mustek", "megatec", _FOLDED),
    "powermust": OldDriver("powermust", "megatec", _FOLDED),
    "fentonups": OldDriver("fentonups", "megatec", _FOLDED),
    "bestups": OldDriver("bestups", "bestups",
                         "superseded by nutdrv_qx's bestups protocol in NUT 2.7.3", _BESTUPS_OPTIONS),
    "megatec_usb": OldDriver("megatec_usb", "megatec",
                             "replaced by blazer_usb in NUT 2.6, then by nutdrv_qx over USB",
                             _MEGATEC_USB_OPTIONS, usb=True),
})  # fmt: skip


def translate(
    old: OldDriver, options: Mapping[str, str]
) -> tuple[dict[str, str], list[OptionMove]]:
    """nutdrv_qx's options for a device configured with ``old``, and what became of each.

    ``protocol`` is added unless the options name one already; options the old
    driver did not own pass through unchanged.
    """
    out: dict[str, str] = {}
    moves: list[OptionMove] = []
    for key, value in options.items():
        move = old.options.get(key.lower())
        if move is None:
            out[key] = value
            continue
        settings = move(value)
        if key.lower() == "subdriver" and settings and not {"vendorid", "productid"} <= {
                k.lower() for k in options}:
            note = "nutdrv_qx takes a bridge only with vendorid and productid: its table picks one"
            moves.append(OptionMove(key, "unsupported", (), note))
            continue
        if not settings:
            note = f"{old.name}'s option has no nutdrv_qx equivalent"
            moves.append(OptionMove(key, "unsupported", (), note))
            continue
        out.update(settings)
        targets = ", ".join(name for name, _ in settings)
        note = f"{old.name}'s option, now {targets}"
        if key.lower() == "subdriver":
            note = f"{old.name}'s bridge {value!r} is nutdrv_qx's {settings[0][1]!r}"
        if key.lower() in ("ondelay", "offdelay"):
            note += f" ({old.name} counted minutes, nutdrv_qx seconds)"
        moves.append(OptionMove(key, "approximated", settings, note))
    out.setdefault("protocol", old.protocol)
    return out, moves
