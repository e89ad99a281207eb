"""upsd's command table: request name -> handler and precondition.

Re-exported by :mod:`protocol.upsd.session`, whose Session dispatches through it
(and nutrio/protocol_doc.py documents it). Handlers take a
:class:`~protocol.upsd.types.SessionView`, so nothing here imports the session.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from nutrio.protocol.upsd import netget, netset, netuser
from nutrio.protocol.upsd.types import SessionView

__all__ = ["Needs", "Handler", "Command", "COMMANDS", "BEFORE_TLS"]


class Needs(enum.Enum):
    NOTHING = 0
    USER = 1  # netcmds.h FLAG_USER: USERNAME and PASSWORD given (checked later)


Handler = Callable[[SessionView, tuple[str, ...]], bytes]


@dataclass(frozen=True, slots=True)
class Command:
    handler: Handler
    needs: Needs = Needs.NOTHING


#: NUT 2.8.0's netcmds table. ATTACH/DETACH came after 2.8.0: UNKNOWN-COMMAND.
COMMANDS: Mapping[str, Command] = {
    "VER": Command(netuser.ver),
    "NETVER": Command(netuser.netver),
    "PROTVER": Command(netuser.netver),
    "HELP": Command(netuser.help_),
    "STARTTLS": Command(netuser.starttls),
    "GET": Command(netget.get),
    "LIST": Command(netget.list_),
    "USERNAME": Command(netuser.username),
    "PASSWORD": Command(netuser.password),
    "LOGIN": Command(netuser.login, Needs.USER),
    "LOGOUT": Command(netuser.logout),
    "PRIMARY": Command(netuser.primary, Needs.USER),
    "MASTER": Command(netuser.master, Needs.USER),
    "FSD": Command(netuser.fsd, Needs.USER),
    "SET": Command(netset.set_, Needs.USER),
    "INSTCMD": Command(netset.instcmd, Needs.USER),
}

#: With TlsSettings.require, only these work before STARTTLS.
BEFORE_TLS = frozenset({"VER", "NETVER", "PROTVER", "HELP", "STARTTLS", "LOGOUT"})
