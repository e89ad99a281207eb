"""dummy-ups' ``.dev``/``.seq`` files, read as NUT 2.8.0 dummy-ups reads them.

How it works: :func:`parse_items` turns the file's bytes (through NUT's own
tokenizer, :mod:`protocol.common.parseconf`) into a flat tuple of items: a variable
write (:class:`SetVar`), a status write (:class:`SetStatus`) or a pause
(:class:`Pause`, a ``TIMER`` line). A driver walks the items, stopping at each
pause; :func:`apply_item` writes one item into a :class:`DeviceVars`, the
model of NUT's driver-side state tree (dstate). Quirks of dummy-ups 2.8.0
reproduced here, each checked against the real binary:

* the name is the first word up to its first ``:``; the remaining words are
  joined with single blanks into a 128-byte buffer (first word cut to 127
  bytes, later words appended only up to 126 bytes: NUT's snprintfcat);
* a line with no value words reuses that buffer, i.e. repeats the value of
  the previous variable line; the buffer lives only until the next TIMER
  (each read starts with a fresh, in practice empty, buffer) and an empty
  value deletes the variable;
* names starting with ``driver.`` are skipped; names starting with
  ``ups.status`` (even ``ups.status.x``) set ``ups.status`` from the words
  directly (status_set per word, 254 bytes at most, no buffer involved);
* a first word starting with ``TIMER`` pauses for atoi(second word) seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.parseconf import iter_lines
from nutrio.protocol.common.state import UpsData, VarInfo, freeze_vars
from nutrio.protocol.devices.dummy import tables as dummy_tables

__all__ = [
    "SetVar",
    "SetStatus",
    "Pause",
    "Item",
    "parse_file",
    "parse_items",
    "DeviceVars",
    "apply_item",
    "commit_status",
    "dummy_setvar",
    "put_initial_vars",
    "copy_device_info",
    "read_device_file",
]

#: dummy-ups' value buffer (MAX_STRING_SIZE 128): snprintf keeps 127 bytes,
#: snprintfcat stops one byte earlier.
_VALUE_FIRST_MAX = 127
_VALUE_CAT_MAX = 126
#: status_set appends with snprintfcat into a 256-byte buffer.
_STATUS_MAX = 254
#: dstate_setinfo formats into ST_MAX_VALUE_LEN (256) bytes.
_DSTATE_MAX = 255


@dataclass(frozen=True, slots=True)
class SetVar:
    """Write ``value`` to ``name``; an empty value deletes the variable."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class SetStatus:
    """Replace ``ups.status`` (an empty string is served as is)."""

    value: str


@dataclass(frozen=True, slots=True)
class Pause:
    """A ``TIMER`` line: stop reading for ``seconds`` (may be 0 or negative)."""

    seconds: int


Item = SetVar | SetStatus | Pause


def _join_value(words: Iterable[str]) -> str:
    value = ""
    for i, word in enumerate(words):
        if i == 0:
            value = word[:_VALUE_FIRST_MAX]
        elif len(value) < _VALUE_CAT_MAX:
            value = (value + " " + word)[:_VALUE_CAT_MAX]
    return value


def status_join(words: Iterable[str]) -> str:
    """ups.status as status_set builds it: a blank before each word once non-empty."""
    status = ""
    for word in words:
        if len(status) >= _STATUS_MAX:
            break
        status = (status + " " + word if status else word)[:_STATUS_MAX]
    return status


def commit_status(state: DeviceVars, words: Iterable[str], alarms: Iterable[str]) -> None:
    """NUT 2.8.0's alarm_commit then status_commit: ups.alarm holds the alarms (a blank
    between two), or goes when there are none; ups.status starts with "ALARM " while it
    is set (with its blank even before no other word)."""
    alarm, status = " ".join(alarms), " ".join(words)
    if alarm:
        state.set("ups.alarm", alarm)
        status = f"ALARM {status}"
    else:
        state.delete("ups.alarm")
    state.set("ups.status", status)


def parse_items(data: bytes | Iterable[bytes]) -> tuple[Item, ...]:
    """The items of a whole ``.dev``/``.seq`` file (bytes, or chunks of it)."""
    return parse_file(data)[0]


def parse_file(data: bytes | Iterable[bytes]) -> tuple[tuple[Item, ...], tuple[str, ...]]:
    """The items of a whole file, and its parse errors ("line N: what"), which are skipped."""
    items: list[Item] = []
    errors: list[str] = []
    buffer = ""  # the C buffer is uninitialised at each read; observed empty
    for line in iter_lines(data):
        if line.error:
            errors.append(f"line {line.lineno}: {line.error}")
            continue  # dummy-ups logs parse errors and goes on
        if not line.words:
            continue
        first, values = line.words[0], line.words[1:]
        if first.startswith("TIMER"):
            items.append(Pause(c_atoi(values[0]) if values else 0))
            buffer = ""
            continue
        name = first.split(":", 1)[0]
        if name.startswith("driver."):
            continue
        if name.startswith("ups.status"):
            items.append(SetStatus(status_join(values)))
            continue
        if values:
            buffer = _join_value(values)
        if name:  # an empty name cannot reach upsd
            items.append(SetVar(name, buffer))
    return tuple(items), tuple(errors)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(text: str) -> str:
    """strcasecmp's view of a value: only A-Z fold."""
    return text.translate(_ASCII_LOWER)


