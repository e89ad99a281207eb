"""The lab's fixtures for the tests of this folder (see fixtures.py)."""

import sys
from pathlib import Path

from tests.usblab.fixtures import usblab, usblab_library

# the serial-side simulators (sim.megatec_sim) import their siblings as ``sim.*``
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "drivers"))

__all__ = ["usblab", "usblab_library"]
