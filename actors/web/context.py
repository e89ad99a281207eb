"""What every route needs: the registry, accounts, sessions, templates, history.

One :class:`WebContext` per running web actor, stored on the Starlette app
(``app.state.web``); routes read it, nothing else holds it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import trio
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.web.auth import (
    COOKIE,
    Credentials,
    LoginPenalty,
    Session,
    SessionStore,
    check_login,
    parse_basic,
)
from nutrio.actors.web.controls import Rights
from nutrio.actors.web.points import HistorySource
from nutrio.actors.web.present import UpsView, view_of
from nutrio.actors.web.status import DEFAULT_MAXAGE
from nutrio.actors.web.upsd import UpsdAddress
from nutrio.protocol.upsd.users import Accounts
from nutrio.supervisor.cell import LatestCell

__all__ = ["PACKAGE_DIR", "WebContext", "breakable", "make_templates", "web_of"]

PACKAGE_DIR = Path(__file__).resolve().parent


def make_templates(template_dir: Path | None) -> Jinja2Templates:
    """Site templates first (``web.template_dir``), then ours: any page can be overridden,
    and a site template can ``{% extends "base.html" %}`` to keep our layout."""
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(template_dir)))
    loaders.append(jinja2.FileSystemLoader(str(PACKAGE_DIR / "templates")))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders),
                             autoescape=jinja2.select_autoescape(("html", "xml")),
                             undefined=jinja2.ChainableUndefined)
    env.filters["breakable"] = breakable
    return Jinja2Templates(env=env)


def breakable(name: str) -> Markup:
    """A variable name that may wrap after each dot (``battery.<wbr>charge``) on a phone."""
    return Markup(".<wbr>").join(escape(part) for part in str(name).split("."))


@dataclass(eq=False)
class WebContext:
    registry: Registry
    accounts: Accounts  # the current accounts, read at each login (reload publishes)
    upsd: UpsdAddress
    history: HistorySource
    templates: Jinja2Templates
    sessions: SessionStore = field(default_factory=SessionStore)
    penalty: LoginPenalty = field(default_factory=LoginPenalty)
    metrics: Callable[[], str] | None = None
    clock: Callable[[], float] = time.time  # wall clock: history points
    default_hours: float = 3.0
    #: upsd's MAXAGE: older data is shown as stale, as upsd answers DATA-STALE
    maxage: float = DEFAULT_MAXAGE
    #: each driver's last error by UPS name (the tree's ErrorBook), None if none
    last_error: Callable[[str], str | None] = lambda ups: None
    #: the clock of UpsSnapshot.taken_at
    monotonic: Callable[[], float] = trio.current_time
    #: the UPSes a primary set FSD on, lower-case (upsd's; None: no upsd state to read)
    fsd: LatestCell[frozenset[str]] | None = None

    def handle(self, name: str) -> DeviceHandle | None:
        return self.registry.get(name)

    def view(self, handle: DeviceHandle) -> UpsView:
        return view_of(handle.snapshot, handle.desc, now=self.monotonic(), maxage=self.maxage,
                       last_error=self.last_error(handle.name), fsd=self.is_fsd(handle.name))

    def is_fsd(self, ups: str) -> bool:
        return self.fsd is not None and ups.lower() in self.fsd.value

    def rights(self, user: str) -> Rights:
        """What *user* may do now (accounts change on reload)."""
        return Rights(self.accounts.value.get(user))

    def views(self) -> list[UpsView]:
        return [self.view(h) for h in self.registry]

    def session(self, request: Request) -> Session | None:
        return self.sessions.get(request.cookies.get(COOKIE))

    async def api_credentials(self, request: Request) -> tuple[Credentials | None, Session | None]:
        """Who calls the API: HTTP Basic with a upsd user, or a browser session."""
        basic = parse_basic(request.headers.get("authorization"))
        if basic is not None:
            ok = await check_login(self.accounts.value, basic.user, basic.password)
            return (basic if ok else None), None
        session = self.session(request)
        return (session.credentials if session else None), session


def web_of(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.web
    return ctx
