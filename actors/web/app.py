"""The web actor: a Starlette app served by Hypercorn's Trio worker.

``run_web`` is a supervisor child: it binds ``web.listen`` (127.0.0.1:8080
by default; port 0 picks a free one), reports the bound port through
``task_status.started(port)`` and serves until cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog
import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nutrio.actors.registry import Registry
from nutrio.actors.web import admin, api, pages
from nutrio.actors.web.context import WebContext, make_templates
from nutrio.actors.web.history import History
from nutrio.actors.web.points import HistorySource
from nutrio.actors.web.status import DEFAULT_MAXAGE
from nutrio.actors.web.upsd import UpsdAddress
from nutrio.conf.model import WebConfig
from nutrio.protocol.upsd.users import Accounts
from nutrio.supervisor.cell import LatestCell

__all__ = ["create_app", "registry_metrics", "run_web"]

log = structlog.get_logger()

# Nothing may load from elsewhere: scripts, styles and fetches from this origin only.
# Inline style attributes stay allowed (bar widths); inline scripts do not.
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'")
_HEADERS = [
    (b"content-security-policy", _CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class _SecurityHeaders:
    """Adds the headers above to every HTTP response (pure ASGI: SSE streams pass through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _static(template_dir: Path | None) -> StaticFiles:
    # a site's template_dir/static/ comes first, so it can replace our CSS or add its own files
    site = template_dir / "static" if template_dir is not None else None
    directory = site if site is not None and site.is_dir() else None
    static = StaticFiles(directory=directory, packages=[("nutrio.actors.web", "static")])
    return static


def create_app(web: WebContext, template_dir: Path | None = None) -> Starlette:
    """The ASGI app for *web* (routes listed in docs/web-templates.md)."""
    routes = [
        Route("/", pages.overview),
        Route("/ups/{name}", pages.ups_page),
        Route("/events", pages.events),
        Route("/events/{name}", pages.events),
        Route("/login", pages.login_form, methods=["GET"]),
        Route("/login", pages.login, methods=["POST"]),
        Route("/logout", pages.logout, methods=["POST"]),
        Route("/admin", admin.admin),
        Route("/admin/{name}", admin.admin),
        Route("/admin/{name}/confirm", admin.admin_confirm),
        Route("/admin/{name}/command", admin.admin_command, methods=["POST"]),
        Route("/admin/{name}/variable", admin.admin_variable, methods=["POST"]),
        Route("/api/v1/ups", api.list_ups),
        Route("/api/v1/ups/{name}", api.get_ups),
        Route("/api/v1/ups/{name}/history", api.get_history),
        Route("/api/v1/ups/{name}/command", api.post_command, methods=["POST"]),
        Route("/api/v1/ups/{name}/variable", api.post_variable, methods=["POST"]),
        Route("/metrics", api.metrics),
        Mount("/static", app=_static(template_dir), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.web = web
    app.add_middleware(_SecurityHeaders)
    return app


def _hypercorn_config(address: tuple[str, int]) -> HypercornConfig:
    host, port = address
    config = HypercornConfig()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.accesslog = None
    config.errorlog = logging.getLogger("nutrio.web.hypercorn")
    config.graceful_timeout = 1.0  # SSE streams never end by themselves
    return config


def registry_metrics(registry: Registry) -> Callable[[], str] | None:
    """A ``/metrics`` renderer from the snapshots alone (no restart or client counts);
    None when prometheus-client is not installed."""
    try:
        from nutrio.actors.web.metrics import NutrioStats, render_metrics
    except ImportError:
        return None

    def render() -> str:
        return render_metrics([h.snapshot for h in registry], NutrioStats(now=trio.current_time()))

    return render


def _port_of(binds: list[str]) -> int:
    return int(binds[0].rsplit(":", 1)[1]) if binds else 0


async def run_web(
    config: WebConfig,
    registry: Registry,
    accounts: Accounts,
    *,
    upsd: UpsdAddress,
    history: HistorySource | None = None,
    metrics: Callable[[], str] | None = None,
    maxage: float = DEFAULT_MAXAGE,
    last_error: Callable[[str], str | None] | None = None,
    fsd: LatestCell[frozenset[str]] | None = None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the pages, the live events and the API on ``config.listen`` until cancelled.

    Args:
        accounts: the current user accounts, read at each login (the tree's LatestCell).
        upsd: returns where our upsd listens (host, port), or None before it is up;
            admin actions go through it (see actors.web.upsd).
        history: the History store (``series(ups)``) the tree runs; None starts a
            private actors.web.history.History here.
        metrics: renders ``GET /metrics`` (Prometheus text); None renders the
            snapshots with actors.web.metrics (404 if prometheus-client is missing).
        maxage: upsd's MAXAGE; older data is shown as stale, as upsd calls it.
        last_error: a UPS name -> its driver's last error (or None), shown with
            data that is not fresh and in the API.
        fsd: upsd's FSD flags (lower-case UPS names): a status is shown with ``FSD``
            as upsd serves it, and the live pages update when one is set.
    """
    structlog.contextvars.bind_contextvars(actor="web")
    async with trio.open_nursery() as nursery:
        if history is None:
            own = History()
            await nursery.start(own.run, registry)
            history = own
        if metrics is None:
            metrics = registry_metrics(registry)
        web = WebContext(registry=registry, accounts=accounts, upsd=upsd, history=history,
                         templates=make_templates(config.template_dir), metrics=metrics,
                         maxage=maxage, fsd=fsd)
        if last_error is not None:
            web.last_error = last_error
        app = create_app(web, config.template_dir)
        binds: Any = await nursery.start(serve, app, _hypercorn_config(config.listen))
        port = _port_of(binds)
        log.info("web.started", host=config.listen[0], port=port,
                 templates=str(config.template_dir) if config.template_dir else None)
        task_status.started(port)
