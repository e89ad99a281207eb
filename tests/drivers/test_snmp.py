"""snmp-ups against a real SNMP agent: snmpsim on loopback serving our recordings.

The driver actor runs here in-process; what the values must be is NUT 2.8.0's
snmp-ups (tests/drivers/snmp/test_snmp_vs_real_nut.py checks the same
recordings against the real driver). ``pollfreq = 0`` makes the walk run once
a second, so a change on the agent shows quickly.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import MappingProxyType

import pytest
import trio
from driver_helpers import Device, start

from nutrio.actors.drivers import DriverConfigError, DriverError, make_driver
from nutrio.actors.registry import DeviceHandle
from nutrio.protocol.common.state import CommandRequest, UpsSnapshot, VarInfo
from nutrio.protocol.devices.dummy.devfile import read_device_file
from tests.paths import DATA

pytest.importorskip("snmpsim", reason="the SNMP agent simulator: pip install snmpsim pysmi")
sys.path.insert(0, str(Path(__file__).resolve().parent / "snmp"))
from snmpsim_agent import V3_USERS, Agent, snmp_agent

pytestmark = pytest.mark.e2e

APC_DUMP = DATA / "ddl" / "APC__APC__Smart-UPS_1000__snmp-ups__2.7.4__01.dev"
IETF = "1.3.6.1.2.1.33.1."
APC = "1.3.6.1.4.1.318.1.1."
MGE = "1.3.6.1.4.1.705.1."
EPDU = "1.3.6.1.4.1.534.6.6.7."


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    with snmp_agent(tmp_path_factory.mktemp("snmpsim")) as running:
        yield running


@pytest.fixture
def restore(agent: Agent) -> Iterator[Callable[..., None]]:
    """``restore(community, oid, kind="int")``: put the object back after the test."""
    saved: list[tuple[str, str, object, str]] = []

    def remember(community: str, oid: str, kind: str = "int") -> None:
        saved.append((community, oid, agent.get(community, oid), kind))

    yield remember
    for community, oid, value, kind in reversed(saved):
        agent.set(community, oid, value, kind)  # type: ignore[arg-type]


def snmp_device(address: str, **options: str) -> Device:
    opts = {"snmp_timeout": "1", "snmp_retries": "1", "pollfreq": "0", **options}
    return Device(name="ups1", port=address, config_dir=Path("."), driver="snmp-ups",
                  pollinterval=0.2, options=MappingProxyType(opts))


async def until(handle: DeviceHandle, check: Callable[[UpsSnapshot], bool]) -> UpsSnapshot:
    with trio.fail_after(20):
        while not check(handle.snapshot):
            await handle.state.wait_newer(handle.state.version)
    return handle.snapshot


async def command(handle: DeviceHandle, kind: str, name: str, value: str | None = None) -> str:
    await handle.requests_in.send(CommandRequest(kind=kind, ups="ups1", name=name, value=value, tracking="t"))
    return (await handle.results_out.receive()).code


async def agent_get(agent: Agent, community: str, oid: str) -> object:
    return await trio.to_thread.run_sync(agent.get, community, oid)


async def agent_set(agent: Agent, community: str, oid: str, value: int) -> None:
    await trio.to_thread.run_sync(agent.set, community, oid, value)


def _same(ours: str, theirs: str) -> bool:
    """2.7.4 printed "100.00" where 2.8.0 prints "100": numbers compare as numbers."""
    try:
        return float(ours) == float(theirs)
    except ValueError:
        return ours == theirs


async def test_apc_smart_ups_serves_what_real_snmp_ups_served(nursery, agent: Agent) -> None:
    handle = await start(nursery, snmp_device(agent.address, community="apc-ups", snmp_version="v2c"))
    ours = handle.snapshot.data.vars
    nut = read_device_file(APC_DUMP.read_bytes()).freeze().vars
    shared = [k for k in ours if k in nut and not k.startswith("driver.")]
    assert len(shared) >= 35
    assert [k for k in shared if not _same(ours[k], nut[k])] == []
    assert ours["battery.charge"] == "93" and nut["battery.charge"] == "93.00"
    assert ours["ups.load"] == "16.90"  # not whole: still two decimals
    assert ours["driver.version.data"] == "apcc MIB 1.6"  # 2.8.0's table (the dump: 1.2)
    assert handle.snapshot.data.var_info("input.sensitivity").enums == ("auto", "low", "medium", "high")


async def test_ietf_ups_is_detected_by_sysobjectid_over_snmp_v1(nursery, agent: Agent) -> None:
    handle = await start(nursery, snmp_device(agent.address, community="ietf-ups"))
    data = handle.snapshot.data
    assert data.get("driver.version.data") == "ietf MIB 1.54"
    assert (data.get("ups.mfr"), data.get("ups.model")) == ("Acme", "PowerBox 1500")
    assert data.get("ups.status") == "OL"
    assert data.get("battery.runtime") == "2700"  # 45 minutes
    assert data.get("battery.voltage") == "27.30"
    assert data.get("input.realpower") is None  # not in the recording: v1 noSuchName, row dropped
    assert "test.battery.start.quick" in data.commands and "load.off" in data.commands
    assert "beeper.mute" in data.commands and "load.on" in data.commands


async def test_ietf_ups_goes_on_battery_then_low_battery(nursery, agent: Agent, restore) -> None:
    community = "ietf-ups"
    restore(community, IETF + "4.1.0")
    restore(community, IETF + "2.1.0")
    handle = await start(nursery, snmp_device(agent.address, community=community, snmp_version="v2c"))
    assert handle.snapshot.data.get("ups.status") == "OL"
    await agent_set(agent, community, IETF + "4.1.0", 5)  # upsOutputSource: battery
    await until(handle, lambda s: s.data.get("ups.status") == "OB")
    await agent_set(agent, community, IETF + "2.1.0", 3)  # upsBatteryStatus: low
    # the words come in table order: the battery group's row is read first
    await until(handle, lambda s: s.data.get("ups.status") == "LB OB")
    await agent_set(agent, community, IETF + "4.1.0", 4)  # bypass
    await agent_set(agent, community, IETF + "2.1.0", 2)
    await until(handle, lambda s: s.data.get("ups.status") == "OL BYPASS")


async def test_ietf_commands_are_sets_that_reach_the_agent(nursery, agent: Agent, restore) -> None:
    community = "ietf-ups"
    restore(community, IETF + "8.2.0")
    restore(community, IETF + "9.8.0")
    handle = await start(nursery, snmp_device(agent.address, community=community))
    assert await command(handle, "INSTCMD", "load.off") == "SUCCESS"
    assert await agent_get(agent, community, IETF + "8.2.0") == 0
    assert await command(handle, "INSTCMD", "beeper.disable") == "SUCCESS"
    assert await agent_get(agent, community, IETF + "9.8.0") == 1
    await until(handle, lambda s: s.data.get("ups.beeper.status") == "disabled")


async def test_a_read_only_object_refuses_the_set(nursery, agent: Agent) -> None:
    community = "ietf-ups"
    handle = await start(nursery, snmp_device(agent.address, community=community))
    # upsRebootWithDuration is recorded without writecache: the agent says notWritable
    assert await command(handle, "SET", "ups.timer.reboot", "10") == "FAILED"
    assert await command(handle, "INSTCMD", "no.such.command") == "CMD-NOT-SUPPORTED"


async def test_apc_pdu_outlets_are_listed_and_renamed_through_the_agent(nursery, agent: Agent, restore) -> None:
    community = "apc-pdu"
    restore(community, APC + "4.4.2.1.4.1", "str")
    handle = await start(nursery, snmp_device(agent.address, community=community))
    data = handle.snapshot.data
    assert data.get("device.type") == "pdu" and data.get("outlet.count") == "4"
    assert [data.get(f"outlet.{n}.status") for n in range(1, 5)] == ["on", "on", "off", "on"]
    assert data.get("outlet.1.desc") == "web server" and data.get("outlet.2.switchable") == "yes"
    assert data.var_info("outlet.1.desc") == VarInfo(rw=True, string_len=128)
    assert data.var_info("outlet.1.status").enums == ("on", "off")
    assert not any(".load." in c for c in data.commands)  # apc_pdu 2.8.0 has no outlet commands
    assert await command(handle, "SET", "outlet.1.desc", "mail server") == "SUCCESS"
    assert await agent_get(agent, community, APC + "4.4.2.1.4.1") == "mail server"
    await until(handle, lambda s: s.data.get("outlet.1.desc") == "mail server")


async def test_apc_ups_string_rows_are_written_as_text(nursery, agent: Agent, restore) -> None:
    """input.transfer.high is a STRING:3 row: NUT 2.8.0 writes "260" as an OCTET STRING,
    which the recording's INTEGER object refuses (snmpsim: wrongType)."""
    community = "apc-ups"
    restore(community, APC + "1.5.2.2.0")
    handle = await start(nursery, snmp_device(agent.address, community=community))
    assert handle.snapshot.data.var_info("input.transfer.high") == VarInfo(rw=True, string_len=3)
    assert await command(handle, "SET", "input.transfer.high", "260") == "FAILED"
    assert await agent_get(agent, community, APC + "1.5.2.2.0") == 253
    assert handle.snapshot.data.get("input.transfer.high") == "253"


