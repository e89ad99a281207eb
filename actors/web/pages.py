"""HTML pages: overview, one UPS, live events, login and the admin forms.

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
from nutrio.actors.web.context import WebContext, web_of
from nutrio.actors.web.points import points
from nutrio.actors.web.present import validate_value
from nutrio.actors.web.sse import state_events
from nutrio.actors.web.svg import charts_for
from nutrio.actors.web.upsd import Outcome, run_instcmd, set_variable

__all__ = [
    "admin",
    "admin_command",
    "admin_variable",
    "events",
    "login",
    "login_form",
    "logout",
    "not_found",
    "overview",
    "ups_page",
]

log = structlog.get_logger()


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    web = web_of(request)
    session = web.session(request)
    base = {"title": "nutrio", "user": session.user if session else None,
            "csrf": session.csrf if session else ""}
    return web.templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


def not_found(request: Request, what: str) -> Response:
    return _render(request, "base.html", {"title": "Not found", "message": what}, 404)


async def overview(request: Request) -> Response:
    web = web_of(request)
    return _render(request, "overview.html", {"title": "UPS overview", "upses": web.views()})


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
    charts = [{"key": spec.key, "title": spec.title, "unit": spec.unit, "svg": Markup(svg)}
              for spec, svg in charts_for(history, now=web.clock(), hours=hours)]
    view = web.view(handle)
    return _render(request, "ups.html", {"title": f"UPS {view.name}", "ups": view,
                                         "charts": charts, "hours": hours})


async def events(request: Request) -> Response:
    """``/events`` (every UPS) or ``/events/{name}``: a text/event-stream of ``state`` events."""
    web = web_of(request)
    name = request.path_params.get("name")
    if name is not None and web.handle(name) is None:
        return Response("unknown UPS\n", status_code=404, media_type="text/plain")
    names = None if name is None else (name,)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(state_events(web.registry, names), media_type="text/event-stream",
                             headers=headers)


def _safe_next(target: str | None) -> str:
    # only our own paths: never an open redirect to another site
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/admin"
    return target


async def login_form(request: Request) -> Response:
    web = web_of(request)
    return _render(request, "login.html", {
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
        log.warning("web.login_failed", user=user, peer=peer)
        error, status = "Wrong user name or password.", 401
    if error is not None:
        return _render(request, "login.html", {
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


def _require(request: Request) -> Session | Response:
    session = web_of(request).session(request)
    if session is None:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return session


def _admin_page(request: Request, web: WebContext, name: str | None, *, result: Outcome | None
                = None, error: str | None = None, status: int = 200) -> Response:
    handle = web.handle(name) if name else next(iter(web.registry), None)
    if name and handle is None:
        return not_found(request, f"No UPS named {name!r}.")
    selected = web.view(handle) if handle is not None else None
    return _render(request, "admin.html", {
        "title": "Administration", "upses": web.views(), "selected": selected,
        "result": result, "error": error}, status)


async def admin(request: Request) -> Response:
    session = _require(request)
    if isinstance(session, Response):
        return session
    return _admin_page(request, web_of(request), request.path_params.get("name"))


async def _admin_post(request: Request) -> tuple[WebContext, Session, dict[str, str]] | Response:
    session = _require(request)
    if isinstance(session, Response):
        return session
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not csrf_ok(session, form.get("csrf")):
        log.warning("web.csrf_rejected", user=session.user, path=request.url.path)
        return Response("CSRF token missing or wrong\n", status_code=403, media_type="text/plain")
    return web_of(request), session, form


async def admin_command(request: Request) -> Response:
    got = await _admin_post(request)
    if isinstance(got, Response):
        return got
    web, session, form = got
    name = request.path_params["name"]
    handle = web.handle(name)
    command = form.get("command", "").strip()
    if handle is None:
        return not_found(request, f"No UPS named {name!r}.")
    if not handle.snapshot.data.has_command(command):
        return _admin_page(request, web, name, error=f"{command!r}: not a command of this UPS",
                           status=400)
    value = form.get("value", "").strip() or None
    outcome = await run_instcmd(web.upsd, session.credentials, handle.name, command, value)
    return _admin_page(request, web, name, result=outcome)


async def admin_variable(request: Request) -> Response:
    got = await _admin_post(request)
    if isinstance(got, Response):
        return got
    web, session, form = got
    name = request.path_params["name"]
    handle = web.handle(name)
    if handle is None:
        return not_found(request, f"No UPS named {name!r}.")
    var, value = form.get("name", ""), form.get("value", "")
    problem = validate_value(handle.snapshot.data, var, value)
    if problem is not None:
        return _admin_page(request, web, name, error=problem, status=400)
    outcome = await set_variable(web.upsd, session.credentials, handle.name, var, value)
    return _admin_page(request, web, name, result=outcome)
