"""Packaging: the wheel's contents, and a working `nutrio` after `pipx install` and `pip install .`.

Everything is built from copies of the source tree, so the repo gets no build/ or
*.egg-info litter. One `pip wheel` call builds nutrio's wheel and collects the wheels of
its dependencies and build requirements into a wheelhouse; the installs then run
offline from that wheelhouse (--no-index), which keeps the module fast and the
installs independent of the index once the wheelhouse exists.

The repository's layer folders (supervisor/, actors/, protocol/, conf/) reach the wheel
through nutrio/'s symlinks, as nutrio.supervisor, ...: the wheel installs one top-level
package, so it lives beside PyPI's `supervisor` (the process manager), whose import name
is `supervisor` too; the wheelhouse holds that one as well, for the test that installs both.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import nutrio
from tests.paths import ROOT
from tests.realnut import free_port, requires_real_nut, wait_port

pytestmark = pytest.mark.packaging

#: every package the wheel installs: nutrio, and the layers under it
PACKAGES = ("nutrio", "nutrio.supervisor", "nutrio.actors", "nutrio.protocol", "nutrio.conf")
#: files that must ship as package data (nutrio/data/* is checked separately: it may be empty)
DATA_FILES = (
    "nutrio/conf/default/nutrio.toml",
    "nutrio/conf/default/dummy.seq",
    "nutrio/conf/examples/nutrio.toml",
    "nutrio/actors/web/templates/base.html",
    "nutrio/actors/web/static/nutrio.css",
)
#: PyPI's Supervisor, installed beside nutrio; its import name is `supervisor`
SUPERVISOR = "supervisor"
#: what never belongs in the source copy: repo state, caches and earlier build output
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".*cache",
    ".hypothesis", ".benchmarks", "test-artifacts",
)
#: pip output that means the index could not be reached (then the module is skipped)
OFFLINE = re.compile(
    r"Failed to establish a new connection|Network is unreachable|"
    r"Temporary failure in name resolution"
)
TIMEOUT = 300


@dataclass(frozen=True)
class Installed:
    """An installed `nutrio`: its command and the venv it lives in."""

    command: Path
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def _run(args: Sequence[str | Path], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=TIMEOUT, **kw)


def _must(args: Sequence[str | Path], **kw: Any) -> subprocess.CompletedProcess[str]:
    out = _run(args, **kw)
    assert out.returncode == 0, f"{args} exited {out.returncode}:\n{out.stdout}\n{out.stderr}"
    return out


def _stop(proc: subprocess.Popen[Any]) -> int:
    """SIGTERM, 30 s of grace, then SIGKILL; the exit status."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def _copy_source(dest: Path) -> Path:
    """The checkout as git has it: nutrio/'s symlinks to the layer folders stay symlinks."""
    shutil.copytree(ROOT, dest, ignore=NOT_COPIED, symlinks=True)
    return dest


def _build_requires() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]


def _clean_env(*extra_path: Path) -> dict[str, str]:
    """No PYTHONPATH, no venv: only what a user's shell would have."""
    path = ":".join([*(str(p) for p in extra_path), "/usr/local/bin", "/usr/bin", "/bin"])
    return {"PATH": path, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}


# -- shared build -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("packaging")


@pytest.fixture(scope="module")
def wheelhouse(work: Path) -> Path:
    """nutrio's wheel plus every wheel an offline install needs (deps, build backend, pip),
    and PyPI's Supervisor."""
    src = _copy_source(work / "src-wheel")
    house = work / "wheels"
    out = _run([sys.executable, "-m", "pip", "wheel", "-q", "-w", house, src, "pip",
                SUPERVISOR, *_build_requires()])
    if out.returncode != 0 and OFFLINE.search(out.stderr):
        pytest.skip(f"package index unreachable, cannot fetch dependencies: {out.stderr[-300:]}")
    assert out.returncode == 0, out.stderr
    return house


