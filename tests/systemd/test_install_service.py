"""`nutrio install-service --root DIR`: files, modes, and a second run that changes nothing."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

from nutrio import conf
from nutrio.service import InstallOptions, install, render_unit
from tests.paths import ROOT

NUTRIO = Path(sys.executable).parent / "nutrio"
UNIT = "etc/systemd/system/nutrio.service"
CONFIG = "etc/nutrio/nutrio.toml"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NUTRIO), "install-service", *args], capture_output=True,
                          text=True, timeout=60)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _tree(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def test_writes_unit_and_first_config_with_their_modes(tmp_path: Path) -> None:
    result = _run("--root", str(tmp_path), "--no-enable")
    assert result.returncode == 0, result.stderr
    unit, config = tmp_path / UNIT, tmp_path / CONFIG
    assert _mode(unit) == 0o644 and _mode(config) == 0o600  # the config holds passwords
    assert _mode(config.parent / "nutrio.example.toml") == 0o600
    assert _mode(config.parent / "dummy.seq") == 0o644
    exec_start = [line for line in unit.read_text().splitlines() if line.startswith("ExecStart=")]
    assert exec_start == [f"ExecStart={NUTRIO.resolve()} run --config /etc/nutrio/nutrio.toml"]
    loaded = conf.load(config)  # a config that runs: the demo, with the unit's statepath
    assert loaded.server.statepath == Path("/run/nutrio")
    assert list(loaded.devices) == ["dummy"]
    assert "systemctl daemon-reload\n" in result.stdout
    assert "systemctl enable --now nutrio.service\n" in result.stdout


def test_second_run_changes_nothing(tmp_path: Path) -> None:
    assert _run("--root", str(tmp_path), "--no-enable").returncode == 0
    before = _tree(tmp_path)
    second = _run("--root", str(tmp_path), "--no-enable")
    assert second.returncode == 0
    assert _tree(tmp_path) == before
    assert f"kept {tmp_path / UNIT} (unchanged)" in second.stdout
    assert f"kept {tmp_path / CONFIG} (already there)" in second.stdout
    assert "wrote" not in second.stdout


def test_an_existing_config_is_never_overwritten(tmp_path: Path) -> None:
    config = tmp_path / CONFIG
    config.parent.mkdir(parents=True)
    config.write_text("# mine\n")
    config.chmod(0o640)
    assert _run("--root", str(tmp_path), "--no-enable").returncode == 0
    assert config.read_text() == "# mine\n" and _mode(config) == 0o640
    assert sorted(p.name for p in config.parent.iterdir()) == ["nutrio.toml"]  # no demo files
    assert (tmp_path / UNIT).exists()


def test_unit_follows_a_changed_unit_and_config_path(tmp_path: Path) -> None:
    assert _run("--root", str(tmp_path), "--no-enable").returncode == 0
    result = _run("--root", str(tmp_path), "--no-enable", "--config", "/srv/ups/nutrio.toml",
                  "--unit-dir", "/usr/lib/systemd/system")
    assert result.returncode == 0, result.stderr
    unit = (tmp_path / "usr/lib/systemd/system/nutrio.service").read_text()
    assert " run --config /srv/ups/nutrio.toml\n" in unit
    assert (tmp_path / "srv/ups/nutrio.toml").exists()


def test_dry_run_writes_nothing_and_shows_the_unit(tmp_path: Path) -> None:
    result = _run("--root", str(tmp_path), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
    assert f"would write {tmp_path / UNIT} (mode 0644)" in result.stdout
    assert f"would write {tmp_path / CONFIG} (mode 0600)" in result.stdout
    assert "Type=notify" in result.stdout
    assert "not running systemctl (--dry-run)" in result.stdout


def test_umask_does_not_loosen_or_tighten_modes(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        out = io.StringIO()
        options = InstallOptions(executable=NUTRIO, root=tmp_path, enable=False)
        assert install(options, out) == 0
    finally:
        os.umask(old)
    assert _mode(tmp_path / UNIT) == 0o644  # systemd and `systemctl cat` read it as any user


def test_exec_start_quotes_odd_paths_and_keeps_home_readable() -> None:
    template = (ROOT / "nutrio/data/nutrio.service").read_text()
    unit = render_unit(template, Path("/home/ann/my venv/bin/nutrio"), Path("/etc/n%u/$x.toml"))
    assert 'ExecStart="/home/ann/my venv/bin/nutrio" run --config /etc/n%%u/$$x.toml\n' in unit
    assert "ProtectHome=read-only\n" in unit and "ProtectHome=yes" not in unit
