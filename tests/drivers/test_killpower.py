"""Killpower (NUT's `driver -k`, `upsdrvctl shutdown`): `nutrio drivers shutdown`.

The serial drivers are checked against the real NUT 2.8.0 binaries: the
real driver runs with ``-k`` on one simulated UPS, nutrio's killpower on
another in the same state, and both must send the same bytes. usbhid-ups
runs on the replayed USB devices (the reports written), snmp-ups against
snmpsim (the objects set), dummy-ups is refused like the real one, and the
`nutrio drivers shutdown` command runs as a subprocess: sdorder, -1, one
failing UPS, exit codes, a running `nutrio run` in the way.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import trio
from driver_helpers import Device
from serial_bench import read_out
from sim.apcsmart_sim import LB, OB, OL, ApcSmartSim, apcsmart_sim
from sim.megatec_sim import megatec_sim
from sim.pty import serving
from sim.realdriver import SBIN, have_driver, ups_conf_section

from nutrio.actors.drivers import DriverIOError
from nutrio.actors.drivers.apcsmart.driver import ApcSmart, ApcTiming
from nutrio.actors.drivers.errors import KillPowerFailed, KillPowerUnsupported
from nutrio.actors.drivers.killpower import KillResult, kill_power
from nutrio.actors.drivers.megatec.driver import BlazerSer, NutdrvQx
from nutrio.actors.drivers.usbhid import UsbHid
from tests.drivers.hid.recordings import load, santak, synthetic_ups
from tests.drivers.hid.replay import ReplayBackend
from tests.paths import ROOT

_real_drivers = pytest.mark.skipif(not have_driver("nutdrv_qx"), reason="real NUT 2.8 drivers absent")


def realnut(test: Callable[..., Any]) -> Callable[..., Any]:
    """Beside the real NUT driver (run with -k): needs it, and runs a NUT program (e2e)."""
    return pytest.mark.e2e(pytest.mark.realnut(_real_drivers(test)))  # type: ignore[no-any-return]


def device(driver: str, port: str, options: Mapping[str, str] | None = None,
           name: str = "sim") -> Device:
    return Device(name=name, port=port, config_dir=Path("/tmp"), driver=driver,
                  options=MappingProxyType(dict(options or {})))


async def real_kill(driver: str, tty: str, options: Mapping[str, str]) -> tuple[int, str]:
    """The real ``driver -a sim -k`` on ``tty``: (exit code, stderr). "true" writes a bare flag.

    Without ``protocol =`` both nutdrv_qx probe NUT's protocols in order first; the
    simulators record that conversation too."""
    with tempfile.TemporaryDirectory(prefix="realkill-") as tmp:
        flags = {k: None if v == "true" else v for k, v in options.items()}
        Path(tmp, "ups.conf").write_text(ups_conf_section("sim", driver, tty, flags))
        Path(tmp, "nut.conf").write_text("MODE=standalone\n")
        env = {**os.environ, "NUT_CONFPATH": tmp, "NUT_STATEPATH": tmp}
        done = await trio.run_process(
            [str(SBIN / driver), "-a", "sim", "-u", "root", "-k"], env=env,
            capture_stdout=True, capture_stderr=True, check=False,
        )
    return done.returncode, done.stderr.decode()


async def our_kill(dev: Device, factory: Callable[[Any], Any]) -> KillResult | Exception:
    try:
        return await kill_power(dev, factory=factory)
    except Exception as exc:  # compared by the test
        return exc


async def side_by_side(driver: str, options: dict[str, str], sim: Any, factory: Any,
                       **state: Any) -> tuple[tuple[int, str], KillResult | Exception, Any, Any]:
    """The real driver and nutrio's, each killing its own simulated UPS, at the same time."""
    results: dict[str, Any] = {}
    async with sim(**state) as (real_sim, real_tty), sim(**state) as (our_sim, our_tty):
        async def real() -> None:
            results["real"] = await real_kill(driver, real_tty, options)

        async def ours() -> None:
            results["ours"] = await our_kill(device(driver, our_tty, options), factory)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(real)
            nursery.start_soon(ours)
        await read_out(real_sim, our_sim)
    return results["real"], results["ours"], real_sim, our_sim


def qx(d: Any) -> NutdrvQx:
    return NutdrvQx(d, reply_timeout=0.3)


def blazer(d: Any) -> BlazerSer:
    return BlazerSer(d, reply_timeout=0.3)


# -- nutdrv_qx and blazer_ser ------------------------------------------------------


