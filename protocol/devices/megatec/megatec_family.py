"""The plain Megatec protocols of nutdrv_qx 2.8.0: megatec, megatec/old, mustek, zinto, hunnox, q1.

They share one shape (nutdrv_qx_megatec.c and its siblings):

    > Q1          < (MMM.M NNN.N PPP.P QQQ RR.R S.SS TT.T b7b6b5b4b3b2b1b0
    > F           < #MMM.M QQQ SS.SS RR.R            (ratings)
    > I           < #Company_Name    UPS_Model  Version    (vendor)

and differ only in the status query (Q1, D for megatec/old, QS for mustek),
the vendor query (FW? for zinto and hunnox), whether the claim asks the
vendor query too, hunnox's defaults and confirmation word, and q1, the
fallback, which asks neither ratings nor vendor.
"""

from __future__ import annotations

from nutrio.protocol.devices.megatec import blazer_common as bc
from collections.abc import Callable

from nutrio.protocol.devices.megatec.qx_item import (
    Claim,
    Item,
    Preprocess,
    Qx,
    Subdriver,
    item,
    rw_values,
)

__all__ = [
    "HUNNOX",
    "MEGATEC",
    "MEGATEC_OLD",
    "MUSTEK",
    "Q1",
    "ZINTO",
    "blazer_commands",
    "delay_items",
    "rating_items",
    "status_items",
    "vendor_items",
]

_VALUES = (
    ("input.voltage", 1, 5, "%.1f"),
    ("input.voltage.fault", 7, 11, "%.1f"),
    ("output.voltage", 13, 17, "%.1f"),
    ("ups.load", 19, 21, "%.0f"),
    ("input.frequency", 23, 26, "%.1f"),
    ("battery.voltage", 28, 31, "%.2f"),
    ("ups.temperature", 33, 36, "%.1f"),
)
#: (name, column, format, flags) of the eight status bits, in NUT's table order
_BITS = (
    ("ups.status", 38, None, Qx.QUICK_POLL),  # utility fail
    ("ups.status", 39, None, Qx.QUICK_POLL),  # battery low
    ("ups.status", 40, None, Qx.QUICK_POLL),  # bypass/boost or buck
    ("ups.alarm", 41, None, Qx(0)),  # UPS failed
    ("ups.type", 42, "%s", Qx.STATIC),
    ("ups.status", 43, None, Qx.QUICK_POLL),  # test in progress
    ("ups.status", 44, None, Qx.QUICK_POLL),  # shutdown active
    ("ups.beeper.status", 45, "%s", Qx(0)),
)


def status_items(query: str, *, lead: str = "(", values_flags: Qx = Qx(0)) -> list[Item]:
    """The seven values and eight status bits of a 47-byte Q1-style reply."""
    items = [item(name, query, 47, lead, (a, b), fmt, values_flags) for name, a, b, fmt in _VALUES]
    items += [
        item(name, query, 47, lead, (col, col), fmt, flags, bc.status_bits)
        for name, col, fmt, flags in _BITS
    ]
    return items


def rating_items(query: str = "F\r", *, prefix: str = "input") -> list[Item]:
    """The F reply: nominal voltage, current, battery voltage and frequency."""
    return [
        item(f"{prefix}.voltage.nominal", query, 22, "#", (1, 5), "%.0f", Qx.STATIC),
        item(f"{prefix}.current.nominal", query, 22, "#", (7, 9), "%.1f", Qx.STATIC),
        item("battery.voltage.nominal", query, 22, "#", (11, 15), "%.1f", Qx.STATIC),
        item(f"{prefix}.frequency.nominal", query, 22, "#", (17, 20), "%.0f", Qx.STATIC),
    ]


def vendor_items(query: str = "I\r") -> list[Item]:
    """The I reply: manufacturer, model and firmware, blanks and '#' trimmed."""
    trim = Qx.STATIC | Qx.TRIM
    return [
        item("device.mfr", query, 39, "#", (1, 15), "%s", trim),
        item("device.model", query, 39, "#", (17, 26), "%s", trim),
        item("ups.firmware", query, 39, "#", (28, 37), "%s", trim),
    ]


