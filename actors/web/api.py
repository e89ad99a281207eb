"""The JSON API, ``/api/v1``: read the UPSes freely, act on them as a upsd user.

POSTs take a JSON body and either HTTP Basic credentials or a browser
session plus its CSRF token in ``X-CSRF-Token`` (a cross-site form can send
neither a JSON content type nor that header).
"""

from __future__ import annotations

import json
from typing import Any

import trio
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from nutrio.actors.web.auth import Credentials, csrf_ok
from nutrio.actors.web.context import WebContext, web_of
from nutrio.actors.web.points import points
from nutrio.actors.web.present import api_payload, validate_value
from nutrio.actors.web.upsd import Outcome, run_instcmd, set_variable

__all__ = ["get_history", "get_ups", "list_ups", "metrics", "post_command", "post_variable"]


def _error(status: int, code: str, detail: str = "") -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status)


async def list_ups(request: Request) -> Response:
    web = web_of(request)
    return JSONResponse({"ups": [api_payload(v, detail=False) for v in web.views()]})


async def get_ups(request: Request) -> Response:
    web = web_of(request)
    handle = web.handle(request.path_params["name"])
    if handle is None:
        return _error(404, "UNKNOWN-UPS", request.path_params["name"])
    return JSONResponse(api_payload(web.view(handle), detail=True))


async def get_history(request: Request) -> Response:
    web = web_of(request)
    handle = web.handle(request.path_params["name"])
    if handle is None:
        return _error(404, "UNKNOWN-UPS", request.path_params["name"])
    try:
        hours = float(request.query_params.get("hours", web.default_hours))
    except ValueError:
        return _error(400, "INVALID-ARGUMENT", "hours must be a number")
    since = web.clock() - hours * 3600
    found = points(web.history, handle.name, since)
    rows = [{"t": t, "values": dict(values)} for t, values in found]
    return JSONResponse({"ups": handle.name, "hours": hours, "points": rows})


_Authorized = tuple[WebContext, Credentials, dict[str, Any]]


async def _authorized(request: Request) -> _Authorized | Response:
    web = web_of(request)
    who, session = await web.api_credentials(request)
    if who is None:
        peer = request.client.host if request.client else "?"
        if request.headers.get("authorization"):
            await trio.sleep(web.penalty.failed(peer))
        return JSONResponse({"error": "ACCESS-DENIED", "detail": "log in or use HTTP Basic"},
                            status_code=401, headers={"WWW-Authenticate": 'Basic realm="nutrio"'})
    if session is not None and not csrf_ok(session, request.headers.get("x-csrf-token")):
        return _error(403, "CSRF", "X-CSRF-Token header missing or wrong")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _error(415, "INVALID-ARGUMENT", "send a JSON body (application/json)")
    try:
        body = json.loads(await request.body())
    except ValueError:
        return _error(400, "INVALID-ARGUMENT", "the body is not JSON")
    if not isinstance(body, dict):
        return _error(400, "INVALID-ARGUMENT", "the body must be a JSON object")
    return web, who, body


def _outcome(outcome: Outcome) -> Response:
    if outcome.accepted:
        status = 200
    elif outcome.result in ("ERR ACCESS-DENIED", "ERR USERNAME-REQUIRED"):
        status = 403
    elif outcome.result == "ERR UNKNOWN-UPS":
        status = 404
    elif outcome.result.startswith("ERR connect") or outcome.result == "ERR NO-SERVER":
        status = 502
    else:
        status = 400
    return JSONResponse(outcome.as_json(), status_code=status)


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) else None


async def post_command(request: Request) -> Response:
    """``{"command": "test.battery.start", "value": optional}`` -> the TRACKING outcome."""
    got = await _authorized(request)
    if isinstance(got, Response):
        return got
    web, who, body = got
    handle = web.handle(request.path_params["name"])
    if handle is None:
        return _error(404, "UNKNOWN-UPS", request.path_params["name"])
    command = _text(body, "command")
    if not command:
        return _error(400, "INVALID-ARGUMENT", "command (a string) is required")
    outcome = await run_instcmd(web.upsd, who, handle.name, command, _text(body, "value"))
    return _outcome(outcome)


async def post_variable(request: Request) -> Response:
    """``{"name": "ups.delay.shutdown", "value": "30"}`` -> the TRACKING outcome."""
    got = await _authorized(request)
    if isinstance(got, Response):
        return got
    web, who, body = got
    handle = web.handle(request.path_params["name"])
    if handle is None:
        return _error(404, "UNKNOWN-UPS", request.path_params["name"])
    name, value = _text(body, "name"), _text(body, "value")
    if not name or value is None:
        return _error(400, "INVALID-ARGUMENT", "name and value (strings) are required")
    problem = validate_value(handle.snapshot.data, name, value)
    if problem is not None:
        return _error(400, "INVALID-VALUE", problem)
    return _outcome(await set_variable(web.upsd, who, handle.name, name, value))


async def metrics(request: Request) -> Response:
    """Prometheus text format, from the metrics renderer handed to the web actor."""
    render = web_of(request).metrics
    if render is None:
        return PlainTextResponse("metrics are not enabled\n", status_code=404)
    return PlainTextResponse(render(), media_type="text/plain; version=0.0.4; charset=utf-8")