async def test_eaton_epdu_outlets_and_commands(nursery, agent: Agent, restore) -> None:
    community = "eaton-epdu"
    restore(community, EPDU + "6.6.1.4.0.3")
    handle = await start(nursery, snmp_device(agent.address, community=community, snmp_version="v1"))
    data = handle.snapshot.data
    assert data.get("driver.version.data") == "eaton_epdu MIB 0.69"
    assert data.get("device.count") == "1" and data.get("outlet.count") == "3"
    assert data.get("outlet.3.status") == "off"
    assert await command(handle, "INSTCMD", "outlet.3.load.on") == "SUCCESS"
    assert await agent_get(agent, community, EPDU + "6.6.1.4.0.3") == 0


async def test_mge_ups_status_bits_and_writable_low_charge(nursery, agent: Agent, restore) -> None:
    community = "mge-ups"
    for oid in ("7.3.0", "5.14.0"):
        restore(community, MGE + oid)
    handle = await start(nursery, snmp_device(agent.address, community=community))
    assert handle.snapshot.data.get("ups.status") == "OL"
    assert handle.snapshot.data.get("ups.model") == "Evolution 850"
    await agent_set(agent, community, MGE + "7.3.0", 1)  # upsmgOutputOnBattery: yes
    await agent_set(agent, community, MGE + "5.14.0", 1)  # upsmgBatteryLowBattery: yes
    await until(handle, lambda s: {"OB", "LB"} <= set((s.data.get("ups.status") or "").split()))
    assert handle.snapshot.data.var_info("battery.charge.low") == VarInfo(rw=True, string_len=2)


