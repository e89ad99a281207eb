"""Run NUT's real client and ours with the same arguments; compare what users see."""

from __future__ import annotations

import importlib
import io
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from nutrio.clients._common import VERSION

NUT_VERSION = "2.8.0"


@dataclass(frozen=True)
class Outcome:
    """Exit status and the exact bytes on stdout and stderr (versions masked)."""

    status: int
    stdout: bytes
    stderr: bytes


def mask_versions(data: bytes, _version: str = "") -> bytes:
    # served values contain "2.8.0" too (driver.version), so mask both everywhere
    return data.replace(NUT_VERSION.encode(), b"<version>").replace(VERSION.encode(), b"<version>")


def shell_status(code: int) -> int:
    # a C tool killed by a signal looks like 128+N to a shell; ours exits with that
    return 128 - code if code < 0 else code


def run_real(prog: str, args: list[str], *, env: Mapping[str, str] | None = None, stdin: bytes = b"") -> Outcome:
    """NUT's binary, without a controlling terminal (so prompts use stdin/stderr)."""
    proc = subprocess.run(
        [prog, *args], input=stdin, capture_output=True, env=dict(env or os.environ),
        timeout=30, start_new_session=True,
    )
    return Outcome(shell_status(proc.returncode), mask_versions(proc.stdout, NUT_VERSION), mask_versions(proc.stderr, NUT_VERSION))


def run_ours_subprocess(prog: str, args: list[str], *, stdin: bytes = b"") -> Outcome:
    """Our tool as ``python -m nutrio.clients.<prog>``, also without a terminal."""
    proc = subprocess.run(
        [sys.executable, "-m", f"nutrio.clients.{prog}", *args], input=stdin, capture_output=True,
        timeout=30, start_new_session=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    return Outcome(shell_status(proc.returncode), mask_versions(proc.stdout, VERSION), mask_versions(proc.stderr, VERSION))


def run_ours(prog: str, args: list[str]) -> Outcome:
    """Our tool in this process (fast); stdin is empty, so never let it prompt."""
    module = importlib.import_module(f"nutrio.clients.{prog}")
    out_buf, err_buf = io.BytesIO(), io.BytesIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO(b""))
    sys.stdout = io.TextIOWrapper(out_buf, write_through=True)
    sys.stderr = io.TextIOWrapper(err_buf, write_through=True)
    try:
        status = module.main(list(args))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        stdout, stderr = out_buf.getvalue(), err_buf.getvalue()
        sys.stdin, sys.stdout, sys.stderr = saved
    return Outcome(status, mask_versions(stdout, VERSION), mask_versions(stderr, VERSION))
