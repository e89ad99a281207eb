"""udev rules that let nutrio's USB drivers open the UPSes they claim, without root.

The rules come from the drivers' own tables (actors/drivers/support.py: each
variant's ``usb_ids``), so a subdriver added there is covered as soon as the
file is generated again: ``python -m nutrio.docs`` rewrites the shipped copy
(nutrio/data/62-nutrio-usb.rules, group ``nut``, mode 0660) and a test fails
when it drifts. ``nutrio install-service`` writes it to /etc/udev/rules.d (with
``--usb-group`` for another group), ``--dry-run`` prints it.

Only USB device nodes are matched (``/dev/bus/usb/BBB/DDD``, what libusb opens),
on add and change events; the number 62 runs them before the desktop's
``uaccess`` rules (73) so nothing later takes them back.
"""

from __future__ import annotations

import re
from pathlib import Path

from nutrio.actors.drivers.support import supported

__all__ = ["RULES_DIR", "RULES_NAME", "SHIPPED", "render_rules"]

RULES_NAME = "62-nutrio-usb.rules"
RULES_DIR = Path("/etc/udev/rules.d")
SHIPPED = Path(__file__).parent / "data" / RULES_NAME
_GROUP = re.compile(r"[a-z_][a-z0-9_-]*\$?")


def render_rules(group: str = "nut", mode: str = "0660") -> str:
    """The rules text: one line per vendor:product, under the driver and variants.

    Raises:
        ValueError: a group name udev would not accept as a plain name.
    """
    if not _GROUP.fullmatch(group):
        raise ValueError(f"not a group name: {group!r}")
    claims: dict[str, list[str]] = {}
    for driver in supported():
        for variant in driver.variants:
            for usb_id in variant.usb_ids:
                claims.setdefault(usb_id, []).append(f"{driver.name} {variant.name}")
    lines = [
        "# nutrio: USB UPSes its drivers claim become readable and writable by the",
        f"# group {group!r} (mode {mode}), so the driver need not run as root.",
        "# Generated from actors/drivers/support.py (`python -m nutrio.docs`);",
        "# `nutrio install-service` puts it in /etc/udev/rules.d/.",
        "",
        'ACTION!="add|change", GOTO="nutrio_usb_end"',
        'SUBSYSTEM!="usb", GOTO="nutrio_usb_end"',
        'ENV{DEVTYPE}!="usb_device", GOTO="nutrio_usb_end"',
        "",
    ]
    for usb_id in sorted(claims):
        vendor, product = usb_id.split(":")
        lines.append(f"# {', '.join(claims[usb_id])}")
        lines.append(f'ATTR{{idVendor}}=="{vendor}", ATTR{{idProduct}}=="{product}", '
                     f'MODE="{mode}", GROUP="{group}"')
    lines += ["", 'LABEL="nutrio_usb_end"', ""]
    return "\n".join(lines)
