"""Packaging: the wheel's contents, and a working `nutrio` after `pipx install` and `pip install .`.

Everything is built from copies of the source tree, so the repo gets no build/ or
*.egg-info litter. One `pip wheel` call builds nutrio's wheel and collects the wheels of
its dependencies and build requirements into a wheelhouse; both installs then run
offline from that wheelhouse (--no-index), which keeps the module fast and the two
installs independent of the index once the wheelhouse exists.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
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

PACKAGES = ("nutrio", "supervisor", "actors", "protocol", "conf")
#: files that must ship as package data (nutrio/data/* is checked separately: it may be empty)
DATA_FILES = (
    "conf/default/nutrio.toml",
    "conf/default/dummy.seq",
    "conf/examples/nutrio.toml",
    "actors/web/templates/base.html",
    "actors/web/static/nutrio.css",
)
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


def _copy_source(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, ignore=NOT_COPIED)
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
    """nutrio's wheel plus every wheel an offline install needs (deps, build backend, pip)."""
    src = _copy_source(work / "src-wheel")
    house = work / "wheels"
    out = _run([sys.executable, "-m", "pip", "wheel", "-q", "-w", house, src, "pip",
                *_build_requires()])
    if out.returncode != 0 and OFFLINE.search(out.stderr):
        pytest.skip(f"package index unreachable, cannot fetch dependencies: {out.stderr[-300:]}")
    assert out.returncode == 0, out.stderr
    return house


@pytest.fixture(scope="module")
def wheel(wheelhouse: Path) -> Path:
    (found,) = wheelhouse.glob("nutrio-*.whl")
    return found


def _offline_pip_args(wheelhouse: Path) -> list[str]:
    return ["--no-index", "--find-links", str(wheelhouse)]


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


def test_wheel_ships_every_module_and_the_package_data(wheel: Path) -> None:
    names = _wheel_names(wheel)
    modules = {
        p.relative_to(ROOT).as_posix()
        for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "__pycache__" not in p.parts
    }
    assert modules - names == set(), "modules missing (a directory without __init__.py?)"
    service_files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "nutrio/data").glob("*")
                     if p.is_file()}
    assert (set(DATA_FILES) | service_files) - names == set(), "package data missing"


def test_wheel_ships_no_tests_bench_or_docs(wheel: Path) -> None:
    top = {name.split("/")[0] for name in _wheel_names(wheel)}
    allowed = {*PACKAGES, f"nutrio-{nutrio.__version__}.dist-info"}
    assert top - allowed == set(), "shipped by mistake"


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
                 f"print('\\n'.join(m.__file__ for m in ({', '.join(PACKAGES)})))"],
                cwd=cwd, env=_clean_env())
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
    assert source.parts[-3:] == ("conf", "default", "nutrio.toml")
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
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
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
