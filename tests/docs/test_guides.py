"""The user guides in docs/ are tested: their files load, their outputs are real.

Conventions the guides follow (and these tests rely on):

- a fenced block preceded by a line holding only a backticked path and a colon
  (`` `primary/nutrio.toml`: ``) is that file; the path's first part names the
  machine. ```toml blocks always name their file;
- ```console blocks hold ``$ command`` lines, each followed by its output.

What is checked: every TOML file loads (``chaos*.toml`` with conf.load_chaos,
the others with conf.load) after all of a guide's files (``.seq``, ``.dev``)
were written to a temporary directory; every ``$ nutrio check-config FILE``
prints exactly what the guide shows; every event name the docs mention is
logged by the code; docs/README.md indexes every page and every link
resolves; and each guide's rehearsal runs for real (one `nutrio run` per
machine, on 127.0.0.x), with ``upsc`` showing the statuses the guide shows,
each SHUTDOWNCMD running once and in the order the guide says, and the
guide's jq recipe printing what the guide prints.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from nutrio import conf
from tests.paths import ROOT
from tests.realnut import free_port

DOCS = ROOT / "docs"
#: the pages this suite owns; their TOML, outputs and links are checked
GUIDES = ("guide-standalone.md", "guide-one-ups-many.md", "guide-big-box.md", "guide-bizarre.md")
PAGES = ("getting-started.md", *GUIDES, "chaos.md", "tracing.md", "README.md")
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


# -- reading the guides ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    lang: str
    text: str
    label: str | None  # the file this block is, when a `path`: line precedes it
    section: str  # the heading above it
    line: int


def blocks(page: str) -> list[Block]:
    """The fenced blocks of docs/<page>, in order."""
    found: list[Block] = []
    lines = (DOCS / page).read_text(encoding="utf-8").splitlines()
    section, i = "", 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        fence = re.match(r"^```(\S*)\s*$", line)
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].rstrip() == "```")
        found.append(Block(fence.group(1), "\n".join(lines[i + 1:end]) + "\n",
                           _label(lines[:i]), section, i + 1))
        i = end + 1
    return found


def _label(before: list[str]) -> str | None:
    previous = next((s for s in reversed(before) if s.strip()), "")
    match = re.match(r"^`([^`\s]+)`:\s*$", previous)
    return match.group(1) if match else None


def files_of(page: str) -> dict[str, str]:
    """Every labelled block of *page*: path -> content."""
    files: dict[str, str] = {}
    for block in blocks(page):
        if block.label is None:
            continue
        assert ".." not in Path(block.label).parts, block.label
        assert files.get(block.label, block.text) == block.text, \
            f"{page}:{block.line}: {block.label} shown twice with different content"
        files[block.label] = block.text
    return files


def write_files(page: str, dest: Path) -> dict[str, Path]:
    written = {}
    for label, text in files_of(page).items():
        path = dest / label
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written[label] = path
    return written


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """``($ command, output lines)`` pairs of a console block."""
    out: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith(("$ ", "# ")):
            out.append((line[2:], []))
        elif out:
            out[-1][1].append(line)
    return out


def nutrio_cmd(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nutrio", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=timeout,
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


# -- event names are real -----------------------------------------------------------------


def logged_events() -> set[str]:
    """Every dotted event name passed to a logger method in the source tree."""
    events: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in LOG_METHODS and node.args):
                    events |= {name for name in _strings(node.args[0]) if DOTTED.match(name)}
    return events


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


# -- the rehearsals, for real ------------------------------------------------------------


@dataclass(frozen=True)
class Rehearsal:
    """How to run one guide's rehearsal and what order its shutdowns must come in."""

    section: str  # the heading of the rehearsal
    machines: tuple[str, ...]  # directories holding a nutrio.toml, in start order
    jq_machine: str  # whose log the guide's jq recipe reads
    order: tuple[frozenset[str], ...]  # groups of machines, each group down before the next