@realnut
@pytest.mark.parametrize(("driver", "options", "wire"), [
    ("nutdrv_qx", {"protocol": "megatec"}, b"S.5R0003\r"),
    ("nutdrv_qx", {"ondelay": "600", "offdelay": "90"}, b"S01R0010\r"),
    ("nutdrv_qx", {"stayoff": "true"}, b"S.5R0000\r"),
    ("nutdrv_qx", {"novendor": "true", "offdelay": "12", "ondelay": "0"}, b"S.2\r"),
    ("blazer_ser", {}, b"S.5R0003\r"),
    ("blazer_ser", {"ondelay": "5", "offdelay": "90"}, b"S01R0005\r"),
])
async def test_megatec_killpower_sends_what_the_real_driver_sends(
    driver: str, options: dict[str, str], wire: bytes
) -> None:
    factory = qx if driver == "nutdrv_qx" else blazer
    (code, stderr), ours, real_sim, our_sim = await side_by_side(driver, options, megatec_sim, factory)
    assert code == 0, stderr
    assert our_sim.received == real_sim.received
    assert our_sim.received[-2:] == [b"C\r", wire]  # a pending shutdown cancelled first
    assert isinstance(ours, KillResult)
    expected = "shutdown.stayoff" if "stayoff" in options else "shutdown.return"
    assert ours.command == expected
    # both say how long the UPS waits, after the same truncation of offdelay
    said = re.search(r"Shutting down in \d+ seconds", stderr)
    assert said is not None and ours.detail == said.group(0)


@realnut
@pytest.mark.parametrize("driver", ["nutdrv_qx", "blazer_ser"])
async def test_a_ups_refusing_every_command_fails_like_the_real_driver(driver: str) -> None:
    factory = qx if driver == "nutdrv_qx" else blazer
    (code, stderr), ours, real_sim, our_sim = await side_by_side(
        driver, {}, megatec_sim, factory, echo_commands=True)
    assert code == 1 and "Shutdown failed!" in stderr
    assert isinstance(ours, KillPowerFailed)
    assert our_sim.received == real_sim.received  # each command three times
    assert our_sim.commands() == [b"C\r"] * 3 + [b"S.5R0003\r"] * 3


@realnut
async def test_a_silent_ups_is_not_claimed_like_the_real_nutdrv_qx() -> None:
    (code, stderr), ours, real_sim, our_sim = await side_by_side(
        "nutdrv_qx", {"protocol": "megatec"}, megatec_sim, qx, mode="silent")
    assert code == 1 and "not supported" in stderr
    assert isinstance(ours, DriverIOError)
    assert our_sim.received == real_sim.received == [b"Q1\r"] * 3  # no command sent blind


# -- apcsmart ------------------------------------------------------------------------


def apc(d: Any) -> ApcSmart:
    return ApcSmart(d, timing=ApcTiming(short=0.5, default=1.0, repeat_pause=0.3))


@realnut
@pytest.mark.parametrize(("options", "status", "wire", "command"), [
    ({}, OB, b"S", "S"),
    ({}, OB | LB, b"S", "S"),
    ({"sdtype": "1"}, OB, b"S", "S"),
    ({"sdtype": "2"}, OB, b"ZZ", "Z"),
    ({"sdtype": "3"}, OB, b"KK", "K"),
    ({"sdtype": "4"}, OB, b"S", "CS"),  # on battery the CS hack is a plain S
    ({"sdtype": "5"}, OB, b"@000", "@000"),
    ({"sdtype": "5", "awd": "5"}, OB, b"@005", "@005"),
    ({"advorder": "210"}, OB, b"KK", "K"),
    ({"advorder": "no", "sdtype": "3"}, OB, b"KK", "K"),
])
async def test_apcsmart_killpower_sends_what_the_real_driver_sends(
    options: dict[str, str], status: int, wire: bytes, command: str
) -> None:
    (code, stderr), ours, real_sim, our_sim = await side_by_side(
        "apcsmart", options, apcsmart_sim, apc, status=status)
    assert code == 0, stderr
    assert bytes(our_sim.received) == bytes(real_sim.received) == b"YQ" + wire + b"R"
    assert isinstance(ours, KillResult) and ours.command == command


@realnut
async def test_apcsmart_on_line_gets_the_hard_hibernate_where_nut_2_8_0_misreads_the_status() -> None:
    # NUT 2.8.0 takes the two-digit status reply as unreadable and assumes OB LB,
    # so it sends S, which a unit on line ignores; nutrio reads "08" and sends @000
    (code, _), ours, real_sim, our_sim = await side_by_side("apcsmart", {}, apcsmart_sim, apc, status=OL)
    assert code == 0 and bytes(real_sim.received) == b"YQSR"
    assert bytes(our_sim.received) == b"YQ@000R"
    assert isinstance(ours, KillResult) and ours.command == "@000"


