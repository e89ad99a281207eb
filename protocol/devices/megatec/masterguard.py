"""nutdrv_qx's "masterguard" protocol as NUT 2.8.0 ships it (Masterguard 0.02): it never claims.

Its claim first looks up the items "series" and "output_voltages", which the
2.8.0 table names "experimental.series" and "experimental.output_voltages";
the lookup fails before anything is sent, so every Masterguard UPS gets
"Device not supported!" (fixed in NUT 2.8.1). nutrio does the same, checked
against the real binary (tests/drivers/test_qx_other.py); the protocol's
ups.conf settings are still known, as NUT declares them.
"""

from __future__ import annotations

from nutrio.protocol.devices.megatec.qx_item import Exchange, Item, Subdriver
from nutrio.protocol.devices.megatec.qx_session import Session

__all__ = ["MASTERGUARD"]


def _claim(s: Session) -> Exchange[bool]:
    """masterguard_claim of 2.8.0: fails without a word to the UPS."""
    return False
    yield b""  # a generator, like every claim  # pragma: no cover


def _table() -> list[Item]:
    return []


MASTERGUARD = Subdriver(
    version="Masterguard 0.02", claim=_claim, table=_table,
    values=frozenset({
        "series", "slave_address", "input_fault_voltage", "number_of_battery_cells",
        "nominal_cell_voltage", "runtime_half", "runtime_full", "recharge_time",
        "output_voltages", "fault_1", "fault_2", "fault_3", "fault_4", "fault_5",
    }),
)
