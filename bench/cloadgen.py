"""The compiled load generator (bench/loadgen.c): built with gcc on first use, then run.

    python bench/cloadgen.py HOST PORT "GET VAR ups ups.status" --conns 100 --seconds 5

Prints the same JSON object as bench/loadgen.py (requests/s, p50/p99 in ms,
errors). Why a C generator: the Python one spends about as long per request
as the server under test, so on a shared 2-core machine it, not the server,
set the ceiling (issue 13 measured 0.70x with it and 0.36-0.44x with this).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: bench/ is not a package then
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadgen import arguments  # noqa: E402

SOURCE = Path(__file__).resolve().with_name("loadgen.c")
BUILD_DIR = Path(os.environ.get("NUTRIO_BENCH_BUILD", Path(tempfile.gettempdir()) / "nutrio-bench"))


def binary() -> Path:
    """The built generator, compiled again when loadgen.c is newer."""
    out = BUILD_DIR / "loadgen"
    if out.exists() and out.stat().st_mtime >= SOURCE.stat().st_mtime:
        return out
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise RuntimeError("bench/loadgen.c needs gcc (apt-get install gcc)")
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".tmp")
    subprocess.run([compiler, "-O2", "-Wall", "-o", str(partial), str(SOURCE)], check=True)
    partial.replace(out)  # atomic: two benches building at once never run half a file
    return out


def _raise_nofile() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def load(host: str, port: int, request: str, conns: int, seconds: float) -> dict[str, float]:
    """Run the generator once; its JSON result."""
    out = subprocess.run([str(binary()), host, str(port), request, str(conns), str(seconds)],
                         capture_output=True, text=True, check=True, preexec_fn=_raise_nofile)
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    ns = arguments(__doc__.splitlines()[0]).parse_args(argv)
    sys.stdout.write(json.dumps(load(ns.host, ns.port, ns.request, ns.conns, ns.seconds)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
