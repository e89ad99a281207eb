"""Hypothesis budget for the fuzz suites.

CI runs a few dozen examples per test so the whole directory stays under a
minute; ``NUTRIO_FUZZ_EXAMPLES=5000 python -m pytest tests/fuzz`` runs long.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

#: Examples per pure-parser test (live-socket tests use a tenth, at least 10).
EXAMPLES = int(os.environ.get("NUTRIO_FUZZ_EXAMPLES", "200"))
LIVE_EXAMPLES = max(10, EXAMPLES // 10)

fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
live = settings(max_examples=LIVE_EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
