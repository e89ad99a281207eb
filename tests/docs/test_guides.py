"""The user guides in docs/ are tested: their files load, their outputs are real.

What is checked here: every TOML file loads (``chaos*.toml`` with
conf.load_chaos, the others with conf.load) after all of a guide's files
(``.seq``, ``.dev``) were written to a temporary directory; every ``$ nutrio
check-config FILE`` prints exactly what the guide shows; every event name the
docs mention is logged by the code; docs/README.md indexes every page and every
link resolves. test_guide_rehearsals.py runs each guide's rehearsal for real.
(tests/docs/guide_pages.py reads the pages.)
"""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from nutrio import conf
from tests.docs.guide_pages import (
    DOCS, GUIDES, PAGES, blocks, commands, files_of, shell_output, write_files,
)
from tests.nutriorun import nutrio_env
from tests.paths import ROOT

#: where logging calls live
SOURCE_DIRS = ("actors", "supervisor", "nutrio", "protocol", "conf")
LOG_METHODS = frozenset({"debug", "info", "warning", "error", "critical", "exception", "msg"})
DOTTED = re.compile(r"^[a-z_]+(?:\.[a-z_0-9]+)+$")
#: backticked dotted names in tracing.md that are not log events
NOT_EVENTS = frozenset({
    "ups.status", "nutrio.toml", "chaos.toml", "chaos.fault", "battery.charge",
})  # fmt: skip
#: file names look dotted too; they are not events
FILE_SUFFIXES = frozenset({"toml", "seq", "dev", "md", "py", "conf", "users", "json", "log"})


def nutrio_cmd(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nutrio", *args], cwd=cwd, capture_output=True, text=True,
        env=nutrio_env(), timeout=timeout,
    )


# -- every TOML file loads ----------------------------------------------------------------


@pytest.mark.parametrize("page", [p for p in PAGES if p != "README.md"])
def test_every_toml_block_names_its_file_and_loads(page: str, tmp_path: Path) -> None:
    toml_blocks = [b for b in blocks(page) if b.lang == "toml"]
    unnamed = [b.line for b in toml_blocks if b.label is None]
    assert not unnamed, f"{page}: toml blocks without a `file`: line before them: {unnamed}"
    written = write_files(page, tmp_path)
    for block in toml_blocks:
        assert block.label is not None
        path = written[block.label]
        if path.name.startswith("chaos"):
            chaos = conf.load_chaos(path)
            assert chaos.faults, f"{page}: {block.label} injects nothing"
        else:
            conf.load(path)


def test_the_machine_guides_show_configs_and_simulations() -> None:
    for page in GUIDES:
        files = files_of(page)
        assert any(p.endswith("nutrio.toml") for p in files), page
        assert any(p.endswith(".seq") for p in files), f"{page}: no .seq power failure"


# -- outputs shown are outputs produced ---------------------------------------------------


def _check_config_blocks(page: str) -> Iterator[tuple[str, list[str]]]:
    for block in blocks(page):
        if block.lang != "console":
            continue
        for command, output in commands(block):
            if command.startswith("nutrio check-config "):
                yield command, output


@pytest.mark.parametrize("page", [*GUIDES, "chaos.md"])
def test_check_config_prints_what_the_guide_shows(page: str, tmp_path: Path) -> None:
    write_files(page, tmp_path)
    shown = list(_check_config_blocks(page))
    assert shown, f"{page} never shows `nutrio check-config`"
    for command, output in shown:
        out = nutrio_cmd(*shlex.split(command)[1:], cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        assert out.stdout.rstrip("\n").splitlines() == output, f"{page}: {command}"


def test_the_demo_shutdown_command_prints_what_getting_started_promises() -> None:
    """The embedded default's SHUTDOWNCMD through /bin/sh: no syntax error, the promised line."""
    command = conf.default_config().monitor.shutdowncmd  # type: ignore[union-attr]
    assert command is not None
    promised = re.search(r"nutrio prints\s+`([^`]+)`", (DOCS / "getting-started.md").read_text())
    assert promised is not None
    assert shell_output(command) == promised.group(1)


# -- event names are real -----------------------------------------------------------------


@cache
def logged_events() -> frozenset[str]:
    """Every dotted event name passed to a logger method in the source tree."""
    events: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in LOG_METHODS and node.args):
                    events |= {name for name in _strings(node.args[0]) if DOTTED.match(name)}
    return frozenset(events)


def _strings(node: ast.expr) -> set[str]:
    """The event names an argument can be: a literal, or either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def backticked(page: str) -> set[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return {t for t in re.findall(r"`([^`\s]+)`", text) if DOTTED.match(t)}


def test_the_event_scan_sees_the_lifecycle_events() -> None:
    events = logged_events()
    assert {"actor.started", "actor.stopped", "actor.crashed", "actor.restarting",
            "supervisor.gave_up", "nutrio.ready", "chaos.injected"} <= events
    assert "config.device_added" in events  # logged through `a if c else b`
    assert "actor.exploded" not in events


def test_every_event_named_in_tracing_md_is_logged() -> None:
    names = backticked("tracing.md") - NOT_EVENTS
    assert len(names) > 20, names  # the page is about events: it names many
    missing = sorted(names - logged_events())
    assert not missing, f"tracing.md names events nothing logs: {missing}"


@pytest.mark.parametrize("page", [p for p in PAGES if p not in ("tracing.md", "README.md")])
def test_event_names_in_the_other_pages_are_logged(page: str) -> None:
    events = logged_events()
    # "driver" is also a variable prefix (driver.parameter.port): not checked here
    namespaces = {e.split(".")[0] for e in events} - {"driver"}
    names = {n for n in backticked(page)
             if n.split(".")[0] in namespaces and n.split(".")[-1] not in FILE_SUFFIXES}
    missing = sorted(names - events)
    assert not missing, f"{page} names events nothing logs: {missing}"


# -- the index and the links --------------------------------------------------------------


def links(page: str) -> list[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_the_docs_index_links_every_page() -> None:
    linked = {target.split("#")[0] for target in links("README.md")}
    pages = {p.name for p in DOCS.glob("*.md")} - {"README.md"}
    missing = sorted(pages - linked)
    assert not missing, f"docs/README.md does not link {missing}"


@pytest.mark.parametrize("page", PAGES)
def test_every_link_resolves(page: str) -> None:
    broken = []
    for target in links(page):
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        path = target.split("#")[0]
        if path and not (DOCS / path).exists():
            broken.append(target)
    assert not broken, f"{page}: broken links {broken}"