@realnut
async def test_apcsmart_silent_ups_gets_the_same_bytes_but_nutrio_reports_the_failure() -> None:
    (code, _), ours, real_sim, our_sim = await side_by_side(
        "apcsmart", {}, apcsmart_sim, apc, mode="silent")
    assert bytes(our_sim.received) == bytes(real_sim.received) == b"Y\x1bQSR"
    assert code == 0  # NUT's apcsmart exits 0 whatever the UPS answered
    assert isinstance(ours, KillPowerFailed)


async def test_apcsmart_cs_hack_on_line_simulates_a_power_failure_first() -> None:
    async with apcsmart_sim(status=OL) as (sim, tty):
        result = await kill_power(device("apcsmart", tty, {"sdtype": "4", "cshdelay": "0.1"}), factory=apc)
    assert bytes(sim.received) == b"YQUSR" and result.command == "CS"


class RefusingS(ApcSmartSim):
    """A unit that answers the soft hibernate 'S' with "NO"."""

    def answer(self, byte: int) -> str | None:
        if byte == ord("S") and not self._pending:
            self.received.append(byte)
            return "NO"
        return super().answer(byte)


async def test_apcsmart_sdtype_1_falls_back_to_the_hard_hibernate_when_s_fails() -> None:
    async with serving(RefusingS(status=OB)) as (sim, tty):
        result = await kill_power(device("apcsmart", tty, {"sdtype": "1", "awd": "5"}), factory=apc)
    assert bytes(sim.received) == b"YQS@005R" and result.command == "@005"


async def test_apcsmart_advorder_stops_at_the_first_method_confirmed() -> None:
    async with serving(RefusingS(status=OB)) as (sim, tty):
        result = await kill_power(device("apcsmart", tty, {"advorder": "032"}), factory=apc)
    assert bytes(sim.received) == b"YQSZZR" and result.command == "Z"  # K never tried


# -- usbhid-ups ------------------------------------------------------------------------


async def inline(fn: Callable[[], Any]) -> Any:
    await trio.lowlevel.checkpoint()
    return fn()


def hid(backend: ReplayBackend) -> Callable[[Any], UsbHid]:
    return lambda d: UsbHid(d, backend=backend, run_sync=inline)


async def test_usbhid_shutdown_return_writes_the_start_then_the_shutdown_delay() -> None:
    backend = ReplayBackend(santak())
    result = await kill_power(device("usbhid-ups", "auto", {"ondelay": "60", "offdelay": "45"}),
                              factory=hid(backend))
    assert result.command == "shutdown.return"
    assert result.detail == "ups.delay.shutdown 45, ups.delay.start 60"
    # this descriptor: DelayBeforeStartup is report 0x0a, DelayBeforeShutdown 0x09, 32 bits each
    assert backend.device.writes == [bytes.fromhex("0a 3c 00 00 00"), bytes.fromhex("09 2d 00 00 00")]
    assert not backend.device.claimed  # released at the end


async def test_usbhid_without_a_start_delay_falls_back_to_shutdown_reboot() -> None:
    backend = ReplayBackend(load("apc_bk650m2"))  # no DelayBeforeStartup: no shutdown.return
    result = await kill_power(device("usbhid-ups", "auto"), factory=hid(backend))
    assert result.command == "shutdown.reboot"
    assert backend.device.writes == [bytes.fromhex("40 0a")]  # APC DelayBeforeReboot, 10 s


async def test_usbhid_with_only_the_shutdown_delay_uses_load_off_delay() -> None:
    backend = ReplayBackend(synthetic_ups())
    result = await kill_power(device("usbhid-ups", "auto"), factory=hid(backend))
    assert result.command == "load.off.delay"
    assert backend.device.writes == [bytes.fromhex("05 14 00")]  # DelayBeforeShutdown, 20 s


async def test_usbhid_without_a_device_fails_to_open() -> None:
    backend = ReplayBackend(santak())
    backend.unplug()
    with pytest.raises(DriverIOError, match="No matching HID UPS"):
        await kill_power(device("usbhid-ups", "auto"), factory=hid(backend))
    assert backend.device.writes == []


# -- snmp-ups --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pytest.importorskip("snmpsim", reason="the SNMP agent simulator: pip install snmpsim pysmi")
    sys.path.insert(0, str(Path(__file__).resolve().parent / "snmp"))
    from snmpsim_agent import snmp_agent

    with snmp_agent(tmp_path_factory.mktemp("snmpsim")) as running:
        yield running


