"""The admin pages (NUT's upsset): instant commands and writable variables.

Every form is POST-redirect-GET: a POST that reaches upsd keeps its outcome in
the session and answers 303 to the admin page, which shows it (with its
TRACKING result), so reloading that page never sends the command again. A
form refused before anything was sent is shown again with the reason.

A command that cuts the power first redirects to a confirmation page (a GET:
it sends nothing) whose form repeats the POST with ``confirm=yes``; Cancel is
a plain link back. Controls follow the user's rights (actors.web.controls).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

import structlog
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from nutrio.actors.registry import DeviceHandle
from nutrio.actors.web.auth import Session, csrf_ok
from nutrio.actors.web.context import WebContext, web_of
from nutrio.actors.web.controls import power_cut
from nutrio.actors.web.pages import not_found, render, require_session
from nutrio.actors.web.present import validate_value
from nutrio.actors.web.upsd import Outcome, run_instcmd, set_variable

__all__ = ["CommandChoice", "admin", "admin_command", "admin_confirm", "admin_variable"]

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class CommandChoice:
    """A command the user may run; ``cuts_power`` ones ask for confirmation first."""

    name: str
    cuts_power: bool


def _admin_page(request: Request, session: Session, name: str | None, *,
                result: Outcome | None = None, error: str | None = None,
                status: int = 200) -> Response:
    web = web_of(request)
    handle = web.handle(name) if name else next(iter(web.registry), None)
    if name and handle is None:
        return not_found(request, f"No UPS named {name!r}.")
    selected = web.view(handle) if handle is not None else None
    rights = web.rights(session.user)
    commands = []
    if selected is not None:
        commands = [CommandChoice(c, power_cut(c, selected.vars) is not None)
                    for c in rights.commands(selected.commands)]
    return render(request, "admin.html", {
        "title": "Administration", "upses": web.views(), "selected": selected,
        "result": result, "error": error, "commands": commands, "may_set": rights.may_set,
        "may_act": rights.may_act}, status)


async def admin(request: Request) -> Response:
    """``GET /admin[/{name}][?done=KEY]``: the forms, and the outcome a POST redirected to."""
    session = require_session(request)
    if isinstance(session, Response):
        return session
    done = session.result(request.query_params.get("done"))
    result = done if isinstance(done, Outcome) else None
    return _admin_page(request, session, request.path_params.get("name"), result=result)


_Posted = tuple[WebContext, Session, DeviceHandle, dict[str, str]]


async def _admin_post(request: Request) -> _Posted | Response:
    session = require_session(request)
    if isinstance(session, Response):
        return session
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not csrf_ok(session, form.get("csrf")):
        log.warning("web.csrf_rejected", user=session.user, path=request.url.path)
        return Response("CSRF token missing or wrong\n", status_code=403, media_type="text/plain")
    web = web_of(request)
    name = request.path_params["name"]
    handle = web.handle(name)
    if handle is None:
        return not_found(request, f"No UPS named {name!r}.")
    return web, session, handle, form


def _show_outcome(session: Session, outcome: Outcome) -> Response:
    """303 to the admin page, which shows *outcome*: a reload there sends nothing."""
    key = session.keep_result(outcome)
    return RedirectResponse(f"/admin/{quote(outcome.ups, safe='')}?done={key}", status_code=303)


def _command_problem(web: WebContext, session: Session, handle: DeviceHandle,
                     command: str) -> tuple[str, int] | None:
    if not handle.snapshot.data.has_command(command):
        return f"{command!r}: not a command of this UPS", 400
    if not web.rights(session.user).may_run(command):
        return f"{command!r}: your account ({session.user}) may not run this command", 403
    return None


async def admin_command(request: Request) -> Response:
    """``POST /admin/{name}/command``: run it, or first ask when it cuts the power."""
    got = await _admin_post(request)
    if isinstance(got, Response):
        return got
    web, session, handle, form = got
    command = form.get("command", "").strip()
    problem = _command_problem(web, session, handle, command)
    if problem is not None:
        return _admin_page(request, session, handle.name, error=problem[0], status=problem[1])
    value = form.get("value", "").strip() or None
    if form.get("confirm") != "yes" and power_cut(command, handle.snapshot.data.vars, value):
        query = urlencode({"command": command, **({"value": value} if value else {})})
        return RedirectResponse(f"/admin/{quote(handle.name, safe='')}/confirm?{query}",
                                status_code=303)
    outcome = await run_instcmd(web.upsd, session.credentials, handle.name, command, value)
    return _show_outcome(session, outcome)


async def admin_confirm(request: Request) -> Response:
    """``GET /admin/{name}/confirm?command=...``: name the UPS and what will happen."""
    session = require_session(request)
    if isinstance(session, Response):
        return session
    web = web_of(request)
    name = request.path_params["name"]
    handle = web.handle(name)
    if handle is None:
        return not_found(request, f"No UPS named {name!r}.")
    command = request.query_params.get("command", "").strip()
    value = request.query_params.get("value", "").strip() or None
    problem = _command_problem(web, session, handle, command)
    if problem is not None:
        return _admin_page(request, session, handle.name, error=problem[0], status=problem[1])
    view = web.view(handle)
    cut = power_cut(command, view.vars, value)
    return render(request, "confirm.html", {
        "title": f"Confirm {command} on {view.name}", "ups": view, "command": command,
        "value": value, "cuts": cut is not None,
        "consequence": cut or f"Runs {command} on this UPS."})


async def admin_variable(request: Request) -> Response:
    """``POST /admin/{name}/variable``: checked here as upsd will, then SET VAR."""
    got = await _admin_post(request)
    if isinstance(got, Response):
        return got
    web, session, handle, form = got
    var, value = form.get("name", ""), form.get("value", "")
    if not web.rights(session.user).may_set:
        return _admin_page(request, session, handle.name, status=403,
                           error=f"Your account ({session.user}) may not set variables.")
    problem = validate_value(handle.snapshot.data, var, value)
    if problem is not None:
        return _admin_page(request, session, handle.name, error=problem, status=400)
    outcome = await set_variable(web.upsd, session.credentials, handle.name, var, value)
    return _show_outcome(session, outcome)
