"""The USB lab's fixtures for the scan tests."""

from tests.usblab.fixtures import usblab, usblab_library

__all__ = ["usblab", "usblab_library"]

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

# the serial-side simulators (sim.megatec_sim, sim.apcsmart_sim) import their siblings as sim.*
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "drivers"))
