"""nutrio's genericups and liebert on their own: configuration errors, a port without modem
lines, and killpower through `nutrio drivers shutdown` on the modem lab (the comparisons
with the real drivers are in test_contact_vs_real_nut.py)."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest
from structlog.testing import capture_logs
from contact_bench import nutrio_config, nutrio_shutdown
from driver_helpers import Device
from sim.modemlab import ModemLab, missing_compiler_reason
from sim.pty import open_pty

from nutrio.actors.drivers import DRIVERS
from nutrio.actors.drivers.contact.genericups import GenericUps
from nutrio.actors.drivers.contact.liebert import Liebert
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.contact import DTR, RTS
from nutrio.protocol.devices.dummy.devfile import DeviceVars


def section(port: str, driver: str = "genericups", **options: str) -> Device:
    return Device(name="ups", port=port, config_dir=Path("/tmp"), driver=driver,
                  options=MappingProxyType(options))


def test_both_drivers_are_in_the_catalog() -> None:
    assert DRIVERS["genericups"] is GenericUps and DRIVERS["liebert"] is Liebert


@pytest.mark.parametrize(("options", "message"), [
    ({}, "ups: No upstype set"), ({"upstype": "99"}, "unknown UPS type number '99'"),
    ({"upstype": "1", "CP": "DSR"}, "Can't override output with DSR"),
])
def test_a_bad_section_is_refused_before_the_port_opens(options: dict[str, str], message: str) -> None:
    with pytest.raises(DriverConfigError, match=message):
        GenericUps(section("/nonexistent", **options))


async def test_a_port_without_modem_lines_fails_to_open_and_nothing_else_is_served() -> None:
    pty = open_pty()  # a pty has no modem lines: the kernel refuses TIOCMSET
    try:
        driver = GenericUps(section(pty.path, upstype="7"))
        state = DeviceVars()
        with pytest.raises(DriverIOError, match="setting the lines"):
            await driver.open(state)
        await driver.close()
        assert await driver.instcmd(state, "shutdown.return", None) == ResultCode.CMD_NOT_SUPPORTED
        assert await driver.set_var(state, "ups.delay", "1") == ResultCode.VAR_NOT_SUPPORTED
    finally:
        await pty.aclose()


@pytest.mark.skipif(missing_compiler_reason() is not None, reason=str(missing_compiler_reason()))
async def test_nutrio_drivers_shutdown_sets_the_types_lines(tmp_path: Path) -> None:
    lab = ModemLab(tmp_path)
    ptys = {name: open_pty() for name in ("power99", "ware3115", "nitram")}
    try:
        lines = {name: lab.line(pty.path) for name, pty in ptys.items()}
        config = nutrio_config(tmp_path, "genericups", {
            "power99": (ptys["power99"].path, {"upstype": "7"}),
            "ware3115": (ptys["ware3115"].path, {"upstype": "11"}),
            "nitram": (ptys["nitram"].path, {"upstype": "8"})})
        done = await nutrio_shutdown(config, lab)
        assert sorted(done.stdout.decode().splitlines()) == [
            "nitram: failed (KillPowerUnsupported): No shutdown command defined for this model!",
            "power99: SD sent: DTR held 0 s",
            "ware3115: SD sent: break on TX"]
        assert lines["power99"].events() == [("SET", RTS), ("SET", DTR)]
        assert lines["power99"].outputs == DTR  # held: the port closes without HUPCL
        assert lines["ware3115"].events() == [("SET", DTR), ("BREAK", 4901)]
        assert lines["nitram"].events() == [("SET", DTR)]
        assert done.returncode == 1
    finally:
        for pty in ptys.values():
            await pty.aclose()
        lab.close()


async def test_liebert_without_modem_lines_goes_on_without_rts_but_cannot_read_low_battery() -> None:
    pty = open_pty()  # no modem lines: RTS is not raised (logged), DCD cannot be read
    try:
        driver = Liebert(section(pty.path, driver="liebert"))
        with capture_logs() as logs, pytest.raises(DriverIOError, match="reading the lines"):
            await driver.open(DeviceVars())
        await driver.close()
        assert [e["event"] for e in logs if e["log_level"] == "warning"] == ["driver.rts_not_raised"]
    finally:
        await pty.aclose()
