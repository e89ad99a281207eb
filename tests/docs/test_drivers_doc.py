"""docs/drivers.md names every driver kind and every option and flag the drivers read."""

from __future__ import annotations

import re
from pathlib import Path

from nutrio.drivers_ctl import format_kinds

DOC = (Path(__file__).resolve().parents[2] / "docs" / "drivers.md").read_text()


def _names(line: str) -> set[str]:
    kind, _, rest = line.partition(": ")
    rest = re.sub(r"\([^)]*\)", "", rest)  # value lists like (v1|v2c|v3)
    rest = rest.replace("as a repeater", "").replace("flags:", ",").replace(";", ",")
    words = {w.strip() for w in rest.split(",")}
    return {w for w in words if re.fullmatch(r"[A-Za-z_]+", w)} - {"as", "NUT"}


def test_every_driver_kind_has_a_section() -> None:
    for line in format_kinds().splitlines():
        kind = line.split(":")[0]
        assert re.search(rf"^## .*\b{re.escape(kind)}\b", DOC, re.M), kind


def test_every_option_and_flag_is_documented() -> None:
    missing = {
        (line.split(":")[0], name)
        for line in format_kinds().splitlines()
        for name in _names(line)
        if f"`{name}`" not in DOC
    }
    assert not missing, f"not in docs/drivers.md: {sorted(missing)}"
