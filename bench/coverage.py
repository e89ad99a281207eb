"""How much of the NUT Device Dump Library nutrio drives, by `nutrio drivers supported`.

    python bench/coverage.py [--missing N]

A dump counts when its driver is one nutrio has (by its NUT name, or an old NUT name
the driver answers to; a hand-written dump's "usbhid_ups" is usbhid-ups) and, where the dump names a variant in `driver.version.data`
("APC HID 0.95", "Megatec 0.07", "apcc MIB 1.2"), that variant is one nutrio lists for
the driver (compared by name, without the version number), or a name that variant
was published under before (NUT renamed "Belkin HID" to "Belkin/Liebert HID"), or
the dump's USB id is in one of the driver's id tables (the driver picks its variant by
that id: a 2.6 dump of a device a 2.8 subdriver claims). Prints the share, then
the uncovered dumps grouped by (driver, variant), largest first.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nutrio.actors.drivers.support import DriverSupport, supported  # noqa: E402
from tests.paths import DATA  # noqa: E402

INDEX = DATA / "ddl-index.tsv"
_VERSION = re.compile(r"\s+(v?\d[\w.\-]*)(\s+\(experimental\))?$")


@dataclass(frozen=True, slots=True)
class Dump:
    file: str
    driver: str
    variant: str  # driver.version.data without its version number ("" if none)
    usb_id: str = ""  # "vvvv:pppp" when the dump has both ids


def variant_name(version_data: str) -> str:
    """"APC HID 0.95" -> "APC HID"; "TrippLite HID 0.1 (experimental)" -> "TrippLite HID"."""
    return _VERSION.sub("", version_data.strip())


def read_dumps(index: Path = INDEX) -> list[Dump]:
    with index.open(newline="") as f:
        rows = csv.DictReader(f, delimiter="\t")
        return [Dump(r["file"], r["driver"].lstrip("_"), variant_name(r["driver.version.data"]),
                     _usb_id(r["vendorid"], r["productid"]))
                for r in rows]


def _usb_id(vendor: str, product: str) -> str:
    if re.fullmatch(r"[0-9a-fA-F]{4}", vendor) and re.fullmatch(r"[0-9a-fA-F]{4}", product):
        return f"{vendor}:{product}".lower()
    return ""


def covered(dump: Dump, drivers: tuple[DriverSupport, ...]) -> bool:
    for driver in drivers:
        if _shape(dump.driver) not in map(_shape, (driver.name, *driver.also)):
            continue
        if not dump.variant or not driver.variants:
            return True
        if any(dump.variant in (v.version_data, *v.formerly) for v in driver.variants):
            return True
        if dump.usb_id and any(dump.usb_id in v.usb_ids for v in driver.variants):
            return True
    return False


def _shape(driver: str) -> str:
    """Some dumps were written by hand with - for _ or the reverse ("usbhid_ups",
    "nutdrv-qx"): no NUT binary has such a name, the device is the named driver's."""
    return driver.replace("_", "-")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--missing", type=int, default=25, help="uncovered groups to list")
    ns = parser.parse_args()
    dumps = read_dumps()
    drivers = supported()
    missing = [d for d in dumps if not covered(d, drivers)]
    share = 1 - len(missing) / len(dumps)
    print(f"{len(dumps) - len(missing)} of {len(dumps)} dumps covered ({share:.1%})")
    groups = Counter((d.driver, d.variant) for d in missing)
    for (driver, variant), count in groups.most_common(ns.missing):
        print(f"  {count:4d}  {driver}  {variant or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
