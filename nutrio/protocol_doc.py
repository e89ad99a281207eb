"""docs/protocol.md, generated from the session's command tables.

Each command's example is what the real Session answers on a small made-up
UPS; its ERR codes are read from the handlers' code (following the calls
they make), so the page cannot claim what the server does not do.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from nutrio.protocol.common.errors import NutError
from nutrio.protocol.common.state import UpsData, UpsSnapshot, VarInfo, freeze_vars
from nutrio.protocol.upsd import netget, netset
from nutrio.protocol.upsd.replies import Descriptions
from nutrio.protocol.upsd.session import (
    COMMANDS,
    Needs,
    ServerContext,
    ServerSettings,
    Session,
    TlsSettings,
)
from nutrio.protocol.upsd.static_devices import StaticDevice, StaticDevices
from nutrio.protocol.upsd.users import FixedAccounts, UserAccount

__all__ = ["Served", "render_protocol", "served"]

_PROTOCOL_INTRO = """\
# Network protocol reference

<!-- Generated from protocol/upsd/session.py's command tables by `python -m nutrio.docs`. -->

nutrio's data server speaks NUT's network protocol (as upsd 2.8.0 does), on
TCP port 3493 unless `[server] listen` says otherwise. A request is one line of
words separated by blanks; a word holding blanks is put in double quotes, and
a backslash escapes a quote or a backslash. Command and sub-command names are
case-insensitive. Every request line gets its answer before the next one is
read: one line, or a `BEGIN LIST ... END LIST` block. A refused request is
answered with `ERR <CODE>` and the connection stays open.

Rights come from the `[users.*]` tables: a client sends `USERNAME` and
`PASSWORD` first, and the password is checked at each command that needs
rights. With `[server.tls]`, `STARTTLS` turns the connection into TLS.

