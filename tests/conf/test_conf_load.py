"""Loading good configurations: the shipped files, normalisation, immutability."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType

import pytest

from nutrio import conf
from nutrio.conf import (
    DEFAULT_PATH,
    ConfigError,
    ServerConfig,
    default_config,
    describe,
    load,
    load_chaos,
    loads,
)

EXAMPLE = Path(conf.__file__).parent / "examples" / "nutrio.toml"


def test_conf_package_does_not_import_trio() -> None:
    code = "import conf, sys; conf.default_config(); sys.exit('trio' in sys.modules)"
    root = Path(conf.__file__).parent.parent
    assert subprocess.run([sys.executable, "-c", code], check=False, cwd=root).returncode == 0


def test_default_config_serves_one_dummy_ups_on_localhost() -> None:
    config = default_config()
    assert list(config.devices) == ["dummy"]
    dummy = config.devices["dummy"]
    assert (dummy.driver, dummy.port) == ("dummy-ups", "dummy.seq")
    assert dummy.path() == DEFAULT_PATH.parent / "dummy.seq"
    assert dummy.path().is_file()
    assert config.server.listen == (("127.0.0.1", 3493),)
    assert config.web.listen == ("127.0.0.1", 8080)
    assert config.users["monuser"].upsmon == "primary"
    assert config.users["admin"].actions == frozenset({"SET", "FSD"})
    assert config.chaos is None


def test_default_config_never_shuts_the_machine_down() -> None:
    monitor = default_config().monitor
    assert monitor is not None
    assert monitor.ups[0].system == "dummy@localhost:3493"
    assert monitor.shutdowncmd is not None
    assert monitor.shutdowncmd.split()[0] == "echo"


def test_example_file_loads() -> None:
    config = load(EXAMPLE)
    assert config.source == EXAMPLE
    assert list(config.devices) == ["myups", "rackpdu"]
    assert config.chaos is not None and len(config.chaos.faults) == 3


def test_devices_keep_file_order() -> None:
    names = ["zeta", "alpha", "mid", "beta"]
    text = "".join(f'[devices.{n}]\ndriver = "dummy-ups"\nport = "{n}.dev"\n' for n in names)
    assert list(loads(text).devices) == names


def test_legacy_master_and_slave_become_primary_and_secondary() -> None:
    config = loads(
        '[users.a]\npassword = "x"\nupsmon = "master"\n'
        '[users.b]\npassword = "y"\nupsmon = "SLAVE"\n'
        '[monitor]\n[[monitor.ups]]\nsystem = "u"\nuser = "a"\npassword = "x"\nrole = "Master"\n'
        '[[monitor.ups]]\nsystem = "v@h"\nuser = "b"\npassword = "y"\nrole = "slave"\n'
    )
    assert config.users["a"].upsmon == "primary"
    assert config.users["b"].upsmon == "secondary"
    assert config.monitor is not None
    assert [u.role for u in config.monitor.ups] == ["primary", "secondary"]


@pytest.mark.parametrize(
    "listen,expected",
    [
        ("127.0.0.1:3493", [("127.0.0.1", 3493)]),
        ("localhost", [("localhost", 3493)]),
        ("[::1]:3493", [("::1", 3493)]),
        ("[::1]", [("::1", 3493)]),
        ("::1", [("::1", 3493)]),  # a bare IPv6 address is whole: no port in it
        ("2001:db8::7", [("2001:db8::7", 3493)]),
        ("[fe80::1%eth0]:4000", [("fe80::1%eth0", 4000)]),
        ("*:3500", [("::", 3500), ("0.0.0.0", 3500)]),
    ],
)
def test_listen_addresses_parse_like_upsd(listen: str, expected: list[tuple[str, int]]) -> None:
    config = loads(f'[server]\nlisten = ["{listen}"]\n')
    assert config.server.listen == tuple(expected)


def test_listen_list_and_single_string() -> None:
    config = loads('[server]\nlisten = ["127.0.0.1:1", "[::1]:2"]\n')
    assert config.server.listen == (("127.0.0.1", 1), ("::1", 2))
    assert loads('[server]\nlisten = "0.0.0.0"\n').server.listen == (("0.0.0.0", 3493),)


def test_command_line_may_ask_for_any_free_port() -> None:
    assert conf.parse_listen("127.0.0.1:0", allow_zero=True) == ("127.0.0.1", 0)
    with pytest.raises(ValueError):
        conf.parse_listen("127.0.0.1:0")


def test_monitor_system_splits_into_name_host_and_port() -> None:
    assert conf.parse_system("ups") == ("ups", "localhost", 3493)
    assert conf.parse_system("ups@box") == ("ups", "box", 3493)
    assert conf.parse_system("ups@[::1]:5000") == ("ups", "::1", 5000)
    entry = load(EXAMPLE).monitor.ups[1]  # type: ignore[union-attr]
    assert (entry.upsname, entry.host, entry.port) == ("bigups", "2001:db8::5", 3493)


def test_driver_options_are_kept_as_ups_conf_strings() -> None:
    dev = load(EXAMPLE).devices["myups"]
    assert dev.options == {
        "mode": "dummy-loop",
        "nolock": "true",
        "override.battery.charge.low": "30",
        "default.input.voltage.nominal": "230",
    }
    assert dev.flag("nolock") and not dev.flag("ignorelb")
    assert "driver" not in dev.options and "pollinterval" not in dev.options


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    path = tmp_path / "site" / "nutrio.toml"
    path.write_text(
        '[server.tls]\ncertfile = "tls/cert.pem"\n\n'
        '[devices.u]\ndriver = "dummy-ups"\nport = "u.dev"\n\n'
        '[[log.entry]]\nups = "u"\nfile = "power.log"\n'
    )
    config = load(path)
    tls = config.server.tls
    assert tls is not None
    assert tls.certfile == tls.keyfile == tmp_path / "site" / "tls" / "cert.pem"
    assert config.devices["u"].path() == tmp_path / "site" / "u.dev"
    assert config.log.entries[0].file == tmp_path / "site" / "power.log"


def test_instcmds_and_actions_are_normalised() -> None:
    user = loads('[users.a]\npassword = "x"\nactions = ["set", "Fsd"]\ninstcmds = ["ALL"]\n').users[
        "a"
    ]
    assert user.actions == frozenset({"SET", "FSD"})
    assert user.instcmds == ("all",)
    assert user.may_instcmd("test.battery.start")
    helper = loads('[users.h]\npassword = "x"\ninstcmds = "Test.Battery.Start"\n').users["h"]
    assert helper.may_instcmd("test.battery.start") and not helper.may_instcmd("load.off")


def test_scheduler_rules_and_notify_flags() -> None:
    config = load(EXAMPLE)
    first, cancel, execute = config.scheduler.rules
    assert (first.action, first.timer, first.seconds, first.ups) == (
        "START-TIMER",
        "onbattwarn",
        30.0,
        "*",
    )
    assert (cancel.action, cancel.command) == ("CANCEL-TIMER", "back-online")
    assert (execute.action, execute.command, execute.timer) == ("EXECUTE", "lowbatt-now", None)
    assert config.notify.flags_for("online") == frozenset({"SYSLOG", "EXEC"})
    assert config.notify.flags_for("COMMBAD") == frozenset({"SYSLOG", "WALL"})


def test_empty_text_gives_nut_defaults() -> None:
    config = loads("")
    assert config.server == ServerConfig()
    assert config.server.idle_timeout == 60 and config.server.maxage == 15
    assert config.devices == {} and config.monitor is None and config.chaos is None


def test_config_values_are_frozen() -> None:
    config = load(EXAMPLE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.server.maxage = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.devices["new"] = config.devices["myups"]  # type: ignore[index]
    with pytest.raises(TypeError):
        config.devices["myups"].options["mode"] = "x"  # type: ignore[index]
    assert isinstance(config.devices, MappingProxyType)
    assert hash(config.users["admin"].actions) is not None


def test_load_chaos_reads_a_separate_file(tmp_path: Path) -> None:
    path = tmp_path / "chaos.toml"
    path.write_text(
        '[chaos]\nseed = 42\n\n[[chaos.fault]]\ntarget = "driver:dummy"\nkind = "crash"\n'
        "after_seconds = 3\ntimes = 1\n"
    )
    chaos = load_chaos(path)
    assert chaos.seed == 42
    (fault,) = chaos.faults
    assert (fault.target, fault.kind, fault.after_seconds, fault.times) == (
        "driver:dummy",
        "crash",
        3.0,
        1,
    )
    assert (fault.probability, fault.delay, fault.duration, fault.after_messages) == (
        1.0,
        0.0,
        None,
        None,
    )


def test_describe_lists_devices_and_rights_never_passwords() -> None:
    text = describe(load(EXAMPLE))
    for words in (
        "127.0.0.1:3493", "[::1]:3493",
        "myups: driver dummy-ups, port myups.seq", "rackpdu: driver snmp-ups",
        "admin: actions FSD+SET, instcmds all", "monuser: upsmon primary",
        "myups@localhost:3493", "crash driver:myups",
        "tls: STARTTLS, verify on, no plain-text fallback, 1 host rule(s)",
    ):  # fmt: skip
        assert words in text
    for secret in ("secret", "pass\n", '"pass"', "abcd", "scrypt$", "public"):
        assert secret not in text


def test_passwords_stay_out_of_repr() -> None:
    config = load(EXAMPLE)
    shown = repr(config)
    assert "myups" in shown
    assert "secret" not in shown and "abcd" not in shown and "scrypt$" not in shown


def test_describe_the_default() -> None:
    text = describe(default_config())
    assert "dummy: driver dummy-ups, port dummy.seq" in text
    assert "web: 127.0.0.1:8080" in text
    assert "chaos: off" in text


def test_config_error_is_plain_data() -> None:
    error = ConfigError("f.toml", 3, "server.maxage", "bad")
    assert (error.path, error.line, error.key, error.message) == (
        "f.toml",
        3,
        "server.maxage",
        "bad",
    )
    assert str(error) == "f.toml:3: server.maxage: bad"
    assert str(ConfigError("f.toml", None, None, "cannot read")) == "f.toml: cannot read"


def without_lines(config: conf.Config) -> conf.Config:
    devices = {n: dataclasses.replace(d, line=0) for n, d in config.devices.items()}
    return dataclasses.replace(config, devices=MappingProxyType(devices))


@pytest.mark.parametrize("source", [EXAMPLE, DEFAULT_PATH], ids=["example", "default"])
def test_dumped_config_loads_back_equal(source: Path) -> None:
    config = load(source)
    again = loads(conf.dumps(config), source)
    assert without_lines(again) == without_lines(config)
    assert list(again.devices["myups" if source == EXAMPLE else "dummy"].options) == list(
        config.devices["myups" if source == EXAMPLE else "dummy"].options
    )


def test_dump_round_trip_can_fail() -> None:
    config = load(EXAMPLE)
    changed = dataclasses.replace(config, server=dataclasses.replace(config.server, maxage=16.0))
    assert without_lines(loads(conf.dumps(changed), EXAMPLE)) != without_lines(config)
