"""Every configuration mistake is reported as file:line: key: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from nutrio.conf import ConfigError, load, load_chaos, loads

DEVICE = """\
[devices.myups]
driver = "dummy-ups"
port = "myups.dev"
"""
LOGIN = 'user = "u"\npassword = "p"\n'


def error_of(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        loads(text, "nutrio.toml")
    return info.value


# (what the user wrote, line and key the message must name, words it must contain)
CASES = {
    "wrong type": (
        DEVICE + 'desc = "x"\npollinterval = "fast"\n',
        5,
        "devices.myups.pollinterval",
        'expected a number, got "fast"',
    ),
    "unknown key with a hint": (
        '[server]\nmaxage = 15\nlisten_on = ["127.0.0.1:3493"]\n',
        3,
        "server.listen_on",
        "unknown key (did you mean 'listen'?)",
    ),
    "unknown section": (
        DEVICE + "\n[upsd]\nmaxage = 3\n",
        5,
        "upsd",
        "unknown key",
    ),
    "missing required field": (
        '[server]\nmaxage = 15\n\n[devices.myups]\ndriver = "dummy-ups"\n',
        4,
        "devices.myups.port",
        "missing required key",
    ),
    "duplicate UPS name": (
        DEVICE + "\n" + DEVICE,
        5,
        "devices.myups",
        "duplicate UPS name 'myups'",
    ),
    "duplicate key": (
        DEVICE + 'port = "other.dev"\n',
        4,
        "devices.myups.port",
        "set twice",
    ),
    "port out of range": (
        '[server]\nlisten = ["127.0.0.1:3493", "0.0.0.0:99999"]\n',
        2,
        "server.listen",
        "port must be 1..65535, got 99999",
    ),
    "no listen address": (
        "[server]\nlisten = []\n",
        2,
        "server.listen",
        "needs at least one address",
    ),
    "port zero": (
        '[server]\n\nlisten = "[::1]:0"\n',
        3,
        "server.listen",
        "port must be 1..65535, got 0",
    ),
    "port not a number": (
        '[web]\nlisten = "localhost:http"\n',
        2,
        "web.listen",
        "port must be a decimal number",
    ),
    "bracketed non-IPv6": (
        '[server]\nlisten = ["[127.0.0.1]:3493"]\n',
        2,
        "server.listen",
        "not an IPv6 address",
    ),
    "bad upsmon role": (
        '[users.mon]\npassword = "x"\nupsmon = "boss"\n',
        3,
        "users.mon.upsmon",
        'expected one of primary, secondary, got "boss"',
    ),
    "second monitor entry": (
        (
            "[monitor]\nshutdowncmd = 'true'\n\n"
            '[[monitor.ups]]\nsystem = "a@localhost"\n' + LOGIN + 'role = "primary"\n\n'
            '[[monitor.ups]]\nsystem = "b@localhost"\n' + LOGIN + 'role = "leader"\n'
        ),
        14,
        "monitor.ups[1].role",
        '"leader"',
    ),
    "monitor system without a name": (
        '[monitor]\n[[monitor.ups]]\nsystem = "@host"\n' + LOGIN + 'role = "primary"\n',
        3,
        "monitor.ups[0].system",
        "upsname[@host[:port]]",
    ),
    "inline device table": (
        (
            '[devices]\nok = { driver = "dummy-ups", port = "a" }\n'
            'bad = { driver = "dummy-ups", port = "b", maxage = -1 }\n'
        ),
        3,
        "devices.bad.maxage",
        "must be at least 0",
    ),
    "UPS name with a space": (
        '[devices."my ups"]\ndriver = "dummy-ups"\nport = "x"\n',
        1,
        'devices."my ups"',
        "bad UPS name",
    ),
    "reserved UPS name": (
        '[devices.default]\ndriver = "dummy-ups"\nport = "x"\n',
        1,
        "devices.default",
        "reserved",
    ),
    "both password kinds": (
        '[users.a]\npassword = "x"\npassword_hash = "scrypt$1$2"\n',
        1,
        "users.a",
        "exactly one of password and password_hash",
    ),
    "bad action": (
        '[users.a]\npassword = "x"\nactions = ["SET", "reboot"]\n',
        3,
        "users.a.actions",
        "unknown action 'REBOOT'",
    ),
    "chaos probability": (
        (
            '[chaos]\nseed = 1\n[[chaos.fault]]\ntarget = "driver:x"\nkind = "drop"\n'
            "probability = 1.5\n"
        ),
        6,
        "chaos.fault[0].probability",
        "between 0 and 1",
    ),
    "chaos kind": (
        '[chaos]\n[[chaos.fault]]\ntarget = "driver:x"\nkind = "explode"\n',
        4,
        "chaos.fault[0].kind",
        "expected one of crash, delay, drop, freeze",
    ),
    "chaos negative seconds": (
        '[chaos]\n[[chaos.fault]]\ntarget = "t"\nkind = "crash"\nafter_seconds = -2\n',
        5,
        "chaos.fault[0].after_seconds",
        "must be at least 0",
    ),
    "nested driver option": (
        DEVICE + 'mode = "dummy-loop"\noverride.battery.charge.low = [30]\n',
        5,
        "devices.myups.override",
        "driver options must be strings, numbers or booleans, got an array",
    ),
    "delay on a crash fault": (
        '[chaos]\n[[chaos.fault]]\ntarget = "t"\nkind = "crash"\ndelay = 2\n',
        5,
        "chaos.fault[0].delay",
        'only used by kind = "delay"',
    ),
    "integer expected": (
        "[server]\nmaxconn = 10.5\n",
        2,
        "server.maxconn",
        "expected an integer, got 10.5",
    ),
    "timer without seconds": (
        (
            '[scheduler]\ncmdscript = "/bin/true"\n[[scheduler.at]]\nnotify_type = "ONBATT"\n'
            'action = "start-timer"\ntimer = "t"\n'
        ),
        3,
        "scheduler.at[0].seconds",
        "needed by START-TIMER",
    ),
    "IGNORE with other flags": (
        '[notify.flags]\nONBATT = "SYSLOG+IGNORE"\n',
        2,
        "notify.flags.ONBATT",
        "IGNORE cannot be combined",
    ),
    "unknown notify type": (
        '[notify.messages]\nONFIRE = "help"\n',
        2,
        "notify.messages.ONFIRE",
        "unknown notify type",
    ),
    "tls require without CA": (
        '[server.tls]\ncertfile = "c.pem"\nrequire = true\n',
        3,
        "server.tls.require",
        "needs client_ca",
    ),
}


@pytest.mark.parametrize("text,line,key,words", CASES.values(), ids=list(CASES))
def test_error_names_file_line_and_key(text: str, line: int, key: str, words: str) -> None:
    error = error_of(text)
    assert (error.path, error.line, error.key) == ("nutrio.toml", line, key)
    assert str(error).startswith(f"nutrio.toml:{line}: {key}: ")
    assert words in str(error)


def test_message_reads_like_a_compiler_error() -> None:
    text = "[devices.myups]\n" + "\n" * 10 + DEVICE.split("\n", 1)[1] + 'pollinterval = "fast"\n'
    error = error_of(text)
    assert str(error) == 'nutrio.toml:14: devices.myups.pollinterval: expected a number, got "fast"'


def test_toml_syntax_error_has_the_line() -> None:
    error = error_of(DEVICE + "desc = \n")
    assert error.line == 4
    assert str(error).startswith("nutrio.toml:4: ")


def test_a_key_in_a_later_table_is_found_in_that_table() -> None:
    text = (
        '[devices.a]\ndriver = "dummy-ups"\nport = "x"\npollinterval = 1\n\n'
        '[devices.b]\ndriver = "dummy-ups"\nport = "y"\npollinterval = "slow"\n'
    )
    assert error_of(text).line == 9


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load(missing)
    assert str(info.value).startswith(f"{missing}: cannot read")


def test_load_names_the_path_it_was_given(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(DEVICE + "sdorder = -5\n")
    with pytest.raises(
        ConfigError, match=rf"^{path}:4: devices.myups.sdorder: must be at least -1"
    ):
        load(path)


def test_chaos_file_rejects_other_sections(tmp_path: Path) -> None:
    path = tmp_path / "chaos.toml"
    path.write_text("[chaos]\nseed = 3\n\n[server]\nmaxage = 1\n")
    with pytest.raises(ConfigError, match=r"chaos.toml:4: server: unknown key"):
        load_chaos(path)


def test_chaos_file_needs_a_chaos_table(tmp_path: Path) -> None:
    path = tmp_path / "chaos.toml"
    path.write_text("# nothing\n")
    with pytest.raises(ConfigError, match=r"chaos.toml: chaos: missing required table"):
        load_chaos(path)
