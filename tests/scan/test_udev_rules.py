"""The udev rules nutrio ships and installs: generated from the drivers' USB tables."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nutrio.actors.drivers.support import supported
from nutrio.udev import SHIPPED, render_rules

NUTRIO = Path(sys.executable).parent / "nutrio"
RULES = "etc/udev/rules.d/62-nutrio-usb.rules"
_LINE = re.compile(r'ATTR\{idVendor\}=="([0-9a-f]{4})", ATTR\{idProduct\}=="([0-9a-f]{4})", '
                   r'MODE="(\d{4})", GROUP="([^"]+)"')


def _install(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NUTRIO), "install-service", *args], capture_output=True,
                          text=True, timeout=60)


def _ids(text: str, group: str = "nut") -> set[str]:
    out = set()
    for line in text.splitlines():
        if line.startswith("ATTR"):
            match = _LINE.fullmatch(line)
            assert match, line
            assert (match[3], match[4]) == ("0660", group), line
            out.add(f"{match[1]}:{match[2]}")
    return out


def test_shipped_rules_are_what_the_tables_generate() -> None:
    assert SHIPPED.read_text() == render_rules(), "run python -m nutrio.docs"


def test_every_claimed_usb_id_has_exactly_one_rule() -> None:
    claimed = {i for d in supported() for v in d.variants for i in v.usb_ids}
    assert claimed  # usbhid-ups at least
    text = render_rules()
    assert _ids(text) == claimed
    assert len([ln for ln in text.splitlines() if ln.startswith("ATTR")]) == len(claimed)
    assert 'ENV{DEVTYPE}!="usb_device", GOTO="nutrio_usb_end"' in text
    assert text.rstrip().endswith('LABEL="nutrio_usb_end"')


def test_the_group_is_configurable_and_checked() -> None:
    assert _ids(render_rules("ups-admins"), "ups-admins")
    with pytest.raises(ValueError, match="not a group name"):
        render_rules('nut", MODE="0666')


def test_install_service_installs_the_rules_with_the_group_asked(tmp_path: Path) -> None:
    result = _install("--root", str(tmp_path), "--no-enable", "--usb-group", "upsgroup")
    assert result.returncode == 0, result.stderr
    rules = tmp_path / RULES
    assert stat.S_IMODE(rules.stat().st_mode) == 0o644
    assert rules.read_text() == render_rules("upsgroup")
    assert "udevadm control --reload-rules\n" in result.stdout  # a step printed, not run
    again = _install("--root", str(tmp_path), "--no-enable", "--usb-group", "upsgroup")
    assert f"kept {rules} (unchanged)" in again.stdout


def test_dry_run_prints_the_rules(tmp_path: Path) -> None:
    result = _install("--root", str(tmp_path), "--dry-run", "--rules-dir", "/lib/udev/rules.d")
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
    assert f"would write {tmp_path}/lib/udev/rules.d/62-nutrio-usb.rules (mode 0644)" in (
        result.stdout)
    assert render_rules() in result.stdout


def test_a_bad_group_is_one_line() -> None:
    result = _install("--dry-run", "--usb-group", "Bad Group")
    assert result.returncode == 1
    assert result.stderr == "nutrio: install-service: not a group name: 'Bad Group'\n"
