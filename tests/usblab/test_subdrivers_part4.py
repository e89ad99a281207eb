"""usbhid-ups subdrivers side by side with the real driver, part 4 of the groups that
tests/usblab/subdriver_compare.py deals (one module per part: workers share them)."""

from __future__ import annotations

import pytest

from tests.usblab.server import UsbLab
from tests.usblab.subdriver_compare import MARKS, PARTS, compare_group

pytestmark = MARKS
#: the subdrivers this module compares
HERE = PARTS[3]


@pytest.mark.parametrize("group", HERE)
async def test_nutrio_and_the_real_usbhid_ups_drive_the_units_alike(usblab: UsbLab,
                                                                      group: str) -> None:
    await compare_group(usblab, group)
