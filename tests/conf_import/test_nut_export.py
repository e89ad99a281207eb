"""`nutrio conf export`: NUT-syntax files that the real upsd and upsmon accept."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio import conf, conf_cmd
from nutrio.conf import Config
from nutrio.conf.nut.exporter import export_config, nut_word, write_files
from nutrio.conf.nut.importer import NUT_FILES, import_dir
from nutrio.protocol.common.parseconf import split_line
from nutrio.protocol.notify.events import NUTRIO_TYPES
from tests.procs import AddressInUse, Proc, on_free_port, start, wait_until
from tests.realnut import DUMMY_UPS, UPSD, numlogins, requires_real_nut

DATA = Path(__file__).parent / "data"
EXAMPLE = Path(conf.__file__).parent / "examples" / "nutrio.toml"
UPSMON = Path("/lib/nut/upsmon")
DIAGRAMS = ("standalone", "one-ups-many/primary", "one-ups-many/secondary", "big-box", "bizarre")


@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_any_printable_value_reads_back_as_one_nut_word(value: str) -> None:
    assert split_line(f"KEY {nut_word(value)}\n") == ("KEY", value)


def comparable(cfg: Config) -> Config:
    """What survives a trip through NUT's files (the rest is in the export report)."""
    devices = {
        name: dataclasses.replace(
            dev,
            port=str(dev.path()) if dev.driver == "dummy-ups" else dev.port,
            maxage=None,
            config_dir=Path("/"),
            line=0,
            options=MappingProxyType({k: v for k, v in dev.options.items() if v != "false"}),
        )
        for name, dev in cfg.devices.items()
    }
    users = {name: user for name, user in cfg.users.items() if user.password is not None}
    server = dataclasses.replace(  # nutrio-only server settings are reported, not kept
        cfg.server, idle_timeout=60.0, max_line=conf.ServerConfig().max_line,
        announce=conf.ServerConfig().announce,
    )
    if server.tls:
        tls = server.tls
        server = dataclasses.replace(
            server, tls=conf.TlsConfig(certfile=tls.certfile, keyfile=tls.certfile)
        )
    monitor = cfg.monitor
    if monitor and monitor.tls:  # upsmon reads the key from CERTFILE (reported)
        tls = dataclasses.replace(monitor.tls, keyfile=monitor.tls.certfile)
        monitor = dataclasses.replace(monitor, tls=tls)
    nut_only = {t.value for t in NUTRIO_TYPES}  # nutrio's own types, thresholds: reported
    notify = dataclasses.replace(
        cfg.notify, channels=conf.NotifyConfig().channels, thresholds=(),
        driverfail_restarts=conf.NotifyConfig().driverfail_restarts,
        driverfail_window=conf.NotifyConfig().driverfail_window,
        flags=MappingProxyType({k: v for k, v in cfg.notify.flags.items() if k not in nut_only}),
        messages=MappingProxyType({k: v for k, v in cfg.notify.messages.items()
                                   if k not in nut_only}),
    )  # fmt: skip
    rules = tuple(
        dataclasses.replace(r, seconds=None if r.seconds is None else int(r.seconds + 0.5))
        for r in cfg.scheduler.rules
    )  # whole seconds in NUT, reported
    return dataclasses.replace(
        cfg,
        source=None,
        server=server,
        monitor=monitor,
        devices=MappingProxyType(devices),
        users=MappingProxyType(users),
        notify=notify,
        web=conf.WebConfig(enabled=False),
        scheduler=dataclasses.replace(cfg.scheduler, rules=rules),
        log=conf.LogConfig(),
        chaos=None,
    )


def round_trip(cfg: Config, tmp_path: Path) -> Config:
    write_files(export_config(cfg), tmp_path)
    return import_dir(tmp_path).config