Below, each command's example is what the server answers on a UPS `myups`
(lines from the client start with `C:`, the server's with `S:`). The ERR
codes listed for a command are read from the code that serves it.
"""

_ANY_LINE = """\
## Errors on any line

- `ERR {unknown}`: the first word is not a command.
- `ERR {too_long}`: the line is longer than `[server] max_line` bytes; it is skipped.
- `ERR {user}` / `ERR {password}`: a command that needs rights came before
  `USERNAME` / `PASSWORD`.
- `ERR {denied}`: `[server.tls] require = true` and the connection has not done
  `STARTTLS` yet; only {before_tls} are served before it.
"""


@dataclass(frozen=True, slots=True)
class Request:
    """How one served command is written, what it does, and the example to run."""

    form: str
    doc: str
    example: str
    before: tuple[str, ...] = ()


_LOGIN = ("USERNAME admin", "PASSWORD secret")

#: One entry per command and sub-command the session serves; render_protocol
#: refuses to run when this and the code's tables differ.
REQUESTS: Mapping[str, Request] = {
    "VER": Request("VER", "the server's name and version", "VER"),
    "NETVER": Request("NETVER", "the protocol version", "NETVER"),
    "PROTVER": Request("PROTVER", "another name for NETVER", "PROTVER"),
    "HELP": Request("HELP", "the command names", "HELP"),
    "STARTTLS": Request("STARTTLS", "switch this connection to TLS (needs `[server.tls]`)",
                        "STARTTLS"),
    "GET NUMLOGINS": Request("GET NUMLOGINS <ups>", "how many clients did LOGIN to the UPS",
                             "GET NUMLOGINS myups", (*_LOGIN, "LOGIN myups")),
    "GET UPSDESC": Request("GET UPSDESC <ups>", "the UPS's `desc`", "GET UPSDESC myups"),
    "GET VAR": Request("GET VAR <ups> <var>", "one variable's value", "GET VAR myups ups.status"),
    "GET TYPE": Request("GET TYPE <ups> <var>",
                        "a variable's flags (RW, ENUM, RANGE) and `STRING:<length>` or `NUMBER`",
                        "GET TYPE myups ups.beeper.status"),
    "GET DESC": Request("GET DESC <ups> <var>", "a variable's description",
                        "GET DESC myups battery.charge"),
    "GET CMDDESC": Request("GET CMDDESC <ups> <cmd>", "an instant command's description",
                           "GET CMDDESC myups test.battery.start"),
    "GET TRACKING": Request(
        "GET TRACKING [<id>]",
        "without an id: ON or OFF; with the id of a SET or INSTCMD: PENDING, SUCCESS, "
        "or ERR INVALID-ARGUMENT / FAILED / UNKNOWN as the driver answered",
        "GET TRACKING <id>", (*_LOGIN, "SET TRACKING ON", "INSTCMD myups test.battery.start")),
    "LIST UPS": Request("LIST UPS", "every UPS and its description", "LIST UPS"),
    "LIST VAR": Request("LIST VAR <ups>", "every variable and its value", "LIST VAR myups"),
    "LIST RW": Request("LIST RW <ups>", "the variables SET VAR can change", "LIST RW myups"),
    "LIST CMD": Request("LIST CMD <ups>", "the instant commands", "LIST CMD myups"),
    "LIST CLIENT": Request("LIST CLIENT <ups>", "the addresses of the clients logged in to the UPS",
                           "LIST CLIENT myups", (*_LOGIN, "LOGIN myups")),
    "LIST ENUM": Request("LIST ENUM <ups> <var>", "the values a variable may be set to",
                         "LIST ENUM myups ups.beeper.status"),
    "LIST RANGE": Request("LIST RANGE <ups> <var>", "the ranges a variable's value must be in",
                          "LIST RANGE myups input.transfer.high"),
    "USERNAME": Request("USERNAME <user>", "the user name for later checks", "USERNAME admin"),
    "PASSWORD": Request("PASSWORD <password>", "the password, checked where rights are needed",
                        "PASSWORD secret"),
    "LOGIN": Request("LOGIN <ups>", "count this client as powered by the UPS (upsmon does this)",
                     "LOGIN myups", _LOGIN),
    "LOGOUT": Request("LOGOUT", "say goodbye; the server closes the connection (as upsd, not "
                      "when another line follows in the same read)", "LOGOUT"),
    "PRIMARY": Request("PRIMARY <ups>", "check the primary right (upsmon primary)",
                       "PRIMARY myups", _LOGIN),
    "MASTER": Request("MASTER <ups>", "the older name of PRIMARY", "MASTER myups", _LOGIN),
    "FSD": Request("FSD <ups>", "set forced shutdown: ups.status gets FSD in front",
                   "FSD myups", _LOGIN),
    "SET VAR": Request("SET VAR <ups> <var> <value>",
                       "hand a new value to the driver (`OK TRACKING <id>` with tracking on)",
                       "SET VAR myups input.transfer.high 260", _LOGIN),
    "SET TRACKING": Request("SET TRACKING ON|OFF", "answer SET and INSTCMD with a tracking id",
                            "SET TRACKING ON", _LOGIN),
    "INSTCMD": Request("INSTCMD <ups> <cmd> [<value>]",
                       "hand a command to the driver (`OK TRACKING <id>` with tracking on)",
                       "INSTCMD myups test.battery.start", _LOGIN),
}  # fmt: skip

#: NUT's meaning of each ERR code, in our words.
ERR_MEANINGS: Mapping[NutError, str] = {
    NutError.ACCESS_DENIED: "the user name and password do not allow this, or are missing",
    NutError.UNKNOWN_UPS: "no UPS of that name on this server",
    NutError.VAR_NOT_SUPPORTED: "the UPS has no variable of that name",
    NutError.CMD_NOT_SUPPORTED: "the UPS has no instant command of that name",
    NutError.INVALID_ARGUMENT: "wrong number of words, or an unknown sub-command",
    NutError.INSTCMD_FAILED: "the driver could not take the instant command",
    NutError.SET_FAILED: "the driver could not take the new value",
    NutError.READONLY: "the variable cannot be changed",
    NutError.TOO_LONG: "the value (or the request line) is too long",
    NutError.FEATURE_NOT_SUPPORTED: "the server was built without this feature",
    NutError.FEATURE_NOT_CONFIGURED: "the feature is there but not set up",
    NutError.ALREADY_SSL_MODE: "the connection already uses TLS",
    NutError.DRIVER_NOT_CONNECTED: "the UPS's driver is not running or not connected",
    NutError.DATA_STALE: "the driver sent nothing new for longer than MAXAGE",
    NutError.ALREADY_LOGGED_IN: "this connection already did LOGIN",
    NutError.INVALID_PASSWORD: "the password is not acceptable",
    NutError.ALREADY_SET_PASSWORD: "PASSWORD was already given on this connection",
    NutError.INVALID_USERNAME: "the user name is not acceptable",
    NutError.ALREADY_SET_USERNAME: "USERNAME was already given on this connection",
    NutError.USERNAME_REQUIRED: "the command needs USERNAME first",
    NutError.PASSWORD_REQUIRED: "the command needs PASSWORD first",
    NutError.UNKNOWN_COMMAND: "the first word is not a command",
    NutError.INVALID_VALUE: "the value is not allowed (not in the ENUM list, outside RANGE)",
}

Handler = Callable[..., Any]

#: The sub-command tables of GET, LIST and SET; the few sub-commands a
#: dispatcher answers itself (GET TRACKING, LIST UPS, SET's) are named here.
_SUB_TABLES: Mapping[str, tuple[Mapping[str, Handler], ...]] = {
    "GET": ({"TRACKING": netget.get_tracking}, netget.GET_BY_UPS, netget.GET_BY_VAR),
    "LIST": ({"UPS": netget.list_ups}, netget.LIST_BY_UPS, netget.LIST_BY_VAR),
    "SET": ({"VAR": netset.set_var, "TRACKING": netset.set_tracking},),
}


@dataclass(frozen=True, slots=True)
class Served:
    """One request the session serves, with what the code says about it."""

    name: str
    needs_user: bool
    errors: tuple[NutError, ...]


def served() -> list[Served]:
    """Every command and sub-command in the session's tables, in table order."""
    out = []
    for name, command in COMMANDS.items():
        tables = _SUB_TABLES.get(name)
        subs = {sub: h for table in tables for sub, h in table.items()} if tables else {}
        if unknown := sorted(_sub_words(command.handler) - set(subs)):
            raise RuntimeError(f"{name} answers {unknown} itself: add them to _SUB_TABLES")
        stop = frozenset(subs.values())
        for sub, handler in subs.items() or [("", command.handler)]:
            found = handler_errors(handler)
            if sub:  # the dispatcher's own checks (word count), not its other sub-commands
                found |= handler_errors(command.handler, stop)
            needs_user = command.needs is Needs.USER
            if needs_user:
                found |= {NutError.USERNAME_REQUIRED, NutError.PASSWORD_REQUIRED}
            full = f"{name} {sub}" if sub else name
            ordered = tuple(e for e in NutError if e in found)
            out.append(Served(full, needs_user, ordered))
    return out


def _sub_words(dispatcher: Handler) -> set[str]:
    """Sub-command names a dispatcher tests for in its own code (``sub == "UPS"``,
    ``case "VAR":``), so one answered outside the tables is not missed."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(dispatcher)))
    words = set()
    for node in ast.walk(tree):
        values: list[ast.expr] = []
        if isinstance(node, ast.Compare):
            values = [node.left, *node.comparators]
        elif isinstance(node, ast.MatchValue):
            values = [node.value]
        words |= {v.value for v in values
                  if isinstance(v, ast.Constant) and isinstance(v.value, str)}  # fmt: skip
    return words


def handler_errors(
    func: Handler, stop: frozenset[Handler] = frozenset(), seen: set[Handler] | None = None
) -> set[NutError]:
    """The ERR codes ``func`` can answer: every ``NutError.X`` in its code and in the
    protocol functions and Session methods it calls (not those in ``stop``)."""
    seen = set() if seen is None else seen
    if func in seen or func in stop:
        return set()
    seen.add(func)
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    found: set[NutError] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_name(node.value, "NutError"):
            found.add(NutError[node.attr])
        elif isinstance(node, ast.Call) and (callee := _callee(func, node.func)) is not None:
            found |= handler_errors(callee, stop, seen)
    return found


def _is_name(node: ast.expr, *names: str) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _callee(func: Handler, expr: ast.expr) -> Handler | None:
    """The protocol function a call goes to, when it can be told from the code."""
    target: object = None
    if isinstance(expr, ast.Name):
        target = func.__globals__.get(expr.id)
    elif isinstance(expr, ast.Attribute) and _is_name(expr.value, "session", "self"):
        target = getattr(Session, expr.attr, None)
    if inspect.isfunction(target) and target.__module__.startswith("nutrio.protocol."):
        return target
    return None


def render_protocol() -> str:
    rows = served()
    names = [row.name for row in rows]
    if missing := sorted(set(names) - set(REQUESTS)):
        raise RuntimeError(f"served but not documented in nutrio/docs.py REQUESTS: {missing}")
    if extra := sorted(set(REQUESTS) - set(names)):
        raise RuntimeError(f"documented in nutrio/docs.py REQUESTS but not served: {extra}")
    if missing := [e.value for e in NutError if e not in ERR_MEANINGS]:
        raise RuntimeError(f"ERR codes without a meaning in nutrio/docs.py: {missing}")
    parts = [_PROTOCOL_INTRO, _summary(rows), "## Commands\n"]
    parts += [_command(row) for row in rows]
    parts += [_any_line(), _error_table(rows)]
    return "\n".join(parts)


def _summary(rows: list[Served]) -> str:
    lines = ["| Request | Answers | Needs USERNAME, PASSWORD |", "| --- | --- | --- |"]
    for row in rows:
        req = REQUESTS[row.name]
        cells = (f"`{req.form}`", req.doc, "yes" if row.needs_user else "no")
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _command(row: Served) -> str:
    req = REQUESTS[row.name]
    errors = ", ".join(f"`{e.value}`" for e in row.errors) or "none"
    return "\n".join([
        f"### {row.name}", "", f"`{req.form}`: {req.doc}.", "",
        "```text", *example(req), "```", "", f"ERR codes: {errors}.", "",
    ])  # fmt: skip


def _any_line() -> str:
    before = ", ".join(f"`{name}`" for name in _served_before_tls())
    return _ANY_LINE.format(
        unknown=NutError.UNKNOWN_COMMAND.value, too_long=NutError.TOO_LONG.value,
        user=NutError.USERNAME_REQUIRED.value, password=NutError.PASSWORD_REQUIRED.value,
        denied=NutError.ACCESS_DENIED.value, before_tls=before,
    )  # fmt: skip


def _error_table(rows: list[Served]) -> str:
    lines = ["## ERR codes", "", "| Code | Meaning (NUT's) | Answered to |", "| --- | --- | --- |"]
    for code in NutError:
        users = [row.name for row in rows if code in row.errors]
        if code in (NutError.UNKNOWN_COMMAND, NutError.TOO_LONG):
            users.insert(0, "any line")
        sent = ", ".join(users) or "never sent by nutrio (NUT clients know it)"
        lines.append(f"| `{code.value}` | {ERR_MEANINGS[code]} | {sent} |")
    return "\n".join(lines) + "\n"


# The example world: one UPS "myups" with a few variables, one all-powerful user.
_NOW = 1000.0
_UUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")


def _example_context(*, require_tls: bool = False) -> ServerContext:
    values = {"battery.charge": "100", "input.transfer.high": "264",
              "ups.beeper.status": "enabled", "ups.status": "OL"}  # fmt: skip
    info = {
        "input.transfer.high": VarInfo(rw=True, number=True, ranges=((250, 270), (280, 290))),
        "ups.beeper.status": VarInfo(rw=True, string_len=10, enums=("enabled", "disabled")),
    }
    data = UpsData(vars=freeze_vars(values), info=MappingProxyType(info),
                   commands=("test.battery.start",))  # fmt: skip
    snapshot = UpsSnapshot(ups="myups", seq=1, taken_at=_NOW, data=data)
    admin = UserAccount(name="admin", password="secret", actions=frozenset({"SET", "FSD"}),
                        instcmds=("all",), upsmon="primary")  # fmt: skip
    return ServerContext(
        settings=ServerSettings(tls=TlsSettings(certfile="server.pem", require=require_tls)),
        devices=StaticDevices(StaticDevice("myups", "Rack A", snapshot)),
        accounts=FixedAccounts({"admin": admin}),
        submit=lambda request: True,
        descriptions=Descriptions({"battery.charge": "Battery charge (percent of full)"},
                                  {"test.battery.start": "Start a battery test"}),
    )  # fmt: skip


def _served_before_tls() -> list[str]:
    """The commands answered before STARTTLS under ``[server.tls] require``, asked of a real
    Session (a fresh one each, logged in first where the command needs it): the others
    answer ACCESS-DENIED, or USERNAME-/PASSWORD-REQUIRED because the login was refused."""
    refused = {NutError.ACCESS_DENIED, NutError.USERNAME_REQUIRED, NutError.PASSWORD_REQUIRED}
    served = []
    for name, command in COMMANDS.items():
        session = Session(_example_context(require_tls=True), "192.0.2.7", now=_NOW)
        login = _LOGIN if command.needs is Needs.USER else ()
        for request in (*login, name):
            reply = session.receive_data(request.encode() + b"\n", _NOW).reply
        if reply not in {code.line for code in refused}:
            served.append(name)
    return served


def example(req: Request) -> list[str]:
    """The ``C:``/``S:`` lines of running ``req.before`` then ``req.example`` on a
    fresh Session; a TRACKING id is shown as ``<id>``."""
    session = Session(_example_context(), "192.0.2.7", now=_NOW)
    lines, tracking = [], "<id>"
    for request in (*req.before, req.example):
        request = request.replace("<id>", tracking)
        reply = session.receive_data(request.encode() + b"\n", _NOW).reply.decode()
        if found := _UUID.search(reply):
            tracking = found.group()
        lines.append(f"C: {request.replace(tracking, '<id>')}")
        lines += [f"S: {text.replace(tracking, '<id>')}" for text in reply.splitlines()]
    if not lines or lines[-1].startswith("S: ERR"):
        raise RuntimeError(f"the example of {req.form} fails: {lines[-1:]}")
    return lines