@pytest.fixture(scope="module")
def wheel(wheelhouse: Path) -> Path:
    (found,) = wheelhouse.glob("nutrio-*.whl")
    return found


def _offline_pip_args(wheelhouse: Path) -> list[str]:
    return ["--no-index", "--no-compile", "--find-links", str(wheelhouse)]


# -- the wheel --------------------------------------------------------------------------


def _wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as z:
        return set(z.namelist())


def test_wheel_version_comes_from_nutrio_init(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(f"nutrio-{nutrio.__version__}.dist-info/METADATA").decode()
    version = re.search(r"^Version: (.+)$", meta, re.M)
    assert version is not None and version.group(1) == nutrio.__version__
    assert wheel.name.startswith(f"nutrio-{nutrio.__version__}-")
    assert f"nutrio-{nutrio.__version__}.dist-info/licenses/LICENSE" in _wheel_names(wheel)


def _library_modules() -> set[str]:
    """Every module under nutrio/, through its symlinks, as the wheel names it."""
    found = set()
    for folder, dirs, files in os.walk(ROOT / "nutrio", followlinks=True):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        rel = Path(folder).relative_to(ROOT)
        found |= {(rel / f).as_posix() for f in files if f.endswith(".py")}
    return found


def test_wheel_ships_every_module_and_the_package_data(wheel: Path) -> None:
    names = _wheel_names(wheel)
    modules = _library_modules()
    assert {"nutrio/supervisor/tree.py", "nutrio/protocol/upsd/session.py"} <= modules
    assert modules - names == set(), "modules missing (a directory without __init__.py?)"
    service_files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "nutrio/data").glob("*")
                     if p.is_file()}
    assert (set(DATA_FILES) | service_files) - names == set(), "package data missing"


def test_wheel_ships_no_tests_bench_or_docs(wheel: Path) -> None:
    top = {name.split("/")[0] for name in _wheel_names(wheel)}
    allowed = {"nutrio", f"nutrio-{nutrio.__version__}.dist-info"}
    assert top - allowed == set(), "shipped by mistake"


def test_wheel_installs_no_top_level_package_but_nutrio(wheel: Path) -> None:
    """Nothing generic lands in site-packages: no supervisor/, protocol/, conf/, actors/."""
    names = _wheel_names(wheel)
    dist_info = f"nutrio-{nutrio.__version__}.dist-info"
    assert {name.split("/")[0] for name in names} == {"nutrio", dist_info}
    with zipfile.ZipFile(wheel) as z:
        assert z.read(f"{dist_info}/top_level.txt").decode().split() == ["nutrio"]
    assert not {f"{layer}/__init__.py" for layer in ("supervisor", "protocol", "conf", "actors")
                } & names  # fmt: skip


# -- installs ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipx_nutrio(work: Path, wheelhouse: Path, wheel: Path) -> Installed:
    if importlib.util.find_spec("pipx") is None:
        pytest.skip("pipx is not installed (it comes with: pip install -e '.[test]')")
    home, bin_dir = work / "pipx-home", work / "pipx-bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPX_")}
    env.update(PIPX_HOME=str(home), PIPX_BIN_DIR=str(bin_dir), PIPX_MAN_DIR=str(work / "pipx-man"),
               USE_EMOJI="0")
    _must([sys.executable, "-m", "pipx", "install",
           "--pip-args", " ".join(_offline_pip_args(wheelhouse)), wheel], env=env, cwd=work)
    return Installed(command=bin_dir / "nutrio", venv=home / "venvs" / "nutrio")


@pytest.fixture(scope="module")
def pip_nutrio(work: Path, wheelhouse: Path) -> Installed:
    """`pip install .` from a fresh source copy into a new venv (the wheel is built again)."""
    src = _copy_source(work / "src-pip")
    venv = work / "venv"
    _must([sys.executable, "-m", "venv", venv])
    _must([venv / "bin/python", "-m", "pip", "install", "-q", *_offline_pip_args(wheelhouse), "."],
          cwd=src)
    return Installed(command=venv / "bin" / "nutrio", venv=venv)


