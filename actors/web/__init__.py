"""The web actor: status pages, live updates, charts, admin and a JSON API (issue 6)."""

from nutrio.actors.web.app import create_app, run_web
from nutrio.actors.web.context import WebContext
from nutrio.actors.web.points import HistorySource, points

__all__ = ["HistorySource", "WebContext", "create_app", "points", "run_web"]