REHEARSALS = {
    "guide-standalone.md": Rehearsal(
        "Rehearse a power failure", ("rehearsal",), "rehearsal", (frozenset({"rehearsal"}),)),
    "guide-one-ups-many.md": Rehearsal(
        "Rehearse it on one computer",
        ("rehearsal/db-server", "rehearsal/web1", "rehearsal/web2"), "rehearsal/db-server",
        (frozenset({"rehearsal/web1", "rehearsal/web2"}), frozenset({"rehearsal/db-server"}))),
    "guide-big-box.md": Rehearsal(
        "Rehearse: lose beta, then alpha", ("rehearsal",), "rehearsal",
        (frozenset({"rehearsal"}),)),
    "guide-bizarre.md": Rehearsal(
        "Rehearse it on one computer",
        ("rehearsal/alpha", "rehearsal/bravo", "rehearsal/charlie"), "rehearsal/bravo",
        (frozenset({"rehearsal/charlie"}), frozenset({"rehearsal/bravo"}),
         frozenset({"rehearsal/alpha"}))),
}


@dataclass
class Claims:
    """What a rehearsal section says will be seen."""

    statuses: dict[str, list[str]]  # upsc target as written -> ups.status values, in order
    listings: dict[str, list[str]]  # upsc target -> the full listing shown
    printed: list[str]  # lines shown as nutrio's own output (SHUTDOWNCMD echoes)
    jq: list[str]  # the jq recipe's argv (after `| `)
    jq_output: list[str]


def claims_of(page: str, section: str) -> Claims:
    statuses: dict[str, list[str]] = {}
    listings: dict[str, list[str]] = {}
    jq: list[str] = []
    jq_output: list[str] = []
    chosen = [b for b in blocks(page) if b.section == section]
    for block in chosen:
        for command, output in commands(block) if block.lang == "console" else []:
            words = shlex.split(command)
            if words[0] == "upsc" and words[2:] == ["ups.status"]:
                statuses.setdefault(words[1], []).append(" ".join(output))
            elif words[0] == "upsc" and len(words) == 2:
                listings[words[1]] = output
            elif "| jq " in command:
                jq, jq_output = shlex.split(command.split("| ", 1)[1]), output
    printed = [b.text.strip() for b in chosen if b.lang == "" and b.label is None]
    return Claims(statuses, listings, printed, jq, jq_output)


@pytest.mark.parametrize("page", GUIDES)
def test_each_rehearsal_section_makes_claims_to_check(page: str) -> None:
    spec = REHEARSALS[page]
    claims = claims_of(page, spec.section)
    assert sum(len(v) for v in claims.statuses.values()) >= 2, claims
    assert claims.jq[:1] == ["jq"] and claims.jq_output, page
    files = files_of(page)
    for machine in spec.machines:
        assert f"{machine}/nutrio.toml" in files, machine


@dataclass
class Running:
    name: str
    proc: subprocess.Popen[bytes]
    out: Path
    err: Path

    def stdout(self) -> str:
        return self.out.read_text(errors="replace")

    def log(self) -> str:
        return self.err.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _start(name: str, config: Path) -> Running:
    out, err = config.parent / "stdout", config.parent / "stderr"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nutrio", "run", "--config", "nutrio.toml",
             "--log-format", "json"],
            cwd=config.parent, stdout=o, stderr=e, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    return Running(name, proc, out, err)