def test_export_writes_the_six_files_nut_reads_without_parse_errors() -> None:
    result = export_config(conf.load(EXAMPLE))
    assert tuple(result.files) == NUT_FILES
    report = {e.directive: e for e in result.report}
    assert report["users.monuser"].status == "unsupported"  # a password_hash
    assert report["devices.myups.maxage"].status == "unsupported"
    assert report["server.tls.require"].status == "unsupported"
    assert report["notify.webhook/email"].status == "unsupported"
    assert report["notify.ntfy/telegram"].status == "unsupported"
    assert report["notify.threshold"].status == "unsupported"
    assert report["notify.flags.DRIVERFAIL"].status == "unsupported"
    assert {"web", "log", "chaos"} <= set(report)
    upsmon = result.files["upsmon.conf"].splitlines()
    assert 'MONITOR "bigups@[2001:db8::5]:3493" 0 observer abcd secondary' in upsmon
    assert 'SHUTDOWNCMD "/sbin/shutdown -h +0"' in upsmon
    assert "NOTIFYFLAG ONBATT EXEC+SYSLOG+WALL" in upsmon
    assert "OBLBDURATION 0" not in upsmon  # newer directives only when not the default
    # [monitor.tls]: flags as 0/1 (upsmon reads them with atoi), CERTHOST with all four words
    assert {"CERTPATH /etc/nut/ca.pem", "CERTVERIFY 1", "FORCESSL 0",
            "CERTFILE /etc/nut/upsmon.pem", "CERTHOST 2001:db8::5 2001:db8::5 0 1"} <= set(upsmon)
    assert report["monitor.tls.keyfile"].status == "approximated"  # the key goes into CERTFILE
    assert "[myups]" in result.files["ups.conf"] and "nolock\n" in result.files["ups.conf"]
    assert "override.battery.charge.low = 30" in result.files["ups.conf"]


def test_example_config_survives_export_then_import(tmp_path: Path) -> None:
    cfg = conf.load(EXAMPLE)
    assert comparable(round_trip(cfg, tmp_path)) == comparable(cfg)


@pytest.mark.parametrize("diagram", DIAGRAMS)
def test_each_diagram_survives_import_export_import(diagram: str, tmp_path: Path) -> None:
    first = import_dir(DATA / diagram).config
    assert comparable(round_trip(first, tmp_path)) == comparable(first)
    if diagram == "bizarre":
        notes = [e.note for e in export_config(first).report]
        assert "2.5 rounded to 3: NUT takes whole numbers" in notes


def test_fractional_seconds_are_rounded_and_reported() -> None:
    cfg = conf.loads("[server]\nmaxage = 2.4\n")
    result = export_config(cfg)
    assert "MAXAGE 2\n" in result.files["upsd.conf"]
    assert [e.note for e in result.report if e.directive == "server.maxage"] == [
        "2.4 rounded to 2: NUT takes whole numbers"
    ]


def test_conf_export_command_writes_private_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    conf_cmd.add_parser(parser.add_subparsers(dest="command"))
    ns = parser.parse_args(["conf", "export", str(EXAMPLE), str(tmp_path / "nut")])
    assert ns.handler(ns) == 0
    assert sorted(p.name for p in (tmp_path / "nut").iterdir()) == sorted(NUT_FILES)
    assert all((tmp_path / "nut" / n).stat().st_mode & 0o777 == 0o640 for n in NUT_FILES)
    err = capsys.readouterr().err
    assert "users.monuser: unsupported" in err and "# wrote 6 files" in err
    ns = parser.parse_args(["conf", "export", str(tmp_path / "missing.toml"), str(tmp_path)])
    assert ns.handler(ns) == 1


# -- the real NUT 2.8 parsers ---------------------------------------------------


