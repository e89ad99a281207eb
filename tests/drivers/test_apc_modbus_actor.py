"""The apc_modbus driver actor against a simulated SMT750 over Modbus TCP and serial RTU.

NUT 2.8.0 has no apc_modbus (NUT 2.8.1 brought it) and no newer binary is installed
here: the driver follows NUT 2.8.5's drivers/apc_modbus.c, the simulator answers with
the registers of the one real dump, and pymodbus's client checks the simulator.
Real clock, real sockets and ptys, short timeouts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from functools import partial
from pathlib import Path
from types import MappingProxyType

import pytest
import structlog
import trio
from driver_helpers import Device, ask, restart_after_silence, wait_for
from sim.apc_modbus_sim import ApcModbusUps, modbus_rtu_sim, modbus_tcp_sim

from nutrio.actors.drivers import DriverConfigError, DriverError, run_driver
from nutrio.actors.drivers.apc_modbus.driver import ApcModbusDriver
from nutrio.actors.drivers.killpower import kill_power
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars

POLL = 0.05
#: short enough for the silent-unit tests, long enough for a loaded machine
FAST = {"response_timeout_ms": "400"}


def tcp_device(port: int, **options: str) -> Device:
    return Device(name="smt", port=f"127.0.0.1:{port}", config_dir=Path("/tmp"),
                  driver="apc_modbus", pollinterval=POLL, maxage=5,
                  options=MappingProxyType({"porttype": "tcp", **FAST, **options}))


async def start(nursery: trio.Nursery, dev: Device, **options: str) -> DeviceHandle:
    handle = DeviceHandle(dev.name)
    factory = partial(ApcModbusDriver, error_pause=0.05)
    await nursery.start(lambda task_status: run_driver(dev, handle, factory=factory,
                                                       task_status=task_status))
    return handle


@pytest.fixture
async def tcp() -> AsyncIterator[tuple[ApcModbusUps, int]]:
    async with modbus_tcp_sim() as pair:
        yield pair


def status(value: str):  # type: ignore[no-untyped-def]
    return lambda snap: snap.data.vars.get("ups.status") == value and not snap.stale


async def test_tcp_unit_serves_its_values_and_nut_names(nursery, tcp) -> None:
    ups, port = tcp
    handle = await start(nursery, tcp_device(port))
    got = handle.snapshot.data.vars
    assert (got["ups.status"], got["device.model"], got["device.serial"]) == (
        "OL", "Smart-UPS 750", "AS1316113420")
    assert (got["driver.name"], got["driver.version.internal"]) == ("apc_modbus", "0.19")
    assert (got["battery.charge"], got["ups.realpower"], got["input.voltage"]) == (
        "100.00", "25.94", "240.39")
    assert "ups.vendorid" not in got  # USB only
    assert {"shutdown.return", "outlet.group.1.load.off", "beeper.mute"} <= set(
        handle.snapshot.data.commands)


async def test_power_fails_battery_runs_low_power_returns(nursery, tcp) -> None:
    ups, port = tcp
    handle = await start(nursery, tcp_device(port))
    ups.on_battery()
    snap = await wait_for(handle, status("OB"))
    assert snap.data.vars["ups.efficiency"] == "OnBattery"
    assert snap.data.vars["input.transfer.reason"] == "LowInputVoltage"
    assert "experimental.ups.mode.buzzwords" not in snap.data.vars
    ups.low_battery()
    snap = await wait_for(handle, status("OB LB RB"))  # NUT 2.8.5's reading of register 18
    assert snap.data.vars["battery.charge"] == "10.00"
    ups.on_line()
    await wait_for(handle, status("OL"))


@pytest.mark.parametrize(("command", "write"), [
    ("shutdown.return", (1538, (0, 0x0388))),
    ("outlet.group.1.load.off", (1538, (0, 0x0204))),
    ("test.battery.start", (1541, (1,))),
    ("beeper.mute", (1543, (4,))),
])
async def test_commands_write_nuts_registers(nursery, tcp, command, write) -> None:
    ups, port = tcp
    handle = await start(nursery, tcp_device(port))
    assert await ask(handle, "INSTCMD", command) == ResultCode.SUCCESS
    assert ups.commands() == [write]


async def test_commands_the_unit_lacks_are_refused_without_a_write(nursery, tcp) -> None:
    ups, port = tcp
    handle = await start(nursery, tcp_device(port))
    # not in the command list: the actor answers for the driver
    assert await ask(handle, "INSTCMD", "outlet.group.2.load.off") == ResultCode.CMD_NOT_SUPPORTED
    assert ups.commands() == []


async def test_set_var_writes_then_serves_what_the_unit_reads_back(nursery, tcp) -> None:
    ups, port = tcp
    handle = await start(nursery, tcp_device(port))
    assert await ask(handle, "SET", "ups.delay.shutdown", "120") == ResultCode.SUCCESS
    assert ups.writes[-1] == (1029, (120,))
    got = handle.snapshot.data.vars
    assert got["ups.delay.shutdown"] == got["outlet.group.0.delay.shutdown"] == "120"
    assert await ask(handle, "SET", "ups.id", "RACK-7") == ResultCode.SUCCESS
    assert handle.snapshot.data.vars["ups.id"] == "RACK-7"
    assert await ask(handle, "SET", "ups.delay.start", "soon") == ResultCode.INVALID_ARGUMENT
    assert len(ups.writes) == 2


async def test_a_unit_that_stops_answering_goes_stale_reconnects_and_recovers(nursery, tcp) -> None:
    ups, port = tcp
    handle = await start(nursery, tcp_device(port))
    ups.mode = "silent"
    with structlog.testing.capture_logs() as logs:
        await wait_for(handle, lambda s: s.stale, timeout=5)
        # five time-outs are flushed away, the sixth closes the connection
        with trio.fail_after(10):
            while not any(e["event"] == "driver.modbus_closing" for e in logs):
                await trio.sleep(0.05)
        ups.mode = "normal"
        snap = await wait_for(handle, status("OL"), timeout=5)
    assert snap.data.vars["ups.model"] == "Smart-UPS 750"
    assert any(e["event"] == "driver.recovered" for e in logs)


async def test_garbage_is_logged_once_and_the_actor_lives_on(nursery, tcp) -> None:
    ups, port = tcp
    handle = await start(nursery, tcp_device(port))
    with structlog.testing.capture_logs() as logs:
        ups.mode = "garbage"
        await wait_for(handle, lambda s: s.stale, timeout=5)
        requests = ups.requests
        with trio.fail_after(5):
            while ups.requests < requests + 6:  # several more failed polls (and reconnects)
                await trio.sleep(0.02)
        assert [e["event"] for e in logs].count("driver.modbus_bad_reply") == 1
        ups.mode = "exception"
        await trio.sleep(0.3)
        ups.mode = "normal"
        await wait_for(handle, status("OL"), timeout=5)
    assert handle.snapshot.connected


async def test_rtu_on_a_serial_line(nursery) -> None:
    async with modbus_rtu_sim() as (ups, tty):
        dev = Device(name="smt", port=tty, config_dir=Path("/tmp"), driver="apc_modbus",
                     pollinterval=POLL, options=MappingProxyType({"porttype": "serial", **FAST,
                                                                  "baudrate": "19200"}))
        handle = await start(nursery, dev)
        assert handle.snapshot.data.vars["ups.firmware"] == "UPS 09.8"
        ups.on_battery()
        await wait_for(handle, status("OB"))
        assert await ask(handle, "INSTCMD", "calibrate.start") == ResultCode.SUCCESS
        assert ups.commands() == [(1542, (1,))]


async def test_another_slave_id_is_asked_for() -> None:
    async with modbus_tcp_sim(unit=3) as (ups, port):
        driver = ApcModbusDriver(tcp_device(port, slaveid="3"))
        state = DeviceVars()
        await driver.open(state)
        await driver.close()
        assert state.get("ups.status") == "OL"
        with pytest.raises(DriverError, match="inventory"):
            await ApcModbusDriver(tcp_device(port)).open(DeviceVars())  # unit 1: silence


async def test_no_unit_at_the_address_fails_the_start() -> None:
    async with modbus_tcp_sim() as (_, port):
        pass  # closed again: nothing listens there now
    with pytest.raises(DriverError):
        await ApcModbusDriver(tcp_device(port)).open(DeviceVars())


@pytest.mark.parametrize(("options", "message"), [
    ({"porttype": "ethernet"}, "porttype"),
    ({"slaveid": "300"}, "slave id"),
    ({"porttype": "serial", "parity": "X"}, "parity"),
    ({"response_timeout_ms": "soon"}, "response_timeout_ms"),
])
def test_unusable_options_are_refused(options: Mapping[str, str], message: str) -> None:
    dev = Device(name="smt", port="/dev/null", config_dir=Path("/tmp"), driver="apc_modbus",
                 options=MappingProxyType(dict(options)))
    with pytest.raises(DriverConfigError, match=message):
        ApcModbusDriver(dev)


async def test_killpower_sends_shutdown_return_to_every_outlet_group(tcp) -> None:
    ups, port = tcp
    result = await kill_power(tcp_device(port), factory=ApcModbusDriver)
    assert (result.driver, result.command) == ("apc_modbus", "shutdown.return")
    assert ups.commands() == [(1538, (0, 0x0300 | 1 << 3 | 1 << 7))]


def test_pymodbus_reads_the_simulator_as_nutrio_does() -> None:
    """The simulator is right by another implementation of Modbus TCP too."""
    client_mod = pytest.importorskip("pymodbus.client")

    async def serve(task_status: trio.TaskStatus[int]) -> None:
        async with modbus_tcp_sim() as (_, port):
            task_status.started(port)
            await trio.sleep_forever()

    async def main() -> tuple[list[int], list[int]]:
        async with trio.open_nursery() as nursery:
            port = await nursery.start(serve)

            def read() -> tuple[list[int], list[int]]:
                client = client_mod.ModbusTcpClient("127.0.0.1", port=port, timeout=3)
                assert client.connect()
                try:
                    model = client.read_holding_registers(532, count=7, device_id=1).registers
                    power = client.read_holding_registers(588, count=2, device_id=1).registers
                finally:
                    client.close()
                return model, power

            got = await trio.to_thread.run_sync(read)
            nursery.cancel_scope.cancel()
            return got

    model, power = trio.run(main)
    assert bytes(b for r in model for b in r.to_bytes(2, "big")).rstrip(b"\0") == b"Smart-UPS 750"
    assert power == [750, 500]


async def test_stale_past_restart_after_ends_the_actor_and_a_new_one_reads_again(tcp) -> None:
    ups, port = tcp
    read = await restart_after_silence(
        tcp_device(port, restart_after="0.5"), partial(ApcModbusDriver, error_pause=0.05),
        lambda: setattr(ups, "mode", "silent"), lambda: setattr(ups, "mode", "normal"))
    assert read["ups.status"] == "OL"