def _check_installed_code_runs(inst: Installed, cwd: Path) -> None:
    """The command's interpreter is the venv's; it imports nutrio from the venv, not the repo."""
    assert inst.command.read_text().splitlines()[0].startswith(f"#!{inst.python}")
    out = _must([inst.python, "-c", f"import {', '.join(PACKAGES)}; "
                 f"print('\\n'.join(m.__file__ for m in ({', '.join(PACKAGES)},)))"],
                cwd=cwd, env=_clean_env())
    assert len(out.stdout.split()) == len(PACKAGES)
    for path in map(Path, out.stdout.split()):
        assert path.resolve().is_relative_to(inst.venv.resolve()), path
        assert not path.resolve().is_relative_to(ROOT), path


def _check_version_and_config(inst: Installed, cwd: Path) -> None:
    env = _clean_env()
    out = _must([inst.command, "--version"], cwd=cwd, env=env)
    assert out.stdout.strip() == f"nutrio {nutrio.__version__}"
    out = _must([inst.command, "check-config"], cwd=cwd, env=env)
    source = Path(out.stdout.splitlines()[0].removeprefix("configuration: "))
    assert source.is_relative_to(inst.venv)
    assert source.parts[-4:] == ("nutrio", "conf", "default", "nutrio.toml")
    assert "dummy: driver dummy-ups" in out.stdout


def _check_serves_dummy_ups(inst: Installed, cwd: Path) -> None:
    """`nutrio run` on the embedded default: the real upsc reads the dummy UPS; SIGTERM: exit 0."""
    port = free_port()
    log = cwd / "nutrio.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [str(inst.command), "run", "--listen", f"127.0.0.1:{port}", "--log-format", "json"],
            cwd=cwd, env=_clean_env(), stdout=subprocess.DEVNULL, stderr=err,
        )
    try:
        wait_port(port, timeout=30)
        status = _run(["upsc", f"dummy@127.0.0.1:{port}", "ups.status"], env=_clean_env())
    finally:
        code = _stop(proc)
    logged = log.read_text()
    assert status.returncode == 0 and status.stdout.strip().startswith("O"), status
    assert code == 0, logged
    assert '"nutrio.stopped"' in logged, logged


def _smoke(inst: Installed, cwd: Path) -> None:
    assert not cwd.resolve().is_relative_to(ROOT)
    _check_installed_code_runs(inst, cwd)
    _check_version_and_config(inst, cwd)
    _check_serves_dummy_ups(inst, cwd)


@requires_real_nut
def test_pipx_install_gives_a_working_nutrio(pipx_nutrio: Installed, tmp_path: Path) -> None:
    _smoke(pipx_nutrio, tmp_path)


@requires_real_nut
def test_pip_install_dot_gives_a_working_nutrio(pip_nutrio: Installed, tmp_path: Path) -> None:
    _smoke(pip_nutrio, tmp_path)


# -- beside PyPI's Supervisor -----------------------------------------------------------


@pytest.fixture(scope="module")
def beside_supervisor(work: Path, wheelhouse: Path, wheel: Path) -> Installed:
    """One fresh venv holding nutrio's wheel and PyPI's Supervisor (import name `supervisor`)."""
    venv = work / "venv-supervisor"
    _must([sys.executable, "-m", "venv", venv])
    _must([venv / "bin/python", "-m", "pip", "install", "-q", *_offline_pip_args(wheelhouse),
           wheel, SUPERVISOR])  # fmt: skip
    return Installed(command=venv / "bin" / "nutrio", venv=venv)


