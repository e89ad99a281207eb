"""nutrio.service as `nutrio install-service` writes it: systemd's own verifier accepts it.

`systemd-analyze verify` works offline (no systemd as PID 1 needed): it parses
the unit, checks every key and that ExecStart's program exists; warnings go to
stderr, so a clean unit prints nothing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

ANALYZE = shutil.which("systemd-analyze")
requires_analyze = pytest.mark.skipif(
    ANALYZE is None, reason="systemd-analyze absent (Debian package `systemd`; .ci/run installs it)"
)
NUTRIO = Path(sys.executable).parent / "nutrio"


def _install(root: Path) -> Path:
    out = subprocess.run([str(NUTRIO), "install-service", "--root", str(root), "--no-enable"],
                         capture_output=True, text=True, timeout=60, check=True)
    assert "not running systemctl (--no-enable)" in out.stdout
    return root / "etc/systemd/system/nutrio.service"


def _verify(unit: Path) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None
    return subprocess.run(
        [ANALYZE, "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "SYSTEMD_LOG_LEVEL": "notice"},
    )


@requires_analyze
def test_installed_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    unit = _install(tmp_path)
    result = _verify(unit)
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""  # not even a warning about an unknown key


@requires_analyze
def test_verify_does_catch_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a misspelt key and a missing program are reported."""
    unit = _install(tmp_path)
    text = unit.read_text().replace("ProtectHome=yes", "ProtectHomes=yes")
    unit.write_text(re.sub(r"(?m)^ExecStart=\S+", "ExecStart=/nonexistent/nutrio", text))
    result = _verify(unit)
    assert "Unknown key 'ProtectHomes'" in result.stderr
    assert "/nonexistent/nutrio" in result.stderr and result.returncode != 0


def test_unit_declares_notify_watchdog_and_root_start() -> None:
    unit = _keys((ROOT / "nutrio/data/nutrio.service").read_text())
    assert unit["Type"] == ["notify"] and unit["NotifyAccess"] == ["main"]
    assert unit["WatchdogSec"] == ["30"] and unit["Restart"] == ["on-failure"]
    assert unit["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    assert "User" not in unit  # the tree drops privileges itself; the helper stays root
    assert unit["NoNewPrivileges"] == ["yes"] and unit["ProtectSystem"] == ["strict"]
    assert "PrivateDevices" not in unit and "ProtectClock" not in unit  # drivers need /dev
    caps = set(unit["CapabilityBoundingSet"][0].split())
    assert {"CAP_SETUID", "CAP_SETGID", "CAP_SYS_BOOT", "CAP_KILL"} <= caps
    assert unit["RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6 AF_NETLINK"]
    for name in ("RuntimeDirectory", "StateDirectory", "LogsDirectory"):
        assert unit[name] == ["nutrio"]


def test_every_service_setting_has_a_comment_saying_why() -> None:
    """Each block of [Service] settings is preceded by a comment."""
    lines = (ROOT / "nutrio/data/nutrio.service").read_text().split("[Service]")[1]
    lines = lines.split("[Install]")[0].splitlines()
    previous = ""
    for line in lines:
        if re.match(r"^[A-Za-z]+=", line) and not re.match(r"^[A-Za-z]+=", previous):
            assert previous.startswith("#"), f"no comment before {line!r}"
        previous = line


def _keys(text: str) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in text.splitlines():
        if re.match(r"^[A-Za-z]+=", line):
            name, value = line.split("=", 1)
            keys.setdefault(name, []).append(value)
    return keys
