"""SHUT UPSes shaped after the mge-shut dumps of ../shared/data/ddl/ (NUT 2.6.5 and
2.7.2, the MGE HID table): HID units built by tests/usblab/dumpsim.py from a dump and
NUT 2.8.0's MGE table, to put behind tests/drivers/sim/shut_sim.py."""

from __future__ import annotations

from collections.abc import Callable

from nutrio.protocol.devices.hid import MGE
from nutrio.protocol.devices.hid.mge import MODELS
from tests.usblab.dumpsim import DumpSim, spec_from_dump
from tests.usblab.hidups import Field, SimUps, build

__all__ = ["UNITS", "readable_by_nut_2_8_0", "unit"]

#: name -> the dump it follows
UNITS = {
    "eaton-9px-2000": "Eaton__Eaton__9PX_2000_RT__mge-shut__2.7.2__01.dev",
    "mge-pulsar-1500": "MGE_UPS_SYSTEMS__MGE_UPS_SYSTEMS__Pulsar_1500__mge-shut__2.6.5__01.dev",
    "mge-ellipse-premium-800":
        "MGE_UPS_SYSTEMS__MGE_UPS_SYSTEMS__Pulsar_Ellipse_Premium_800__newmge-shut__2.6.1__02.dev",
}


def _names(sim: DumpSim) -> None:
    """An MGE unit names itself by iProduct and iModel (a string the table points to):
    the pair that makes the dump's model name."""
    name = sim.dump["ups.model"]
    found = next(((p, m) for p, m, _, n in MODELS if n == name), None)
    product, model = found or tuple(name.rsplit(" ", 1))
    sim.spec.strings[sim.spec.product_index] = product
    index = max(sim.spec.strings) + 1
    sim.spec.strings[index] = model
    sim.spec.fields.append(Field("UPS.PowerSummary.iModel", index, 8, (0, 255)))


def readable_by_nut_2_8_0(ups: SimUps) -> SimUps:
    """Pad the report descriptor to a length whose two bytes are equal.

    NUT 2.8.0's libshut reads the descriptor length from the HID descriptor as its
    low byte twice (it stores the low byte into the struct field that overlays the
    high byte first; fixed in 2.8.1, NUT issue #2022), and then wants exactly that
    many bytes: only a unit whose length is a multiple of 257 opens. The padding is
    1-byte Usage Page items after the last collection, which use nothing.
    """
    length = len(ups.report_descriptor)
    ups.report_descriptor += b"\x04" * (-length % 257)
    return ups


def unit(name: str, *, pad: bool = True) -> tuple[DumpSim, Callable[[], SimUps]]:
    """The dump-shaped spec and a maker of fresh units of it (padded for NUT 2.8.0
    unless ``pad`` is False)."""
    sim = spec_from_dump(UNITS[name], MGE)
    _names(sim)
    if pad:
        return sim, lambda: readable_by_nut_2_8_0(build(sim.spec))
    return sim, lambda: build(sim.spec)
