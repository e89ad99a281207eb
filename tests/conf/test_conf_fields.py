"""The example shows every field, and loaded values have exactly their declared types."""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli

from nutrio import conf
from nutrio.conf import model
from nutrio.supervisor import faults

EXAMPLE = Path(conf.__file__).parent / "examples" / "nutrio.toml"

#: Fields that are not TOML keys: they come from the table name or the file.
DERIVED = {
    "Config": {"source"},
    "DeviceConfig": {"name", "options", "config_dir", "line"},
    "UserConfig": {"name"},
}
#: Fields whose TOML key is spelled differently (arrays of tables are singular).
TOML_NAME = {("SchedulerConfig", "rules"): "at", ("LogConfig", "entries"): "entry",
             ("ChaosConfig", "faults"): "fault",
             ("NotifyConfig", "channels"): "webhook", ("MonitorTls", "hosts"): "host",
             ("NotifyConfig", "thresholds"): "threshold"}  # fmt: skip


def raw_tables() -> dict[str, list[dict[str, Any]]]:
    """For each dataclass name, the raw TOML tables of the example that feed it."""
    raw = tomli.loads(EXAMPLE.read_text())
    server, monitor = raw["server"], raw["monitor"]
    return {
        "Config": [raw],
        "ServerConfig": [server],
        "TlsConfig": [server["tls"]],
        "DeviceConfig": list(raw["devices"].values()),
        "UserConfig": list(raw["users"].values()),
        "MonitorConfig": [monitor],
        "MonitorUps": monitor["ups"],
        "MonitorTls": [monitor["tls"]],
        "MonitorTlsHost": monitor["tls"]["host"],
        "NotifyConfig": [raw["notify"]],
        "SchedulerConfig": [raw["scheduler"]],
        "SchedulerRule": raw["scheduler"]["at"],
        "WebConfig": [raw["web"]],
        "LogConfig": [raw["log"]],
        "LogEntry": raw["log"]["entry"],
        "ChaosConfig": [raw["chaos"]],
        "FaultConfig": raw["chaos"]["fault"],
    }


def model_classes() -> set[str]:
    """The config's dataclasses: the model's own, and the supervisor's fault schema it names."""
    own = {
        name
        for name, obj in inspect.getmembers(model, inspect.isclass)
        if dataclasses.is_dataclass(obj) and obj.__module__ == model.__name__
    }
    assert model.ChaosConfig is faults.ChaosPlan and model.FaultConfig is faults.FaultSpec
    return own | {"ChaosConfig", "FaultConfig"}


def test_example_sets_every_field_of_every_section() -> None:
    tables = raw_tables()
    assert set(tables) == model_classes(), "a dataclass is missing from this test's table"
    for name, raws in tables.items():
        cls = getattr(model, name)
        keys = set().union(*(t.keys() for t in raws))
        for f in dataclasses.fields(cls):
            if f.name in DERIVED.get(name, set()):
                continue
            assert TOML_NAME.get((name, f.name), f.name) in keys, f"example lacks {name}.{f.name}"


def test_example_uses_driver_options() -> None:
    assert any(dev.options for dev in conf.load(EXAMPLE).devices.values())


def check_type(value: Any, hint: Any, where: str) -> None:
    """Assert ``value`` matches ``hint`` exactly (floats are floats, not ints)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return
    if origin in (typing.Union, types.UnionType):
        errors = []
        for arg in args:
            try:
                check_type(value, arg, where)
                return
            except AssertionError as error:
                errors.append(error)
        raise AssertionError(f"{where}: {value!r} matches none of {hint}")
    if hint is type(None):
        assert value is None, where
    elif origin is typing.Literal:
        assert value in args, f"{where}: {value!r} not in {args}"
    elif origin is tuple:
        assert type(value) is tuple, f"{where}: {type(value)} is not a tuple"
        items = args[:1] * len(value) if len(args) == 2 and args[1] is ... else args
        assert len(items) == len(value), where
        for i, (item, arg) in enumerate(zip(value, items)):
            check_type(item, arg, f"{where}[{i}]")
    elif origin is frozenset:
        assert type(value) is frozenset, where
        for item in value:
            check_type(item, args[0], where)
    elif origin is Mapping:
        assert type(value) is types.MappingProxyType, f"{where}: {type(value)} is not read-only"
        for key, item in value.items():
            check_type(key, args[0], where)
            check_type(item, args[1], f"{where}[{key!r}]")
    elif dataclasses.is_dataclass(hint):
        assert type(value) is hint, f"{where}: {type(value)} is not {hint}"
        check_dataclass(value, where)
    elif hint is Path:
        assert isinstance(value, Path), f"{where}: {value!r} is not a Path"
    else:
        assert type(value) is hint, f"{where}: {value!r} is {type(value).__name__}, not {hint}"


def check_dataclass(value: Any, where: str) -> None:
    module = vars(__import__(type(value).__module__, fromlist=["_"]))
    hints = typing.get_type_hints(type(value), {**vars(model), **module})
    for f in dataclasses.fields(value):
        check_type(getattr(value, f.name), hints[f.name], f"{where}.{f.name}")


def test_loaded_values_have_their_declared_types() -> None:
    for config in (conf.load(EXAMPLE), conf.default_config(), conf.loads("")):
        check_dataclass(config, "config")


def test_type_check_can_fail() -> None:
    config = conf.loads("")
    broken = dataclasses.replace(config, server=dataclasses.replace(config.server, maxage=15))
    try:
        check_dataclass(broken, "config")
    except AssertionError as error:
        assert "maxage" in str(error)
    else:
        raise AssertionError("an int where a float belongs went unnoticed")


def test_every_model_dataclass_is_frozen_slotted_and_keyword_only() -> None:
    for name in model_classes():
        cls = getattr(model, name)
        params = cls.__dataclass_params__
        assert params.frozen, name
        assert "__slots__" in vars(cls), name
        assert all(f.kw_only for f in dataclasses.fields(cls)), name