def nut_toml(port: int, tmp: Path, mon_password: str, extra: str) -> str:
    (tmp / "ups1.dev").write_text("ups.status: OL\nbattery.charge: 91\n")
    (tmp / "ups2.dev").write_text("ups.status: OB\nbattery.charge: 40\n")
    return f"""
[server]
listen = ["127.0.0.1:{port}"]
maxage = 15
maxconn = 32
trackingdelay = 60
[devices.ups1]
driver = "dummy-ups"
port = "ups1.dev"
desc = "Rack \\"A\\" # first = best"
mode = "dummy-once"
[devices.ups2]
driver = "dummy-ups"
port = "ups2.dev"
desc = "spare"
[users.admin]
password = "a b#c\\"d"
actions = ["SET", "FSD"]
instcmds = ["all"]
[users.mon]
password = "{mon_password}"
upsmon = "primary"
[monitor]
minsupplies = 1
shutdowncmd = "/bin/true"
pollfreq = 1
pollfreqalert = 1
powerdownflag = "{tmp}/killpower"
run_as_user = "root"
{extra}
[[monitor.ups]]
system = "ups1@127.0.0.1:{port}"
user = "mon"
password = "{mon_password}"
role = "primary"
[notify.messages]
ONBATT = "On battery: %s # really"
[notify.flags]
ONBATT = ["SYSLOG"]
[scheduler]
cmdscript = "/bin/true"
[[scheduler.at]]
notify_type = "ONBATT"
action = "START-TIMER"
timer = "onbatt"
seconds = 30
"""


@dataclasses.dataclass
class Exported:
    """Real NUT running on files exported from a nutrio.toml."""

    port: int
    env: dict[str, str]
    upsd: Proc
    upsmon: Proc


@contextlib.contextmanager
def real_nut_exported(tmp_path: Path, mon_password: str, extra: str = "",
                      names: tuple[str, ...] = ("ups1", "ups2")) -> Iterator[Exported]:
    """nutrio.toml on a port, exported; real dummy-ups drivers and upsd on the files
    (all again on another port if upsd lost its port to someone else), then upsmon."""
    procs: list[Proc] = []

    def launch(port: int) -> tuple[int, dict[str, str], Proc]:
        etc, state = export_to_real_nut(tmp_path, port, mon_password, extra)
        env = {**os.environ, "NUT_CONFPATH": str(etc), "NUT_STATEPATH": str(state),
               "NUT_ALTPIDPATH": str(state)}
        for name in names:
            procs.append(start([DUMMY_UPS, "-a", name, "-u", "root", "-F"], logdir=tmp_path,
                               env=env, group=True))
        if not wait_until(lambda: all((state / f"dummy-ups-{n}").exists() for n in names), 10):
            raise AssertionError("dummy-ups sockets never appeared")
        upsd = start([UPSD, "-u", "root", "-F"], logdir=tmp_path, env=env, group=True,
                     stderr=subprocess.STDOUT)
        procs.append(upsd)
        if upsd.wait_for_line("listening on 127.0.0.1", stream="stdout").startswith("not "):
            _stop(procs)
            raise AddressInUse(port)
        return port, env, upsd

    try:
        port, env, upsd = on_free_port(launch)
        # upsmon 2.8.0 always writes /run/nut/upsmon.pid: give it a private /run/nut
        private = f"mkdir -p /run/nut && mount -t tmpfs x /run/nut && exec {UPSMON} -D -F -u root"
        upsmon = start(["unshare", "--mount", "--propagation", "private", "sh", "-c", private],
                       logdir=tmp_path, name="upsmon", env=env, group=True,
                       stderr=subprocess.STDOUT)
        procs.append(upsmon)
        yield Exported(port, env, upsd, upsmon)
    finally:
        _stop(procs)


def _stop(procs: list[Proc]) -> None:
    for proc in reversed(procs):
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.stop(grace=5)
    procs.clear()


