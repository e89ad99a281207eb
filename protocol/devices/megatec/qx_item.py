"""The building blocks of nutdrv_qx's protocol tables: items, their flags, subdrivers.

NUT 2.8.0's nutdrv_qx describes each protocol ("subdriver") as a table of
items: one item per NUT variable, status bit, instant command or setting,
naming the query that carries it, where in the reply its value sits and how
to turn that text into a NUT value. :mod:`qx_session` and :mod:`qx_walk` run
such a table the way drivers/nutdrv_qx.c does; each protocol family module
(``megatec_family``, ``voltronic``, ...) only supplies tables and the small
functions that NUT calls "preprocess".

Tables are built by functions, so every session gets fresh, mutable items:
the engine flips ``Qx.SKIP`` on items and a few protocols fill in ranges at
run time, as NUT does on its static tables.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from nutrio.protocol.devices.megatec.qx_errors import QxConfigError, QxFatal

__all__ = [
    "Claim",
    "Exchange",
    "Hook",
    "QxConfigError",
    "QxFatal",
    "Item",
    "Preprocess",
    "AnswerPreprocess",
    "Qx",
    "RwValue",
    "Subdriver",
    "item",
    "rw_values",
]

T = TypeVar("T")

#: A conversation with the UPS: yields the bytes to send, receives the raw reply
#: (b"" when nothing came in time, None on an I/O error) and returns its result.
Exchange = Generator[bytes, "bytes | None", T]


class Qx(enum.IntFlag):
    """nutdrv_qx's own item flags (nutdrv_qx.h QX_FLAG_*)."""

    STATIC = 2  # read once, at start-up
    SEMI_STATIC = 4  # read again after a command or a setting changed something
    ABSENT = 8  # not in the device: a server-side variable with a default
    QUICK_POLL = 16  # read on every poll; a failure fails the poll
    CMD = 32  # an instant command
    SETVAR = 64  # how to set the variable of that name
    TRIM = 128  # trim blanks and '#' around the value
    ENUM = 256  # info_rw holds the allowed values
    RANGE = 512  # info_rw holds min/max pairs
    NONUT = 1024  # no NUT variable: logged only (or a ups.conf-only setting)
    SKIP = 2048  # not processed


# The first argument of these is the qx_session.Session at work; typed Any here, so that
# this module (which that one imports) needs nothing from it.
#: (session, item, value in) -> value out, or None when NUT's preprocess fails (-1).
Preprocess = Callable[[Any, "Item", str], "str | None"]
#: (session, item, raw reply) -> the reply to use instead, or None on failure.
AnswerPreprocess = Callable[[Any, "Item", bytes], "bytes | None"]
#: (session, value) -> whether a range/enum entry applies to this device.
RwCheck = Callable[[Any, str], bool]


@dataclass(slots=True)
class RwValue:
    """One entry of an item's info_rw list (an enum value or a range bound)."""

    value: str
    check: RwCheck | None = None


def rw_values(*values: str, check: RwCheck | None = None) -> list[RwValue]:
    """A fresh info_rw list; ``check`` (if any) applies to every entry."""
    return [RwValue(value, check) for value in values]


@dataclass(slots=True)
class Item:
    """One line of a qx2nut table (nutdrv_qx.h item_t); see the module comment.

    ``start``/``end`` are the reply columns of the value (``end`` 0: up to the
    CR); ``leading`` the reply's expected first character ("" for none);
    ``dfl`` the printf format of the value, or a default for ABSENT/CMD items;
    ``rw`` NUT's ST_FLAG_RW. ``answer``/``value`` are filled while processing.
    """

    name: str
    command: str | None
    answer_len: int = 0
    leading: str = ""
    start: int = 0
    end: int = 0
    dfl: str | None = None
    flags: Qx = Qx(0)
    preprocess: Preprocess | None = None
    rw: bool = False
    info_rw: list[RwValue] | None = None
    preprocess_answer: AnswerPreprocess | None = None
    preprocess_command: Preprocess | None = None
    answer: bytes = b""
    value: str = ""


def item(
    name: str,
    command: str | None,
    answer_len: int,
    leading: str,
    span: tuple[int, int],
    dfl: str | None,
    flags: Qx = Qx(0),
    preprocess: Preprocess | None = None,
    **more: object,
) -> Item:
    """A table line in NUT's order: name, command, length, lead, from/to, format, flags."""
    return Item(
        name, command, answer_len, leading, span[0], span[1], dfl, flags, preprocess,
        **more,  # type: ignore[arg-type]
    )


Claim = Callable[[Any], Exchange[bool]]
Hook = Callable[[Any], None]


@dataclass(frozen=True, slots=True)
class Subdriver:
    """One protocol of nutdrv_qx (subdriver_t).

    ``version`` is served as driver.version.data; its first word is the name
    ``protocol =`` selects. ``accepted`` is the reply value that confirms a
    command; ``rejected`` a whole reply that refuses a query. ``flags`` and
    ``values`` are the ups.conf options the protocol adds (makevartable).
    """

    version: str
    claim: Claim
    table: Callable[[], list[Item]]
    initups: Hook | None = None
    #: run at the end of start-up (upsdrv_initinfo), after the delays are set
    initinfo: Hook | None = None
    accepted: str | None = None
    rejected: str | None = None
    flags: frozenset[str] = frozenset()
    values: frozenset[str] = frozenset()
    #: no NUT 2.8.0 binary to compare with (a later release's protocol)
    later: bool = False

    @property
    def protocol(self) -> str:
        return self.version.split(" ", 1)[0]
