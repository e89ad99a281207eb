"""VER, NETVER, HELP, STARTTLS, USERNAME, PASSWORD, LOGIN, LOGOUT, PRIMARY, FSD.

(docs/net-protocol.txt; server/netmisc.c, netuser.c, netssl.c.) These take
an exact number of arguments: anything else is INVALID-ARGUMENT, except
STARTTLS, which ignores extra words as upsd does.
"""

from __future__ import annotations

from nutrio.protocol.common.errors import NutError, ProtocolError
from nutrio.protocol.upsd.replies import line
from nutrio.protocol.upsd.types import Action, SessionView

__all__ = [
    "ver", "netver", "help_", "starttls", "username", "password",
    "login", "logout", "primary", "master", "fsd",
]

NETVERSION = "1.3"
_HELP = "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS"


def _arity(args: tuple[str, ...], count: int) -> None:
    if len(args) != count:
        raise ProtocolError(NutError.INVALID_ARGUMENT)


def ver(session: SessionView, args: tuple[str, ...]) -> bytes:
    _arity(args, 0)
    version = session.ctx.settings.version
    return line(f"Network UPS Tools upsd {version} - http://www.networkupstools.org/")


def netver(session: SessionView, args: tuple[str, ...]) -> bytes:
    _arity(args, 0)
    return line(NETVERSION)


def help_(session: SessionView, args: tuple[str, ...]) -> bytes:
    _arity(args, 0)
    return line(_HELP)


def starttls(session: SessionView, args: tuple[str, ...]) -> bytes:
    if session.tls:
        raise ProtocolError(NutError.ALREADY_SSL_MODE)
    if session.ctx.settings.tls is None:
        raise ProtocolError(NutError.FEATURE_NOT_CONFIGURED)
    session.request_action(Action.STARTTLS)
    return line("OK STARTTLS")


def username(session: SessionView, args: tuple[str, ...]) -> bytes:
    _arity(args, 1)
    if session.username is not None:
        raise ProtocolError(NutError.ALREADY_SET_USERNAME)
    session.username = args[0]
    return line("OK")


def password(session: SessionView, args: tuple[str, ...]) -> bytes:
    # Only stored: upsd checks it at each action that needs rights.
    _arity(args, 1)
    if session.password is not None:
        raise ProtocolError(NutError.ALREADY_SET_PASSWORD)
    session.password = args[0]
    return line("OK")


def login(session: SessionView, args: tuple[str, ...]) -> bytes:
    _arity(args, 1)
    if session.login_ups is not None:
        raise ProtocolError(NutError.ALREADY_LOGGED_IN)
    device = session.device(args[0])
    session.require_action("LOGIN", device.name)
    session.ctx.state.login(session, device.name)
    return line("OK")


def logout(session: SessionView, args: tuple[str, ...]) -> bytes:
    _arity(args, 0)
    session.request_action(Action.CLOSE)
    return line("OK Goodbye")


def _grant(session: SessionView, args: tuple[str, ...], word: str) -> bytes:
    _arity(args, 1)
    device = session.device(args[0])
    session.require_action("PRIMARY", device.name, label=word)  # only an access check, as upsd
    return line(f"OK {word}-GRANTED")


def primary(session: SessionView, args: tuple[str, ...]) -> bytes:
    return _grant(session, args, "PRIMARY")


def master(session: SessionView, args: tuple[str, ...]) -> bytes:
    return _grant(session, args, "MASTER")


def fsd(session: SessionView, args: tuple[str, ...]) -> bytes:
    _arity(args, 1)
    device = session.device(args[0])
    session.require_action("FSD", device.name)
    session.ctx.state.set_fsd(device.name)
    return line("OK FSD-SET")