def upsc_when_ready(ups: str, var: str, env: dict[str, str], timeout: float = 10.0) -> str:
    """upsc's answer once upsd has the driver's first dump (before it: data stale)."""
    def ask() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["upsc", ups, var], env=env, capture_output=True, text=True, timeout=20, check=False
        )

    def answered() -> subprocess.CompletedProcess[str] | None:
        got = ask()
        return got if got.returncode == 0 else None

    got = wait_until(answered, timeout) or ask()
    return got.stdout.strip() or got.stderr.strip()


def export_to_real_nut(tmp_path: Path, port: int, mon_password: str, extra: str = ""
                       ) -> tuple[Path, Path]:
    """nutrio.toml on *port*, exported to NUT's files: (etc, state)."""
    toml = tmp_path / "nutrio.toml"
    toml.write_text(nut_toml(port, tmp_path, mon_password, extra))
    etc, state = tmp_path / "etc", tmp_path / "state"
    shutil.rmtree(etc, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(mode=0o700)
    write_files(export_config(conf.load(toml)), etc)
    return etc, state


needs_unshare = pytest.mark.skipif(
    not UPSMON.exists()
    or shutil.which("unshare") is None
    or subprocess.run(["unshare", "--mount", "true"], capture_output=True, check=False).returncode
    != 0,
    reason="needs /lib/nut/upsmon and `unshare --mount` (root)",
)


@pytest.mark.e2e
@requires_real_nut
@needs_unshare
def test_real_upsd_and_upsmon_accept_the_exported_files(tmp_path: Path) -> None:
    with real_nut_exported(tmp_path, "monpass") as nut:
        port, env = nut.port, nut.env
        assert wait_until(lambda: numlogins(port, "ups1") == 1, 15)  # upsmon logged in
        listing = subprocess.run(
            ["upsc", "-L", f"127.0.0.1:{port}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        assert listing.stdout.splitlines() == ['ups1: Rack "A" # first = best', "ups2: spare"]
        for ups, charge in (("ups1", "91"), ("ups2", "40")):
            assert upsc_when_ready(f"{ups}@127.0.0.1:{port}", "battery.charge", env) == charge
    upsd_log, upsmon_log = nut.upsd.stdout(), nut.upsmon.stdout()
    for text in (upsd_log, upsmon_log):
        for complaint in ("Unrecognized", "Parse error", "invalid"):
            assert complaint not in text
    assert "UPS: ups1@127.0.0.1" in upsmon_log and "(primary) (power value 1)" in upsmon_log
    assert "failed" not in upsmon_log


@pytest.mark.e2e
@requires_real_nut
@needs_unshare
def test_report_is_right_about_what_upsmon_2_8_0_cannot_take(tmp_path: Path) -> None:
    with real_nut_exported(tmp_path, "mon pass", "offduration = 60") as nut:
        port = nut.port
        report = export_config(conf.load(tmp_path / "nutrio.toml")).report
        notes = {e.directive: e.note for e in report if e.status == "approximated"}
        assert "unquoted" in notes[f"monitor.ups ups1@127.0.0.1:{port}"]
        assert "newer than NUT 2.8.0" in notes["monitor.offduration"]
        nut.upsmon.wait_for_line("Set password on", 15, stream="stdout")  # it tried to log in
        assert numlogins(port, "ups1") == 0
    assert "invalid directive OFFDURATION 60" in nut.upsmon.stdout()


def test_driver_generics_are_reported_not_written(tmp_path: Path) -> None:
    (tmp_path / "u.dev").write_text("ups.status: OL\n")
    cfg = conf.loads('[devices.myups]\ndriver = "dummy-ups"\nport = "u.dev"\n'
                     "driver_generics = true\n", tmp_path / "nutrio.toml")
    result = export_config(cfg)
    report = {e.directive: e for e in result.report}
    assert report["devices.myups.driver_generics"].status == "unsupported"
    keys = [line.split()[0] for line in result.files["ups.conf"].splitlines() if line.strip()]
    assert "driver" in keys and "driver_generics" not in keys  # NUT 2.8.0 would refuse it