def _wait_listening(config: Path, timeout: float = 30) -> None:
    for host, port in conf.load(config).server.listen:
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection((host, port), 0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


def _upsc(*args: str) -> subprocess.CompletedProcess[str]:
    """NUT's own upsc when installed (the guide's command), else nutrio's."""
    real = shutil.which("upsc")
    argv = [real] if real else [sys.executable, "-m", "nutrio", "upsc"]
    return subprocess.run([*argv, *args], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def _target(written: str, port: int) -> str:
    """``ups@host`` as the guide writes it -> the address the rehearsal really uses."""
    ups, _, host = written.partition("@")
    host = "127.0.0.1" if host in ("", "localhost") else host
    return f"{ups}@{host}:{port}"


def _echoed(config: Path) -> str:
    """What the rehearsal's SHUTDOWNCMD (an echo) prints, through /bin/sh as upsmon runs it."""
    command = conf.load(config).monitor.shutdowncmd  # type: ignore[union-attr]
    assert command is not None and command.startswith("echo "), command
    return _shell_output(command)


def _shell_output(command: str) -> str:
    done = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0 and done.stderr == "", (command, done.stderr)
    return done.stdout.rstrip("\n")


def test_the_demo_shutdown_command_prints_what_getting_started_promises() -> None:
    """The embedded default's SHUTDOWNCMD through /bin/sh: no syntax error, the promised line."""
    command = conf.default_config().monitor.shutdowncmd  # type: ignore[union-attr]
    assert command is not None
    promised = re.search(r"nutrio prints\s+`([^`]+)`", (DOCS / "getting-started.md").read_text())
    assert promised is not None
    assert _shell_output(command) == promised.group(1)


def _subsequence(wanted: list[str], seen: list[str]) -> bool:
    it = iter(seen)
    return all(any(w == s for s in it) for w in wanted)


def _shutdown_at(run: Running) -> float:
    """Where in the run's log SHUTDOWNCMD ran (the line's timestamp, ISO: sortable)."""
    for line in run.log().splitlines():
        if '"shutdown.command_ran"' in line:
            return datetime.fromisoformat(json.loads(line)["timestamp"]).timestamp()
    raise AssertionError(f"{run.name} never ran its shutdown command:\n{run.log()[-2000:]}")


@pytest.mark.parametrize("page", GUIDES)
def test_the_rehearsal_runs_as_the_guide_says(page: str, tmp_path: Path) -> None:
    spec = REHEARSALS[page]
    claims = claims_of(page, spec.section)
    written = write_files(page, tmp_path)
    port = free_port()
    configs = {m: written[f"{m}/nutrio.toml"] for m in spec.machines}
    for config in configs.values():  # every machine on its own address, one free port
        config.write_text(config.read_text().replace(":3493", f":{port}"))
    echoes = {m: _echoed(c) for m, c in configs.items()}
    targets = {t: _target(t, port) for t in (*claims.statuses, *claims.listings)}
    seen: dict[str, list[str]] = {t: [] for t in claims.statuses}
    listings: dict[str, list[str]] = {}
    runs: dict[str, Running] = {}
    try:
        for machine, config in configs.items():
            runs[machine] = _start(machine, config)
            _wait_listening(config)
        for shown in claims.listings:
            listings[shown] = _upsc(targets[shown]).stdout.splitlines()
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            for shown, statuses in seen.items():
                status = _upsc(targets[shown], "ups.status").stdout.strip()
                if status and (not statuses or statuses[-1] != status):
                    statuses.append(status)
            finished = all(seen[t][-1:] == claims.statuses[t][-1:] for t in seen)
            if finished and all(echoes[m] in runs[m].stdout() for m in runs):
                break
            time.sleep(0.3)
    finally:
        for run in runs.values():
            run.stop()
    logs = {m: r.log()[-3000:] for m, r in runs.items()}
    for shown, statuses in claims.statuses.items():
        assert _subsequence(statuses, seen[shown]), (shown, seen[shown], logs)
    for shown, listing in claims.listings.items():  # line for line, bar the version number
        assert _without_version(listings[shown]) == _without_version(listing), logs
    for machine, run in runs.items():
        assert run.stdout().splitlines().count(echoes[machine]) == 1, (machine, logs)
    for line in claims.printed:
        assert any(line in r.stdout().splitlines() for r in runs.values()), line
    times = [[_shutdown_at(runs[m]) for m in group] for group in spec.order]
    for earlier, later in zip(times, times[1:]):
        assert max(earlier) <= min(later), (spec.order, times)
    jq_run = runs[spec.jq_machine]
    shown = _jq(claims.jq, (jq_run.stdout() + jq_run.log()).replace(f":{port}", ":3493").encode())
    assert shown[: len(claims.jq_output)] == claims.jq_output, shown


def _without_version(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.startswith("driver.version:")]


def _jq(argv: list[str], data: bytes) -> list[str]:
    """The guide's jq recipe on a run's output (stdout and the log, as `2>&1` mixes them)."""
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed: the guide's recipe cannot be run")
    done = subprocess.run(argv, input=data, capture_output=True, timeout=30, check=True)
    return done.stdout.decode().splitlines()
