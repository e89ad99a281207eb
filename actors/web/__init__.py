"""The web actor: status pages, live updates, charts, admin and a JSON API (issue 6).

The web stack (Starlette, Hypercorn, Jinja2, prometheus_client) loads on first use of
these names, so a configuration without ``[web]`` never imports it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nutrio.actors.web.app import create_app, run_web
    from nutrio.actors.web.context import WebContext
    from nutrio.actors.web.points import HistorySource, points

__all__ = ["HistorySource", "WebContext", "create_app", "points", "run_web"]

_WHERE = {"create_app": "app", "run_web": "app", "WebContext": "context",
          "HistorySource": "points", "points": "points"}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
