"""HTML pages: overview, one UPS, live events, login (the admin forms: actors.web.admin).

The role of NUT's upsstats (status from templates) and upsset (admin), with
templates in Jinja2 (docs/web-templates.md lists what each one receives).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import structlog
import trio
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from nutrio.actors.web.auth import COOKIE, Credentials, Session, check_login, csrf_ok
from nutrio.actors.web.context import web_of
from nutrio.actors.web.points import points
from nutrio.actors.web.sse import state_events
from nutrio.actors.web.svg import NARROW, WIDE, chart_window, charts_for, span_text
from nutrio.protocol.common.logtext import clip

__all__ = [
    "events",
    "login",
    "login_form",
    "logout",
    "not_found",
    "overview",
    "render",
    "require_session",
    "ups_page",
]

log = structlog.get_logger()


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    web = web_of(request)
    session = web.session(request)
    base = {"title": "nutrio", "user": session.user if session else None,
            "csrf": session.csrf if session else ""}
    return web.templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


def not_found(request: Request, what: str) -> Response:
    return render(request, "base.html", {"title": "Not found", "message": what}, 404)


async def overview(request: Request) -> Response:
    web = web_of(request)
    return render(request, "overview.html", {"title": "UPS overview", "upses": web.views()})


def _hours(request: Request, default: float) -> float:
    try:
        hours = float(request.query_params.get("hours", default))
    except ValueError:
        return default
    return min(max(hours, 0.1), 48.0)


async def ups_page(request: Request) -> Response:
    web = web_of(request)
    handle = web.handle(request.path_params["name"])
    if handle is None:
        return not_found(request, f"No UPS named {request.path_params['name']!r}.")
    hours = _hours(request, web.default_hours)
    history = points(web.history, handle.name)
    now = web.clock()
    start, end = chart_window(history, now=now, hours=hours)
    # each chart twice: drawn for wide and for narrow screens, CSS shows one
    narrow = dict(charts_for(history, now=now, hours=hours, frame=NARROW))
    charts = []
    for spec, wide in charts_for(history, now=now, hours=hours, frame=WIDE):
        small = narrow[spec]
        charts.append({"key": spec.key, "title": spec.title, "unit": spec.unit,
                       "svg": Markup(wide + small), "svg_wide": Markup(wide),
                       "svg_narrow": Markup(small)})
    view = web.view(handle)
    return render(request, "ups.html", {"title": f"UPS {view.name}", "ups": view,
                                        "charts": charts, "hours": hours,
                                        "span": span_text(end - start)})


async def events(request: Request) -> Response:
    """``/events`` (every UPS) or ``/events/{name}``: a text/event-stream of ``state`` events."""
    web = web_of(request)
    name = request.path_params.get("name")
    if name is not None and web.handle(name) is None:
        return Response("unknown UPS\n", status_code=404, media_type="text/plain")
    names = None if name is None else (name,)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    stream = state_events(web.registry, names, view=web.view, fsd=web.fsd)
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


def _safe_next(target: str | None) -> str:
    # only our own paths: never an open redirect to another site
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/admin"
    return target


async def login_form(request: Request) -> Response:
    web = web_of(request)
    return render(request, "login.html", {
        "title": "Log in", "login_csrf": web.sessions.login_token(), "error": None,
        "next": _safe_next(request.query_params.get("next"))})


async def login(request: Request) -> Response:
    web = web_of(request)
    form = await request.form()
    user, password = str(form.get("username", "")), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
    peer = request.client.host if request.client else "?"
    error, status = None, 200
    if not web.sessions.login_token_ok(str(form.get("csrf", ""))):
        error, status = "The form has expired; please try again.", 400
    elif not await check_login(web.accounts.value, user, password):
        await trio.sleep(web.penalty.failed(peer))  # as upsd holds back ACCESS-DENIED
        log.warning("web.login_failed", user=clip(user), peer=peer)
        error, status = "Wrong user name or password.", 401
    if error is not None:
        return render(request, "login.html", {
            "title": "Log in", "login_csrf": web.sessions.login_token(), "error": error,
            "next": target, "username": user}, status)
    web.penalty.succeeded(peer)
    _, cookie = web.sessions.create(Credentials(user, password))
    log.info("web.login", user=user, peer=peer)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")
    return response


async def logout(request: Request) -> Response:
    web = web_of(request)
    session = web.session(request)
    form = await request.form()
    if session is not None and csrf_ok(session, str(form.get("csrf", ""))):
        web.sessions.drop(session)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def require_session(request: Request) -> Session | Response:
    """The logged-in session, or a redirect to the login form that comes back here."""
    session = web_of(request).session(request)
    if session is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(here, safe='/')}", status_code=303)
    return session
