"""GET and LIST (docs/net-protocol.txt "GET", "LIST"; server/netget.c, netlist.c).

Argument checks run in upsd's order: too few words for the sub-command
family gives INVALID-ARGUMENT before the sub-command name is even looked
at; extra words are ignored. Names are echoed as the client typed them.
"""

from __future__ import annotations

from collections.abc import Callable

from nutrio.protocol.common.errors import NutError, ProtocolError
from nutrio.protocol.upsd.replies import line, render_list, var_reply, wire_value
from nutrio.protocol.upsd.types import SessionView

__all__ = [
    "GET_BY_UPS",
    "GET_BY_VAR",
    "LIST_BY_UPS",
    "LIST_BY_VAR",
    "get",
    "get_tracking",
    "list_",
    "list_ups",
]

_NO_DESC = "Description unavailable"

Sub = Callable[[SessionView, tuple[str, ...]], bytes]


def _invalid() -> ProtocolError:
    return ProtocolError(NutError.INVALID_ARGUMENT)


# -- GET -----------------------------------------------------------------------


def get(session: SessionView, args: tuple[str, ...]) -> bytes:
    if not args:
        raise _invalid()
    sub = args[0].upper()
    if sub == "TRACKING":
        return get_tracking(session, args)
    for needed, table in ((2, GET_BY_UPS), (3, GET_BY_VAR)):
        if len(args) < needed:
            raise _invalid()
        handler = table.get(sub)
        if handler is not None:
            return handler(session, args)
    raise _invalid()


def get_tracking(session: SessionView, args: tuple[str, ...]) -> bytes:
    if len(args) < 2:
        return line("ON" if session.tracking else "OFF")
    if not session.tracking:
        raise ProtocolError(NutError.FEATURE_NOT_CONFIGURED)
    return line(session.ctx.state.tracking.reply(args[1], session.now))


def _numlogins(session: SessionView, args: tuple[str, ...]) -> bytes:
    device = session.device(args[1])
    session.available(device)
    return line(f"NUMLOGINS {args[1]} {session.ctx.state.numlogins(device.name)}")


def _upsdesc(session: SessionView, args: tuple[str, ...]) -> bytes:
    device = session.device(args[1])
    desc = wire_value(device.desc) if device.desc else "Unavailable"
    return line(f'UPSDESC {args[1]} "{desc}"')


def _var(session: SessionView, args: tuple[str, ...]) -> bytes:
    upsname, var = args[1], args[2]
    if var[:7].lower() == "server.":  # answered for any UPS name, even unknown ones
        return _server_var(session, upsname, var)
    device = session.device(upsname)
    data = session.available(device).data
    reply = var_reply(upsname, var, data, session.ctx.state.fsd(device.name))
    if reply is None:
        raise ProtocolError(NutError.VAR_NOT_SUPPORTED)
    return reply


def _server_var(session: SessionView, upsname: str, var: str) -> bytes:
    version = session.ctx.settings.version
    match var.lower():
        case "server.info":
            text = f"Network UPS Tools upsd {version} - http://www.networkupstools.org/"
            return line(f'VAR {upsname} server.info "{text}"')
        case "server.version":
            return line(f'VAR {upsname} server.version "{version}"')
    raise ProtocolError(NutError.VAR_NOT_SUPPORTED)


def _type(session: SessionView, args: tuple[str, ...]) -> bytes:
    upsname, var = args[1], args[2]
    data = session.available(session.device(upsname)).data
    if data.canonical(var) is None:
        raise ProtocolError(NutError.VAR_NOT_SUPPORTED)
    info = data.var_info(var)
    words = [f"TYPE {upsname} {var}"]
    if info.rw:
        words.append("RW")
    if info.enums:
        words.append("ENUM")
    if info.ranges:
        words.append("RANGE")
    # netget.c: anything that is not a STRING is reported as a NUMBER
    words.append(f"STRING:{info.string_len}" if info.string_len is not None else "NUMBER")
    return line(" ".join(words))