class DeviceVars:
    """NUT's driver state (dstate): variables, their flags, instant commands.

    Names compare case-insensitively and keep the spelling they were first
    created with, as NUT's state tree does. ``version`` grows on every
    change, so a publisher freezes a new :class:`UpsData` only when needed.
    """

    def __init__(self) -> None:
        self._vars: dict[str, tuple[str, str]] = {}
        self._info: dict[str, VarInfo] = {}
        self._commands: dict[str, str] = {}
        self._version = 0
        self._frozen: tuple[int, UpsData] | None = None

    @property
    def version(self) -> int:
        return self._version

    def get(self, name: str) -> str | None:
        entry = self._vars.get(name.lower())
        return entry[1] if entry else None

    def names(self) -> tuple[str, ...]:
        return tuple(spelling for spelling, _ in self._vars.values())

    def set(self, name: str, value: str) -> None:
        """dstate_setinfo: create or update (values longer than 255 bytes are cut).

        As NUT's state_setinfo, a new value equal to the old one but for ASCII
        case is no change (snmp-ups' "Baytech" does not replace "BayTech").
        """
        key, value = name.lower(), value[:_DSTATE_MAX]
        old = self._vars.get(key)
        if old is not None and (old[1] == value or _ascii_lower(old[1]) == _ascii_lower(value)):
            return
        self._vars[key] = (old[0] if old else name, value)
        self._version += 1

    def delete(self, name: str) -> None:
        """dstate_delinfo: the variable and its flags go."""
        key = name.lower()
        if self._vars.pop(key, None) is not None:
            self._info.pop(key, None)
            self._version += 1

    def set_info(self, name: str, info: VarInfo) -> None:
        """dstate_setflags/setaux/addenum/addrange; ignored for a missing variable."""
        key = name.lower()
        if key in self._vars and self._info.get(key, VarInfo()) != info:
            self._info[key] = info
            self._version += 1

    def info(self, name: str) -> VarInfo:
        return self._info.get(name.lower(), VarInfo())

    def add_command(self, name: str) -> None:
        if name.lower() not in self._commands:
            self._commands[name.lower()] = name
            self._version += 1

    def freeze(self) -> UpsData:
        """The current state as an immutable :class:`UpsData` (cached per version)."""
        if self._frozen is None or self._frozen[0] != self._version:
            data = UpsData(
                vars=freeze_vars(dict(self._vars.values())),
                info=MappingProxyType(
                    {self._vars[k][0]: v for k, v in self._info.items() if v != VarInfo()}
                ),
                commands=tuple(sorted(self._commands.values(), key=str.lower)),
            )
            self._frozen = (self._version, data)
        return self._frozen[1]


def dummy_setvar(state: DeviceVars, name: str, value: str) -> None:
    """dummy-ups' setvar, used for file lines and for SET VAR from clients."""
    if name.startswith("ups.status"):
        # setvar hands the whole value to one status_set call
        state.set("ups.status", status_join([value]))
        return
    if not value:
        state.delete(name)
        return
    state.set(name, value)
    state.set_info(name, dummy_tables.known_info(name))


def apply_item(state: DeviceVars, item: SetVar | SetStatus) -> None:
    """Write one non-pause item as dummy-ups does."""
    match item:
        case SetStatus(value):
            state.set("ups.status", value)
        case SetVar(name, value):
            dummy_setvar(state, name, value)


def put_initial_vars(state: DeviceVars) -> None:
    """dummy-ups' defaults, written before the file: ups.mfr, ups.model, ups.status."""
    for name, value in dummy_tables.INITIAL_VARS:
        state.set(name, value)
        state.set_info(name, dummy_tables.known_info(name))


def copy_device_info(state: DeviceVars) -> None:
    """The driver core, once after initinfo: device.mfr/model/serial := ups.*."""
    for part in ("mfr", "model", "serial"):
        value = state.get(f"ups.{part}")
        if value is not None:
            state.set(f"device.{part}", value)


def read_device_file(
    data: bytes | Iterable[bytes], *, core: Mapping[str, str] | None = None
) -> DeviceVars:
    """What dummy-ups serves right after start-up: defaults, then the file up to
    its first TIMER, then the core's device.* copy. ``core`` holds variables
    the driver core sets before the driver reads (device.type, driver.*).
    """
    state = DeviceVars()
    for name, value in (core or {"device.type": "ups"}).items():
        state.set(name, value)
    put_initial_vars(state)
    for item in parse_items(data):
        if isinstance(item, Pause):
            break
        apply_item(state, item)
    copy_device_info(state)
    for name in dummy_tables.COMMANDS:
        state.add_command(name)
    return state