def put_back(agent: Any, community: str, oids: list[str]) -> Callable[[], None]:
    saved = [(oid, agent.get(community, oid)) for oid in oids]
    return lambda: [agent.set(community, oid, value) for oid, value in saved]  # type: ignore[func-returns-value]


def snmp(address: str, community: str, **options: str) -> Device:
    return device("snmp-ups", address, {"community": community, "snmp_timeout": "1",
                                        "snmp_retries": "1", **options})


APC = "1.3.6.1.4.1.318.1.1.1."
IETF = "1.3.6.1.2.1.33.1."


@pytest.mark.e2e
async def test_snmp_apc_sets_shutdown_return(agent: Any) -> None:
    restore = put_back(agent, "apc-ups", [APC + "6.1.1.0"])
    try:
        result = await kill_power(snmp(agent.address, "apc-ups"))
        assert result.command == "shutdown.return"
        assert await trio.to_thread.run_sync(agent.get, "apc-ups", APC + "6.1.1.0") == 2
    finally:
        await trio.to_thread.run_sync(restore)


async def _recorded(nursery: trio.Nursery, agent: Any, device: Device) -> list[tuple[object, ...]]:
    """kill_power through a proxy that notes the SETs; the real snmp-ups -k is the oracle."""
    from udp_proxy import Proxy

    proxy = Proxy(upstream=("127.0.0.1", agent.port))
    port = await nursery.start(proxy.run)
    device = replace(device, port=f"127.0.0.1:{port}")
    with pytest.raises(KillPowerFailed, match="Shutdown failed"):
        await kill_power(device)
    return [s[1:] for s in proxy.sets]


@pytest.mark.e2e
async def test_snmp_offdelay_is_written_first_and_no_shutdown_command_fails(
        nursery: trio.Nursery, agent: Any) -> None:
    # the MGE MIB has no shutdown command. ups.delay.shutdown is a STRING row: the real
    # snmp-ups -k writes the text "90" at start-up and again before the commands
    device = snmp(agent.address, "mge-ups", offdelay="90", mibs="mge")
    sets = await _recorded(nursery, agent, device)
    assert sets == [(IETF + "8.2.0", 4, b"90")] * 2


@pytest.mark.e2e
async def test_snmp_ietf_has_no_shutdown_command_in_2_8_0(nursery: trio.Nursery,
                                                         agent: Any) -> None:
    """NUT 2.8.0's RFC 1628 table has load.off and load.on but none of shutdown.return,
    shutdown.reboot, load.off.delay: the real snmp-ups -k sends nothing and says
    "Shutdown failed!"."""
    assert await _recorded(nursery, agent, snmp(agent.address, "ietf-ups")) == []


# -- dummy-ups ---------------------------------------------------------------------------


async def test_dummy_ups_refuses_as_the_real_one_does(tmp_path: Path) -> None:
    (tmp_path / "ups.dev").write_text("ups.status: OL\n")
    with pytest.raises(KillPowerUnsupported) as caught:
        await kill_power(Device(name="sim", port="ups.dev", config_dir=tmp_path))
    assert str(caught.value) == "shutdown not supported"
    if (SBIN / "dummy-ups").exists():
        code, stderr = await real_kill("dummy-ups", str(tmp_path / "ups.dev"), {})
        assert code == 1 and str(caught.value) in stderr


# -- `nutrio drivers shutdown` ---------------------------------------------------------------


