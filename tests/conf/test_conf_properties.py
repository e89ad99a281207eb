"""Generated input: parsers answer with a value or a clean error, never a traceback."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from hypothesis import given
from hypothesis import strategies as st

from nutrio.conf import (
    Config,
    ConfigError,
    DeviceConfig,
    MonitorConfig,
    MonitorUps,
    dumps,
    format_hostport,
    loads,
    parse_listen,
)
from nutrio.conf._source import SourceMap

hosts = st.one_of(
    st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True),
    st.ip_addresses().map(str),
)
ports = st.integers(min_value=1, max_value=65535)
MONITORED = MonitorUps(system="u@localhost", user="mon", password='p w"d', role="primary")


@given(hosts, ports)
def test_listen_round_trips(host: str, port: int) -> None:
    assert parse_listen(format_hostport(host, port)) == (host, port)


@given(st.text(max_size=40))
def test_listen_never_crashes(text: str) -> None:
    try:
        host, port = parse_listen(text)
    except ValueError:
        return
    assert host and 1 <= port <= 65535


@given(st.text(alphabet=st.sampled_from(list('[]{}"=.\n #abc12,')), max_size=200))
def test_any_text_gives_a_config_or_a_config_error(text: str) -> None:
    try:
        loads(text, "gen.toml")
    except ConfigError as error:
        assert str(error).startswith("gen.toml")


@given(
    st.text(max_size=300), st.lists(st.one_of(st.text(max_size=5), st.integers(0, 3)), max_size=4)
)
def test_line_finder_never_crashes(text: str, path: list[str | int]) -> None:
    line = SourceMap(text).line_of(tuple(path))
    assert line is None or 1 <= line <= max(1, len(text.splitlines()))


@given(
    desc=st.text(max_size=30),
    option_name=st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z0-9_]{1,6}){0,3}", fullmatch=True),
    option_value=st.text(max_size=30),
    command=st.text(min_size=1, max_size=30),
)
def test_any_strings_survive_dump_and_load(
    desc: str, option_name: str, option_value: str, command: str
) -> None:
    dev = DeviceConfig(
        name="u", driver="dummy-ups", port="u.dev", desc=desc,
        options=MappingProxyType({option_name: option_value}), config_dir=Path.cwd(),
    )  # fmt: skip
    config = Config(
        devices=MappingProxyType({"u": dev}),
        monitor=MonitorConfig(shutdowncmd=command, ups=(MONITORED,)),
    )
    again = loads(dumps(config))
    assert again.devices["u"].desc == desc
    assert dict(again.devices["u"].options) == {option_name: option_value}
    assert again.monitor == config.monitor
