"""Every table and key of nutrio.toml, declared once.

The builders take the keys they accept from here (``allowed``), the
configuration reference is rendered from here (conf.reference) and the tests
hold the example file and the loader to it, so a key cannot be added without
being documented. Defaults are read from the dataclasses in conf.model (and
protocol.notify.channels for the notify channels), so they cannot drift.

The tables are declared by group: conf/schema/server.py (upsd.conf, ups.conf,
upsd.users), upsmon.py (upsmon.conf, upssched.conf), extras.py (web, log,
chaos), in the words of conf/schema/base.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nutrio.conf.schema.base import DERIVED, REQUIRED, Key, Section
from nutrio.conf.schema.extras import EXTRA_SECTIONS
from nutrio.conf.schema.server import SERVER_SECTIONS
from nutrio.conf.schema.upsmon import UPSMON_SECTIONS

__all__ = [
    "DERIVED",
    "REQUIRED",
    "SECTIONS",
    "Key",
    "Section",
    "allowed",
    "section",
]

#: Every table, in the order the reference shows them.
SECTIONS: tuple[Section, ...] = SERVER_SECTIONS + UPSMON_SECTIONS + EXTRA_SECTIONS

_BY_PATH: Mapping[str, Section] = MappingProxyType({s.path: s for s in SECTIONS})


def section(path: str) -> Section:
    """The section at ``path`` ("server.tls", "devices.<name>", ...)."""
    return _BY_PATH[path]


def _children(path: str) -> tuple[str, ...]:
    """Names of the tables directly under ``path`` ("" is the file itself)."""
    prefix = f"{path}." if path else ""
    names: list[str] = []
    for other in SECTIONS:
        if other.path.startswith(prefix):
            name = other.path[len(prefix) :].split(".")[0]
            if not name.startswith("<") and name not in names:
                names.append(name)
    return tuple(names)


def allowed(path: str) -> tuple[str, ...]:
    """The keys a builder accepts in the table at ``path``: its keys and sub-tables.

    ``""`` is the top level of the file. Raises KeyError for a path not declared.
    """
    own = () if path == "" else tuple(k.name for k in section(path).keys if not k.pattern)
    return own + _children(path)
