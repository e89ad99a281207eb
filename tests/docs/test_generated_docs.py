"""The generated references match the code, and the schema matches the loader.

docs/configuration.md, protocol.md and cli.md are what `python -m nutrio.docs`
writes; each subcommand's real help equals its block in cli.md; every schema
key is accepted and read by conf.loads, no other key is; the example file
uses exactly the schema's keys; absent keys load as the schema's defaults.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import tomli

from nutrio import conf, docs
from nutrio.conf import schema
from nutrio.conf.errors import ConfigError
from nutrio.conf.model import Config
from nutrio.protocol.common.errors import NutError

EXAMPLE = Path(conf.__file__).parent / "examples" / "nutrio.toml"
RERUN = "run python -m nutrio.docs"


@cache
def generated() -> dict[str, str]:
    return docs.render_all()


# -- the files -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["configuration.md", "protocol.md", "cli.md", "hardware.md"])
def test_generated_file_is_current(name: str) -> None:
    path = docs.DOCS / name
    assert path.exists(), f"docs/{name} is missing: {RERUN}"
    assert path.read_text(encoding="utf-8") == generated()[name], f"docs/{name} is stale: {RERUN}"


def test_check_mode_names_the_stale_file_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    for name, text in generated().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert _docs_main("--check", "--dir", str(tmp_path)).returncode == 0  # the program itself
    # then its main() here, on the same rendering (each one runs every `nutrio X --help`)
    monkeypatch.setattr(docs, "render_all", generated)
    (tmp_path / "protocol.md").write_text("old\n")
    assert docs.main(["--check", "--dir", str(tmp_path)]) == 1
    stderr = capsys.readouterr().err
    assert "protocol.md is stale: run python -m nutrio.docs" in stderr
    assert "cli.md" not in stderr and (tmp_path / "protocol.md").read_text() == "old\n"
    assert docs.main(["--dir", str(tmp_path)]) == 0
    assert (tmp_path / "protocol.md").read_text() == generated()["protocol.md"]


def _docs_main(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nutrio.docs", *args], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(docs.ROOT)}, timeout=120, check=False,
    )  # fmt: skip


# -- command line ----------------------------------------------------------------

COMMANDS = docs.cli_commands()


def test_every_registered_subcommand_has_a_block() -> None:
    listed = [line for line, _ in docs.cli_blocks((docs.DOCS / "cli.md").read_text())]
    expected = [" ".join(("nutrio", *words, flag)) for words, flag in COMMANDS]
    assert listed == expected, RERUN
    # the enumeration is not a fixed list: nested and NUT-style subcommands are in it
    assert ("nutrio conf import --help" in expected and "nutrio drivers stop --help" in expected
            and "nutrio upsc -h" in expected)  # fmt: skip


@pytest.mark.parametrize(("words", "flag"), COMMANDS,
                         ids=[" ".join(w) or "nutrio" for w, _ in COMMANDS])
def test_help_output_equals_its_block(words: tuple[str, ...], flag: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nutrio", *words, flag], capture_output=True, text=True,
        env={**os.environ, **docs.HELP_ENV}, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    blocks = dict(docs.cli_blocks((docs.DOCS / "cli.md").read_text()))
    line = " ".join(("nutrio", *words, flag))
    assert line in blocks, f"docs/cli.md has no block for `{line}`: {RERUN}"
    assert done.stdout.rstrip("\n") == blocks[line].rstrip("\n"), f"`{line}` changed: {RERUN}"


# -- protocol ------------------------------------------------------------------


def test_protocol_reference_lists_every_command_and_code() -> None:
    text = generated()["protocol.md"]
    for row in docs.served():
        assert f"### {row.name}\n" in text
    for code in NutError:
        assert f"| `{code.value}` |" in text


def test_err_codes_are_read_through_the_calls_a_handler_makes() -> None:
    rows = {row.name: set(row.errors) for row in docs.served()}
    # SET VAR's value checks live in netset.check_value, the lookups in Session methods
    assert {NutError.READONLY, NutError.INVALID_VALUE, NutError.UNKNOWN_UPS,
            NutError.DATA_STALE, NutError.ACCESS_DENIED} <= rows["SET VAR"]  # fmt: skip
    assert NutError.FEATURE_NOT_CONFIGURED not in rows["GET VAR"]  # GET TRACKING's, not GET VAR's
    assert rows["HELP"] == {NutError.INVALID_ARGUMENT}


# -- configuration: one document using every key -------------------------------

#: Every key of every table, each with a valid value that is not its default.
EVERY_KEY: dict[str, Any] = {
    "server": {
        "listen": ["127.0.0.1:3493", "[::1]:3493"], "maxage": 20, "maxconn": 10,
        "upsmon_slots": 2, "idle_timeout": 30, "send_timeout": 5, "auth_penalty": 0.5,
        "auth_penalty_cap": 2, "auth_penalty_budget": 16,
        "max_line": 1000, "trackingdelay": 60, "transport": "stream", "allow_no_device": True,
        "allow_not_all_listeners": True, "statepath": "state", "announce": True,
        "tls": {"certfile": "c.pem", "keyfile": "k.pem", "require": True,
                "client_ca": "ca.pem", "min_version": "TLSv1.3"},
    },
    "devices": {"myups": {"driver": "dummy-ups", "port": "myups.dev", "desc": "Rack",
                          "pollinterval": 2, "maxage": 10, "sdorder": 1, "maxstartdelay": 10,
                          "driver_generics": True}},
    "users": {
        "admin": {"password": "secret", "actions": ["SET"], "instcmds": ["all"],
                  "upsmon": "primary"},
        "hashed": {"password_hash": "scrypt$16384$8$1$c2FsdHNhbHQ=$3q2+7w=="},
    },
    "monitor": {
        "minsupplies": 2, "shutdowncmd": "/bin/true", "pollfreq": 2, "pollfreqalert": 1,
        "hostsync": 5, "deadtime": 10, "finaldelay": 1, "run_as_user": "nut",
        "powerdownflag": "flag", "nocommwarntime": 100, "rbwarntime": 100, "offduration": 10,
        "oblbduration": 5, "overduration": 10, "alarmcritical": False,
        "ups": [{"system": "myups@localhost:3493", "powervalue": 2, "user": "admin",
                 "password": "secret", "role": "secondary"}],
        "tls": {"ca_path": "ca.pem", "verify": True, "force": True, "certfile": "me.pem",
                "keyfile": "me.key", "host": [{"name": "localhost", "verify": False,
                                               "force": False}]},
    },
    "notify": {
        "notifycmd": "/bin/true", "messages": {"ONBATT": "on battery"},
        "flags": {"ONBATT": "EXEC"}, "driverfail_restarts": 3, "driverfail_window": 60,
        "ntfy": {"server": "http://127.0.0.1:1", "topic": "t", "token": "tk",
                 "events": ["ONBATT"], "scheduled": ["t"], "timeout": 5, "retries": 1,
                 "backoff": 2, "backoff_max": 10, "queue": 8},
        "telegram": {"token": "1:abc", "chat_id": 42, "api_url": "http://127.0.0.1:1",
                     "events": ["ONBATT"], "scheduled": ["t"], "timeout": 5, "retries": 1,
                     "backoff": 2, "backoff_max": 10, "queue": 8},
        "threshold": [{"name": "load", "ups": "myups", "variable": "ups.load", "above": 80,
                       "seconds": 5, "message": "high", "cleared_message": "fine"},
                      {"name": "runtime", "variable": "battery.runtime", "below": 600}],
        "webhook": {"url": "http://127.0.0.1/hook", "headers": {"X-Key": "v"},
                    "events": ["ONBATT"], "scheduled": ["t"], "timeout": 5, "retries": 1,
                    "backoff": 2, "backoff_max": 10, "queue": 8},
        "email": {"host": "smtp.example.org", "port": 25, "starttls": False, "user": "u",
                  "password": "p", "from": "a@example.org", "to": ["b@example.org"],
                  "ca_file": "/ca.pem", "events": ["FSD"], "scheduled": ["t"], "timeout": 5,
                  "retries": 1, "backoff": 2, "backoff_max": 10, "queue": 8},
    },
    "scheduler": {
        "cmdscript": "/bin/true",
        "at": [{"notify_type": "ONBATT", "ups": "myups@localhost", "action": "START-TIMER",
                "timer": "t", "seconds": 30},
               {"notify_type": "ONLINE", "action": "CANCEL-TIMER", "timer": "t",
                "command": "back"}],
    },
    "web": {"enabled": False, "listen": "127.0.0.1:8081", "template_dir": "tpl"},
    "log": {"entry": [{"ups": "myups@localhost", "interval": 10, "format": "%VAR ups.status%",
                       "file": "power.log"}]},
    "chaos": {
        "seed": 7,
        "fault": [{"target": "server", "kind": "delay", "after_messages": 3, "after_seconds": 2,
                   "probability": 0.5, "delay": 0.1, "times": 2},
                  {"target": "driver:myups", "kind": "freeze", "duration": 5}],
    },
}  # fmt: skip

#: Only the required keys (and what a table needs to be valid), for the defaults.
REQUIRED_ONLY: dict[str, Any] = {
    "server": {"tls": {"certfile": "c.pem"}},
    "devices": {"myups": {"driver": "dummy-ups", "port": "myups.dev"}},
    "users": {"admin": {"password": "secret"}},
    "monitor": {"ups": [{"system": "myups@localhost", "user": "admin", "password": "secret",
                         "role": "primary"}],
                "tls": {"host": [{"name": "localhost"}]}},
    "notify": {"messages": {}, "flags": {},
               "ntfy": {"topic": "t"}, "telegram": {"token": "1:abc", "chat_id": "@c"},
               "threshold": [{"name": "load", "variable": "ups.load", "above": 80}],
               "webhook": {"url": "http://127.0.0.1/hook"},
               "email": {"host": "smtp.example.org", "from": "a@example.org",
                         "to": "b@example.org"}},
    "scheduler": {"cmdscript": "/bin/true",
                  "at": [{"notify_type": "LOWBATT", "action": "EXECUTE", "command": "now"}]},
    "web": {},
    "log": {"entry": [{"ups": "myups@localhost"}]},
    "chaos": {"fault": [{"target": "server", "kind": "crash"}]},
}  # fmt: skip

#: Where each table's values end up in the loaded Config.
LOADED: dict[str, Callable[[Config], list[Any]]] = {
    "server": lambda c: [c.server],
    "server.tls": lambda c: [c.server.tls],
    "devices.<name>": lambda c: list(c.devices.values()),
    "users.<name>": lambda c: list(c.users.values()),
    "monitor": lambda c: [c.monitor],
    "monitor.ups": lambda c: list(c.monitor.ups) if c.monitor else [],
    "monitor.tls": lambda c: [c.monitor.tls] if c.monitor else [],
    "monitor.tls.host": lambda c: list(c.monitor.tls.hosts) if c.monitor and c.monitor.tls else [],
    "notify": lambda c: [c.notify],
    "notify.messages": lambda c: [],
    "notify.flags": lambda c: [],
    "notify.webhook": lambda c: [c.notify.channels.webhook],
    "notify.email": lambda c: [c.notify.channels.email],
    "notify.ntfy": lambda c: [c.notify.channels.ntfy],
    "notify.telegram": lambda c: [c.notify.channels.telegram],
    "notify.threshold": lambda c: list(c.notify.thresholds),
    "scheduler": lambda c: [c.scheduler],
    "scheduler.at": lambda c: list(c.scheduler.rules),
    "web": lambda c: [c.web],
    "log": lambda c: [c.log],
    "log.entry": lambda c: list(c.log.entries),
    "chaos": lambda c: [c.chaos],
    "chaos.fault": lambda c: list(c.chaos.faults) if c.chaos else [],
}


def toml(doc: dict[str, Any]) -> str:
    """``doc`` as TOML: one top-level key per line, everything below inline."""
    return "".join(f"{json.dumps(k)} = {_inline(v)}\n" for k, v in doc.items())


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def tables_at(doc: dict[str, Any], path: str) -> list[dict[str, Any]]:
    """The raw tables of ``doc`` a schema section describes ("<name>" matches each)."""
    if not path:
        return [doc]
    found: list[dict[str, Any]] = [doc]
    for part in path.split("."):
        below: list[dict[str, Any]] = []
        for table in found:
            if part.startswith("<"):
                below += [v for v in table.values() if isinstance(v, dict)]
            elif part in table:
                value = table[part]
                below += value if isinstance(value, list) else [value]
        found = below
    return found


def keyed(path: str) -> Iterator[schema.Key]:
    """The named keys (not "<...>" patterns) of the section at ``path``."""
    return (key for key in schema.section(path).keys if not key.pattern)


def test_every_section_is_mapped_in_this_test() -> None:
    assert set(LOADED) == {s.path for s in schema.SECTIONS}


def test_the_document_uses_every_schema_key() -> None:
    for section in schema.SECTIONS:
        tables = tables_at(EVERY_KEY, section.path)
        assert tables, f"EVERY_KEY lacks [{section.path}]"
        used = set().union(*(t.keys() for t in tables))
        missing = [key.name for key in keyed(section.path) if key.name not in used]
        assert not missing, f"EVERY_KEY lacks {section.path}: {missing}"


def test_every_schema_key_is_accepted_and_read() -> None:
    config = conf.loads(toml(EVERY_KEY))
    for section in schema.SECTIONS:
        loaded = LOADED[section.path](config)
        for key in keyed(section.path):
            if key.field is None:
                continue
            values = [getattr(obj, key.field) for obj in loaded]
            assert any(v != key.default for v in values), f"{section.path}.{key.name} is ignored"


def test_absent_keys_load_as_the_schema_defaults() -> None:
    config = conf.loads(toml(REQUIRED_ONLY))
    checked = 0
    for section in schema.SECTIONS:
        raws, loaded = tables_at(REQUIRED_ONLY, section.path), LOADED[section.path](config)
        assert len(raws) == len(loaded) or not loaded, section.path
        for raw, obj in zip(raws, loaded, strict=False):
            for key in keyed(section.path):
                if key.name in raw or key.field is None or key.default is schema.REQUIRED:
                    continue
                assert getattr(obj, key.field) == key.default, f"{section.path}.{key.name}"
                checked += 1
    assert checked > 60


def test_schema_defaults_are_the_dataclass_defaults() -> None:
    for section in schema.SECTIONS:
        if section.model is None:
            continue
        fields = {f.name: f for f in dataclasses.fields(section.model)}
        for key in keyed(section.path):
            if key.field is None:
                continue
            field = fields[key.field]
            if field.default is not dataclasses.MISSING:
                assert key.default == field.default, f"{section.path}.{key.name}"
            elif field.default_factory is not dataclasses.MISSING:
                assert key.default == field.default_factory(), f"{section.path}.{key.name}"
            else:
                assert key.default is schema.REQUIRED, f"{section.path}.{key.name}"


def _rejectable() -> list[str]:
    """Tables whose unknown keys are refused: all but [devices.<name>] (driver options)."""
    return ["", *(s.path for s in schema.SECTIONS if not s.more)]


@pytest.mark.parametrize("path", _rejectable(), ids=lambda p: p or "top level")
def test_an_undocumented_key_is_refused(path: str) -> None:
    doc = copy.deepcopy(EVERY_KEY)
    pattern = path and any(key.pattern for key in schema.section(path).keys)
    name = "NOTATYPE" if pattern else "undocumented_key"
    tables_at(doc, path)[0][name] = "x"
    with pytest.raises(ConfigError) as info:
        conf.loads(toml(doc))
    assert info.value.key is not None and info.value.key.endswith(name), str(info.value)
    assert "unknown" in info.value.message


# -- configuration: the example file --------------------------------------------


def test_example_uses_every_schema_key_and_no_other() -> None:
    raw = tomli.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert set(raw) <= set(schema.allowed(""))
    for section in schema.SECTIONS:
        tables = tables_at(raw, section.path)
        assert tables, f"{EXAMPLE.name} lacks {section.header}"
        used = set().union(*(t.keys() for t in tables))
        missing = [key.name for key in keyed(section.path) if key.name not in used]
        assert not missing, f"{EXAMPLE.name} lacks {section.path}: {missing}"
        if not section.more and not any(key.pattern for key in section.keys):
            unknown = used - set(schema.allowed(section.path))
            assert not unknown, f"{EXAMPLE.name} [{section.path}] has keys not in the schema"
    conf.load(EXAMPLE)


def test_reference_has_a_row_for_every_key() -> None:
    text = generated()["configuration.md"]
    for section in schema.SECTIONS:
        assert f"## `{section.header}`" in text
        for key in section.keys:
            assert f"| `{key.name}` |" in text
