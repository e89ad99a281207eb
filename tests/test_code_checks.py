"""Code checks that keep the layout honest: strict typing of the pure layers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_pure_layers_pass_mypy_strict() -> None:
    if shutil.which("mypy") is None and subprocess.run(
        [sys.executable, "-m", "mypy", "--version"], capture_output=True
    ).returncode:
        pytest.skip("mypy not installed (pip install -e '.[test]' brings it)")
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "-p", "nutrio.protocol", "-p", "nutrio.supervisor",
         "-p", "nutrio.conf"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stdout[-4000:]


@pytest.mark.parametrize("package", ["nutrio.protocol", "nutrio.conf"])
def test_pure_packages_never_import_trio(package: str) -> None:
    code = (
        "import sys, pkgutil, importlib, %s as pkg\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "assert 'trio' not in sys.modules, 'trio imported'\n" % package
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