def blazer_commands(
    *, reply: tuple[int, str, tuple[int, int]] = (0, "", (0, 0)), load_off: str = "S00R0000\r"
) -> list[Item]:
    """Megatec's instant commands; ``reply`` is (length, lead, span) of a confirming reply."""
    length, lead, span = reply

    def cmd(name: str, command: str, pre: Preprocess | None = None) -> Item:
        return item(name, command, length, lead, span, None, Qx.CMD, pre)

    return [
        cmd("beeper.toggle", "Q\r"),
        cmd("load.off", load_off),
        cmd("load.on", "C\r"),
        cmd("shutdown.return", "S%s\r", bc.process_command),
        cmd("shutdown.stayoff", "S%sR0000\r", bc.process_command),
        cmd("shutdown.stop", "C\r"),
        cmd("test.battery.start", "T%02d\r", bc.process_command),
        cmd("test.battery.start.deep", "TL\r"),
        cmd("test.battery.start.quick", "T\r"),
        cmd("test.battery.stop", "CT\r"),
    ]


def delay_items(
    ondelay: str = "180",
    offdelay: str = "30",
    on_range: tuple[str, str] = ("0", "599940"),
    off_range: tuple[str, str] = ("12", "600"),
    setvar: Preprocess | None = bc.process_setvar,
) -> list[Item]:
    """ups.delay.start/shutdown: server-side settings with NUT's default and range."""
    flags = Qx.ABSENT | Qx.SETVAR | Qx.RANGE
    return [
        item("ups.delay.start", None, 0, "", (0, 0), ondelay, flags, setvar,
             rw=True, info_rw=rw_values(*on_range)),
        item("ups.delay.shutdown", None, 0, "", (0, 0), offdelay, flags, setvar,
             rw=True, info_rw=rw_values(*off_range)),
    ]  # fmt: skip


def _megatec_table() -> list[Item]:
    return [*status_items("Q1\r"), *rating_items(), *vendor_items(), *blazer_commands(),
            *delay_items()]  # fmt: skip


def _old_table() -> list[Item]:
    return [*status_items("D\r"), *rating_items(), *vendor_items(), *blazer_commands(),
            *delay_items()]  # fmt: skip


def _mustek_table() -> list[Item]:
    return [*status_items("QS\r"), *rating_items(), *vendor_items(), *blazer_commands(),
            *delay_items()]  # fmt: skip


def _zinto_table() -> list[Item]:
    return [*status_items("Q1\r"), *rating_items(), *vendor_items("FW?\r"), *blazer_commands(),
            *delay_items()]  # fmt: skip


def _hunnox_table() -> list[Item]:
    return [*status_items("Q1\r", values_flags=Qx.QUICK_POLL), *rating_items(),
            *vendor_items("FW?\r"), *blazer_commands(), *delay_items("0", "60")]  # fmt: skip


def _q1_table() -> list[Item]:
    return [*status_items("Q1\r"), *blazer_commands(), *delay_items()]


def _blazer(version: str, claim: Claim, table: Callable[[], list[Item]], *,
            light: bool = False, accepted: str = "ACK") -> Subdriver:  # fmt: skip
    return Subdriver(
        version=version, claim=claim, table=table,
        initups=bc.initups_light if light else bc.initups, accepted=accepted,
        flags=bc.BLAZER_FLAGS_LIGHT if light else bc.BLAZER_FLAGS,
    )


MEGATEC = _blazer("Megatec 0.06", bc.claim, _megatec_table)
MEGATEC_OLD = _blazer("Megatec/old 0.07", bc.claim_light, _old_table)
MUSTEK = _blazer("Mustek 0.07", bc.claim_light, _mustek_table)
ZINTO = _blazer("Zinto 0.06", bc.claim, _zinto_table)
HUNNOX = _blazer("Hunnox 0.01", bc.claim, _hunnox_table, accepted="UPS No Ack")
Q1 = _blazer("Q1 0.07", bc.claim_light, _q1_table, light=True)