def _desc(session: SessionView, args: tuple[str, ...]) -> bytes:
    session.available(session.device(args[1]))
    desc = session.ctx.descriptions.var(args[2]) or _NO_DESC
    return line(f'DESC {args[1]} {args[2]} "{desc}"')


def _cmddesc(session: SessionView, args: tuple[str, ...]) -> bytes:
    session.available(session.device(args[1]))
    desc = session.ctx.descriptions.command(args[2]) or _NO_DESC
    return line(f'CMDDESC {args[1]} {args[2]} "{desc}"')


#: GET sub-commands by the words after their name: <ups>, then <ups> <var or cmd>.
GET_BY_UPS: dict[str, Sub] = {"NUMLOGINS": _numlogins, "UPSDESC": _upsdesc}
GET_BY_VAR: dict[str, Sub] = {"VAR": _var, "TYPE": _type, "DESC": _desc, "CMDDESC": _cmddesc}


# -- LIST ----------------------------------------------------------------------


def list_(session: SessionView, args: tuple[str, ...]) -> bytes:
    if not args:
        raise _invalid()
    sub = args[0].upper()
    if sub == "UPS":
        return list_ups(session)
    for needed, table in ((2, LIST_BY_UPS), (3, LIST_BY_VAR)):
        if len(args) < needed:
            raise _invalid()
        handler = table.get(sub)
        if handler is not None:
            return handler(session, args)
    raise _invalid()


def list_ups(session: SessionView) -> bytes:
    parts = [line("BEGIN LIST UPS")]
    for device in session.ctx.devices.names().values():  # ups.conf order, as upsd
        desc = wire_value(device.desc) if device.desc else _NO_DESC
        parts.append(line(f'UPS {device.name} "{desc}"'))
    parts.append(line("END LIST UPS"))
    return b"".join(parts)


def _listing(kind: str) -> Sub:
    def handler(session: SessionView, args: tuple[str, ...]) -> bytes:
        device = session.device(args[1])
        data = session.available(device).data
        fsd = kind == "VAR" and session.ctx.state.fsd(device.name)
        return render_list(kind, args[1], data, fsd)

    return handler


def _list_client(session: SessionView, args: tuple[str, ...]) -> bytes:
    device = session.device(args[1])
    parts = [line(f"BEGIN LIST CLIENT {args[1]}")]
    for other in session.ctx.state.logged_in(device.name):
        parts.append(line(f"CLIENT {other.login_ups} {other.addr}"))
    parts.append(line(f"END LIST CLIENT {args[1]}"))
    return b"".join(parts)


def _list_enum(session: SessionView, args: tuple[str, ...]) -> bytes:
    upsname, var = args[1], args[2]
    data = session.available(session.device(upsname)).data
    if data.canonical(var) is None:
        raise ProtocolError(NutError.VAR_NOT_SUPPORTED)
    parts = [line(f"BEGIN LIST ENUM {upsname} {var}")]
    parts.extend(line(f'ENUM {upsname} {var} "{wire_value(v)}"') for v in data.var_info(var).enums)
    parts.append(line(f"END LIST ENUM {upsname} {var}"))
    return b"".join(parts)


def _list_range(session: SessionView, args: tuple[str, ...]) -> bytes:
    upsname, var = args[1], args[2]
    data = session.available(session.device(upsname)).data
    if data.canonical(var) is None:
        raise ProtocolError(NutError.VAR_NOT_SUPPORTED)
    parts = [line(f"BEGIN LIST RANGE {upsname} {var}")]
    parts.extend(
        line(f'RANGE {upsname} {var} "{low}" "{high}"') for low, high in data.var_info(var).ranges
    )
    parts.append(line(f"END LIST RANGE {upsname} {var}"))
    return b"".join(parts)


#: LIST sub-commands by the words after their name: <ups>, then <ups> <var>.
LIST_BY_UPS: dict[str, Sub] = {
    "VAR": _listing("VAR"),
    "RW": _listing("RW"),
    "CMD": _listing("CMD"),
    "CLIENT": _list_client,
}
LIST_BY_VAR: dict[str, Sub] = {"ENUM": _list_enum, "RANGE": _list_range}
