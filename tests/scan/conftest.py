"""The USB lab's fixtures for the scan tests."""

from tests.usblab.fixtures import usblab, usblab_library

__all__ = ["usblab", "usblab_library"]

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

# the serial-side simulators (sim.megatec_sim, sim.apcsmart_sim) import their siblings as sim.*
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "drivers"))

from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

from tests.scan.agents import snmp_agents  # noqa: E402


@pytest.fixture(scope="session")
def agents(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The five SNMP agents of tests/scan/agents.py, shared: address -> expected MIB."""
    with snmp_agents(tmp_path_factory.mktemp("agents")) as expected:
        yield expected
