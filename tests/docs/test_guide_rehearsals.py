"""Each guide's rehearsal runs for real: one `nutrio run` per machine, on 127.0.0.x.

``upsc`` must show the statuses the guide shows, each SHUTDOWNCMD must run once
and in the order the guide says, and the guide's jq recipe must print what the
guide prints. The rehearsals wait on the guides' own timers (a minute or so
each), so the selected ones run side by side, each on its own port, in one
module fixture; each test then checks its guide's run.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from nutrio import conf
from tests.docs.guide_pages import GUIDES, blocks, commands, files_of, shell_output, write_files
from tests.nutriorun import nutrio_env, start_nutrio, wait_ready
from tests.procs import AddressInUse, Proc, on_free_port

#: the guides' timers are real: a run may take this long
REHEARSAL_SECONDS = 150


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


def _upsc(*args: str) -> subprocess.CompletedProcess[str]:
    """NUT's own upsc when installed (the guide's command), else nutrio's."""
    real = shutil.which("upsc")
    argv = [real] if real else [sys.executable, "-m", "nutrio", "upsc"]
    return subprocess.run([*argv, *args], capture_output=True, text=True, timeout=30,
                          env=nutrio_env())


def _target(written: str, port: int) -> str:
    """``ups@host`` as the guide writes it -> the address the rehearsal really uses."""
    ups, _, host = written.partition("@")
    host = "127.0.0.1" if host in ("", "localhost") else host
    return f"{ups}@{host}:{port}"


def _echoed(config: Path) -> str:
    """What the rehearsal's SHUTDOWNCMD (an echo) prints, through /bin/sh as upsmon runs it."""
    command = conf.load(config).monitor.shutdowncmd  # type: ignore[union-attr]
    assert command is not None and command.startswith("echo "), command
    return shell_output(command)


def _subsequence(wanted: list[str], seen: list[str]) -> bool:
    it = iter(seen)
    return all(any(w == s for s in it) for w in wanted)


def _shutdown_at(run: Proc) -> float:
    """Where in the run's log SHUTDOWNCMD ran (the line's timestamp, ISO: sortable)."""
    for line in run.stderr().splitlines():
        if '"shutdown.command_ran"' in line:
            return datetime.fromisoformat(json.loads(line)["timestamp"]).timestamp()
    raise AssertionError(f"{run.name} never ran its shutdown command:\n{run.stderr()[-2000:]}")


@dataclass
class Rehearsed:
    """What one rehearsal showed: the statuses upsc saw and each machine's output."""

    claims: Claims
    port: int
    runs: dict[str, Proc]
    echoes: dict[str, str]  # what each machine's SHUTDOWNCMD prints
    seen: dict[str, list[str]]
    listings: dict[str, list[str]]


def _start_machines(configs: dict[str, Path], texts: dict[str, str], port: int,
                    runs: dict[str, Proc]) -> int:
    """Every machine on *port* (its own address), each ready before the next starts."""
    for machine, config in configs.items():  # every machine on its own address, one port
        config.write_text(texts[machine].replace(":3493", f":{port}"))
        runs[machine] = start_nutrio(config, listen=None, name="nutrio", cwd=config.parent)
        try:
            wait_ready(runs[machine])
        except AddressInUse:
            for run in runs.values():
                run.stop()
            raise
    return port


def rehearse(page: str, tmp_path: Path) -> Rehearsed:
    """Run *page*'s rehearsal until upsc showed the last statuses and every
    SHUTDOWNCMD ran (or time ran out); stop every machine."""
    spec = REHEARSALS[page]
    claims = claims_of(page, spec.section)
    written = write_files(page, tmp_path)
    configs = {m: written[f"{m}/nutrio.toml"] for m in spec.machines}
    texts = {m: c.read_text() for m, c in configs.items()}
    echoes = {m: _echoed(c) for m, c in configs.items()}
    seen: dict[str, list[str]] = {t: [] for t in claims.statuses}
    listings: dict[str, list[str]] = {}
    runs: dict[str, Proc] = {}
    try:
        port = on_free_port(lambda p: _start_machines(configs, texts, p, runs))
        targets = {t: _target(t, port) for t in (*claims.statuses, *claims.listings)}
        for shown in claims.listings:
            listings[shown] = _upsc(targets[shown]).stdout.splitlines()
        deadline = time.monotonic() + REHEARSAL_SECONDS
        while time.monotonic() < deadline:
            for shown, statuses in seen.items():
                status = _upsc(targets[shown], "ups.status").stdout.strip()
                if status and (not statuses or statuses[-1] != status):
                    statuses.append(status)
            finished = all(seen[t][-1:] == claims.statuses[t][-1:] for t in seen)
            if finished and all(echoes[m] in runs[m].stdout() for m in runs):
                break
            time.sleep(0.3)  # a sample of every status: upsc is the guide's own command
    finally:
        for run in runs.values():
            run.stop(30)
    return Rehearsed(claims, port, runs, echoes, seen, listings)


@pytest.fixture(scope="module")
def rehearsed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> dict[str, Rehearsed | BaseException]:
    """The rehearsals of the selected guides, run side by side (threads: each one
    mostly waits on its guide's timers)."""
    pages = [item.callspec.params["page"] for item in request.session.items
             if getattr(item, "originalname", "") == "test_the_rehearsal_runs_as_the_guide_says"]
    results: dict[str, Rehearsed | BaseException] = {}
    # made here, not in the threads: the first call empties the worker's base directory,
    # and two threads making it at once deleted each other's first directory
    dirs = {page: tmp_path_factory.mktemp(page.removesuffix(".md"))
            for page in dict.fromkeys(pages)}

    def one(page: str) -> None:
        try:
            results[page] = rehearse(page, dirs[page])
        except BaseException as exc:  # handed to the page's test
            results[page] = exc

    threads = [threading.Thread(target=one, args=(page,)) for page in dict.fromkeys(pages)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.guide
@pytest.mark.parametrize("page", GUIDES)
def test_the_rehearsal_runs_as_the_guide_says(
        page: str, rehearsed: dict[str, Rehearsed | BaseException]) -> None:
    spec = REHEARSALS[page]
    result = rehearsed[page]
    if isinstance(result, BaseException):
        raise result
    claims, port, runs, echoes = result.claims, result.port, result.runs, result.echoes
    seen, listings = result.seen, result.listings
    logs = {m: r.stderr()[-3000:] for m, r in runs.items()}
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
    output = jq_run.stdout() + jq_run.stderr()
    shown = _jq(claims.jq, output.replace(f":{port}", ":3493").encode())
    assert shown[: len(claims.jq_output)] == claims.jq_output, shown


def _without_version(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.startswith("driver.version:")]


def _jq(argv: list[str], data: bytes) -> list[str]:
    """The guide's jq recipe on a run's output (stdout and the log, as `2>&1` mixes them)."""
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed: the guide's recipe cannot be run")
    done = subprocess.run(argv, input=data, capture_output=True, timeout=30, check=True)
    return done.stdout.decode().splitlines()