async def nutrio_shutdown(config: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return await trio.run_process(
        [sys.executable, "-m", "nutrio", "drivers", "--config", str(config), "shutdown", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_stdout=True, capture_stderr=True,
        check=False,
    )


def write_config(tmp: Path, devices: dict[str, dict[str, object]]) -> Path:
    text = ""
    for name, keys in devices.items():
        text += f"[devices.{name}]\n" + "".join(
            f"{k} = {v}\n" if isinstance(v, int) else f'{k} = "{v}"\n' for k, v in keys.items()
        ) + "\n"
    path = tmp / "nutrio.toml"
    path.write_text(text)
    return path


async def test_shutdown_goes_in_sdorder_skips_minus_one_and_survives_a_failure(tmp_path: Path) -> None:
    (tmp_path / "mid.dev").write_text("ups.status: OL\n")
    async with (
        apcsmart_sim(status=OB) as (late, late_tty),
        apcsmart_sim(status=OB) as (first, first_tty),
        apcsmart_sim(status=OB) as (never, never_tty),
        megatec_sim() as (second, second_tty),
    ):
        config = write_config(tmp_path, {
            "late": {"driver": "apcsmart", "port": late_tty, "sdorder": 2},
            "first": {"driver": "apcsmart", "port": first_tty},
            "never": {"driver": "apcsmart", "port": never_tty, "sdorder": -1},
            "mid": {"driver": "dummy-ups", "port": "mid.dev", "sdorder": 1},
            "second": {"driver": "blazer_ser", "port": second_tty, "offdelay": 60},
        })
        done = await nutrio_shutdown(config)
    lines = done.stdout.decode().splitlines()
    assert lines == [
        "first: S sent: soft hibernate",
        "second: shutdown.return sent: Shutting down in 60 seconds",
        "mid: failed (KillPowerUnsupported): shutdown not supported",
        "late: S sent: soft hibernate",
    ]
    assert done.returncode == 1  # as upsdrvctl when a driver fails
    assert "1 of 4 UPS could not be shut down" in done.stderr.decode()
    assert bytes(first.received) == bytes(late.received) == b"YQSR"
    assert second.commands() == [b"C\r", b"S01R0003\r"]
    assert bytes(never.received) == b""


@pytest.mark.skipif(not Path("/sbin/upsdrvctl").exists(), reason="real upsdrvctl absent")
async def test_the_order_is_the_real_upsdrvctl_order(tmp_path: Path) -> None:
    from nutrio.conf import load
    from nutrio.drivers_ctl import shutdown_order

    orders = {"a": 2, "b": 0, "c": -1, "d": 1, "e": 0, "f": 1}
    config = write_config(tmp_path, {n: {"driver": "dummy-ups", "port": f"{n}.dev", "sdorder": o}
                                     for n, o in orders.items()})
    ups_conf = "".join(f"[{n}]\n  driver = dummy-ups\n  port = {n}.dev\n  sdorder = {o}\n"
                       for n, o in orders.items())
    (tmp_path / "ups.conf").write_text(ups_conf)
    (tmp_path / "nut.conf").write_text("MODE=standalone\n")
    done = await trio.run_process(
        ["/sbin/upsdrvctl", "-t", "shutdown"], capture_stdout=True, capture_stderr=True, check=False,
        env={**os.environ, "NUT_CONFPATH": str(tmp_path), "NUT_STATEPATH": str(tmp_path)},
    )
    real = re.findall(r"Shutdown UPS: (\w+)", done.stderr.decode())
    assert real == ["b", "e", "d", "f", "a"]
    assert [d.name for d in shutdown_order(load(config).devices)] == real


async def test_one_named_ups_is_shut_down_whatever_its_sdorder(tmp_path: Path) -> None:
    async with apcsmart_sim(status=OB) as (never, tty), apcsmart_sim(status=OB) as (other, other_tty):
        config = write_config(tmp_path, {
            "never": {"driver": "apcsmart", "port": tty, "sdorder": -1},
            "other": {"driver": "apcsmart", "port": other_tty},
        })
        done = await nutrio_shutdown(config, "never")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == "never: S sent: soft hibernate\n"
    assert bytes(never.received) == b"YQSR" and bytes(other.received) == b""


async def test_an_unknown_ups_or_none_to_shut_down(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"only": {"driver": "dummy-ups", "port": "x.dev", "sdorder": -1}})
    done = await nutrio_shutdown(config, "nosuch")
    assert done.returncode == 1 and b"UPS nosuch not found" in done.stderr
    done = await nutrio_shutdown(config)
    assert done.returncode == 0 and done.stdout == b""
    assert b"every UPS has sdorder -1" in done.stderr


@pytest.mark.e2e
def test_shutdown_refuses_while_nutrio_run_holds_the_devices(tmp_path: Path) -> None:
    from nutrio.actors.control import control_socket_path
    from tests.nutriorun import nutrio_run

    dump = tmp_path / "src" / "ups.dev"
    dump.parent.mkdir()
    dump.write_text("ups.status: OL\n")
    with nutrio_run(tmp_path, {"ups1": dump}) as running:
        path = control_socket_path(None, running.config)
        trio.run(_wait_for, path)
        argv = [sys.executable, "-m", "nutrio", "drivers", "--config", str(running.config), "shutdown"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        refused = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
        forced = subprocess.run([*argv, "--force"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "holds the devices" in refused.stderr and str(path) in refused.stderr
    assert forced.returncode == 1  # dummy-ups cannot power off, but it was tried
    assert forced.stdout == "ups1: failed (KillPowerUnsupported): shutdown not supported\n"
    assert "--force" in forced.stderr


async def _wait_for(path: Path) -> None:
    with trio.fail_after(20):
        while not path.exists():
            await trio.sleep(0.05)
