"""Where the test data lives: ``shared/`` beside the checkout (as CI lays it out).

NUTRIO_SHARED overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    env = os.environ.get("NUTRIO_SHARED")
    if env:
        return Path(env)
    beside = ROOT.parent / "shared"
    return beside if beside.exists() else Path("/work/shared")


SHARED = _shared()
DATA = SHARED / "data"