@pytest.mark.parametrize("user", ["shauser", "md5user"])
async def test_snmp_v3_auth_priv_reads_the_device(nursery, agent: Agent, user: str) -> None:
    akey, aproto, pkey, pproto = V3_USERS[user]
    dev = snmp_device(agent.address, snmp_version="v3", secLevel="authPriv", secName=user,
                      authPassword=akey, authProtocol=aproto, privPassword=pkey, privProtocol=pproto)
    handle = await start(nursery, dev)
    assert handle.snapshot.data.get("ups.model") == "Smart-UPS 1000"
    assert handle.snapshot.data.get("driver.parameter.secName") is None  # VAR_SENSITIVE
    assert handle.snapshot.data.get("driver.parameter.authPassword") is None  # never served
    assert handle.snapshot.data.get("driver.parameter.privPassword") is None


async def test_snmp_v3_wrong_password_cannot_open(nursery, agent: Agent) -> None:
    dev = snmp_device(agent.address, snmp_version="v3", secLevel="authPriv", secName="shauser",
                      authPassword="not-the-key", authProtocol="SHA", privPassword="privpass123",
                      privProtocol="AES", snmp_retries="0")
    with pytest.raises(DriverError):
        await start(nursery, dev)


async def test_agent_that_stops_answering_makes_data_stale_until_it_is_back(nursery, tmp_path: Path) -> None:
    with snmp_agent(tmp_path) as own:
        handle = await start(nursery, snmp_device(own.address, community="ietf-ups", snmp_timeout="0.3",
                                                  snmp_retries="0"))
        await trio.to_thread.run_sync(own.stop)
        await until(handle, lambda s: s.stale)
        await trio.to_thread.run_sync(own.start)
        snap = await until(handle, lambda s: not s.stale)
        assert snap.data.get("ups.status") == "OL"


@pytest.mark.parametrize(
    "options, problem",
    [
        ({"snmp_version": "v4"}, "snmp_version"),
        ({"snmp_version": "v3"}, "secName"),
        ({"snmp_version": "v3", "secName": "u", "secLevel": "authNoPriv"}, "authPassword"),
        ({"snmp_version": "v3", "secName": "u", "secLevel": "authPriv", "authPassword": "x" * 8,
          "privProtocol": "ROT13"}, "privProtocol"),
        ({"mibs": "nosuchmib"}, "mibs"),
        ({"pollfreq": "often"}, "pollfreq"),
    ],
)
def test_bad_snmp_options_are_config_errors(options: dict[str, str], problem: str) -> None:
    with pytest.raises(DriverConfigError, match=problem):
        make_driver(snmp_device("127.0.0.1", **options))


async def test_apc_ups_delays_are_written_as_timeticks(nursery, agent: Agent, restore) -> None:
    """upsAdvConfigShutoffDelay is TimeTicks (SU_TYPE_TIME). NUT 2.8.0 divides the value by
    the row's length (3) before writing it: 90 s goes out as 30 s, and reads back as 90."""
    community = "apc-ups"
    restore(community, APC + "1.5.2.10.0", "timeticks")
    handle = await start(nursery, snmp_device(agent.address, community=community))
    assert await command(handle, "SET", "ups.delay.shutdown", "90") == "SUCCESS"
    assert await agent_get(agent, community, APC + "1.5.2.10.0") == 3000  # ticks: 30 s
    await until(handle, lambda s: s.data.get("ups.delay.shutdown") == "90")
