"""ups.conf driver names NUT retired for nutdrv_qx protocols: megatec, mustek, powermust,
fentonups and bestups run as nutdrv_qx with the protocol NUT moved them to.

Side by side (tests/drivers/qx_compare.py), a section naming the old driver
serves exactly what the real nutdrv_qx 2.8.0 serves for the section written
the modern way, and the driver says once, as a warning, what to write instead.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
from driver_helpers import Device
from qx_compare import Case, bench
from sim.megatec_sim import MegatecSim
from sim.qx_sims import BestupsSim
from sim.realdriver import have_driver
from structlog.testing import capture_logs

from nutrio.actors.drivers import make_driver
from nutrio.actors.drivers.megatec.renamed import RenamedQx
from nutrio.protocol.devices.megatec.old_names import OLD_DRIVERS


def section(driver: str, **options: str) -> Device:
    return Device(name="old", port="/dev/null", config_dir=Path("/tmp"), driver=driver,
                  options=MappingProxyType(options))  # fmt: skip


@pytest.mark.parametrize(("driver", "protocol"), [
    ("megatec", "megatec"), ("mustek", "megatec"), ("powermust", "megatec"),
    ("fentonups", "megatec"), ("bestups", "bestups"),
])
def test_each_retired_name_is_nutdrv_qx_with_one_warning_naming_it(driver: str, protocol: str) -> None:
    with capture_logs() as logs:
        made = make_driver(section(driver))
    assert isinstance(made, RenamedQx) and made.name == "nutdrv_qx"
    assert made.device.options["protocol"] == protocol
    assert [(e["log_level"], e["event"]) for e in logs] == [("warning", "driver.renamed")]
    assert logs[0]["use"] == "nutdrv_qx" and logs[0]["protocol"] == protocol
    assert logs[0]["driver"] == driver and logs[0]["history"] == OLD_DRIVERS[driver].history


def test_the_old_megatec_drivers_minutes_become_seconds() -> None:
    made = make_driver(section("megatec", ondelay="2", offdelay="1", mfr="Fenton"))
    assert dict(made.device.options) == {
        "ondelay": "120", "offdelay": "60", "override.device.mfr": "Fenton", "protocol": "megatec",
    }


CASES = [
    Case("fenton", MegatecSim, {"protocol": "megatec", "ondelay": "120", "offdelay": "60",
                                "override.device.mfr": "Fenton"},  # fmt: skip
         our_driver="megatec", our_options={"ondelay": "2", "offdelay": "1", "mfr": "Fenton"}),
    Case("mustek", MegatecSim, {"protocol": "megatec"}, our_driver="mustek", our_options={}),
    Case("best", BestupsSim, {"protocol": "bestups", "default.battery.voltage.nominal": "12"},
         our_driver="bestups", our_options={"nombattvolt": "12", "ID": "PR2"}),
]


@pytest.mark.e2e
@pytest.mark.realnut
@pytest.mark.skipif(not have_driver("nutdrv_qx"), reason="real NUT nutdrv_qx absent")
async def test_a_retired_name_serves_what_the_modern_section_serves_on_real_nut(nursery) -> None:
    async with bench(nursery, CASES) as b:
        for case in CASES:
            found = await b.compare(case.name)
            assert found["driver.name"] == "nutdrv_qx"
        assert (await b.compare("fenton"))["ups.delay.start"] == "120"
        await b.command("fenton", "INSTCMD fenton shutdown.return")