def test_pypi_supervisor_and_nutrio_import_side_by_side(
    beside_supervisor: Installed, tmp_path: Path
) -> None:
    code = (
        "import supervisor, supervisor.options, nutrio.supervisor\n"
        "print(supervisor.__file__)\n"
        "print(nutrio.supervisor.__file__)\n"
        "print(supervisor.options.ServerOptions.__name__, nutrio.supervisor.Supervisor.__name__)\n"
    )
    out = _must([beside_supervisor.python, "-c", code], cwd=tmp_path, env=_clean_env())
    theirs, ours, names = out.stdout.splitlines()
    site = Path(theirs).resolve().parents[1]
    assert site.name == "site-packages" and site.is_relative_to(beside_supervisor.venv.resolve())
    assert Path(theirs).resolve() == site / "supervisor" / "__init__.py"
    assert Path(ours).resolve() == site / "nutrio" / "supervisor" / "__init__.py"
    assert names == "ServerOptions Supervisor"


def test_pypi_supervisor_and_nutrio_commands_run_side_by_side(
    beside_supervisor: Installed, tmp_path: Path
) -> None:
    _check_version_and_config(beside_supervisor, tmp_path)
    bin_dir = beside_supervisor.venv / "bin"
    version = _must([beside_supervisor.python, "-c",
                     "import importlib.metadata as m; print(m.version('supervisor'))"],
                    cwd=tmp_path, env=_clean_env()).stdout.strip()  # fmt: skip
    out = _must([bin_dir / "supervisord", "--version"], cwd=tmp_path, env=_clean_env())
    assert out.stdout.strip() == version
    out = _must([bin_dir / "echo_supervisord_conf"], cwd=tmp_path, env=_clean_env())
    assert "[supervisord]" in out.stdout


#: startsecs=0: RUNNING once spawned; the test waits for nutrio's own ready line instead.
SUPERVISORD_CONF = """\
[supervisord]
logfile={tmp}/supervisord.log
pidfile={tmp}/supervisord.pid
childlogdir={tmp}

[unix_http_server]
file={tmp}/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{tmp}/supervisor.sock

[program:nutrio]
command={nutrio} run --listen 127.0.0.1:0 --log-format json
directory={tmp}
stderr_logfile={tmp}/nutrio.log
stopsignal=TERM
stopwaitsecs=30
startsecs=0
"""


def _ready_port(log: Path, timeout: float = 30.0) -> int:
    """The port from `nutrio run`'s ready line (it binds port 0 and says which it got)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines() if log.exists() else ():
            if '"nutrio.ready"' in line:
                return int(json.loads(line)["ports"][0])
        time.sleep(0.1)
    raise TimeoutError(f"no nutrio.ready in {log}")


def test_supervisord_from_pypi_runs_nutrio(beside_supervisor: Installed, tmp_path: Path) -> None:
    """Supervisor (the process manager) keeps `nutrio run` running: both packages at work."""
    bin_dir = beside_supervisor.venv / "bin"
    conf = tmp_path / "supervisord.conf"
    conf.write_text(SUPERVISORD_CONF.format(tmp=tmp_path, nutrio=beside_supervisor.command))
    ctl = [bin_dir / "supervisorctl", "-c", conf]
    daemon = subprocess.Popen([bin_dir / "supervisord", "-n", "-c", conf], cwd=tmp_path,
                              env=_clean_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        port = _ready_port(tmp_path / "nutrio.log")
        status = _must([beside_supervisor.command, "upsc", f"dummy@127.0.0.1:{port}", "ups.status"],
                       cwd=tmp_path, env=_clean_env())  # fmt: skip
        running = _run([*ctl, "status", "nutrio"], cwd=tmp_path, env=_clean_env())
        stopped = _run([*ctl, "stop", "nutrio"], cwd=tmp_path, env=_clean_env())
    finally:
        _stop(daemon)
    logged = (tmp_path / "nutrio.log").read_text()
    assert status.stdout.strip().startswith("O"), status
    assert running.stdout.split()[:2] == ["nutrio", "RUNNING"], running
    assert "nutrio: stopped" in stopped.stdout, stopped
    assert '"nutrio.stopped"' in logged, logged
