"""One nutdrv_qx session: a protocol's table at work on NUT's driver state.

How it works, as drivers/nutdrv_qx.c does it: :func:`process` sends an
item's query and reads the reply into the item (qx_process and
qx_process_answer: refused reply, short reply, wrong lead character, then
the value between the item's columns); :func:`infoval_set` turns the value
into a NUT variable, a status word or an alarm (ups_infoval_set);
:func:`set_var_info` publishes an item's flags, enum and ranges
(qx_set_var). The :class:`Session` holds what nutdrv_qx keeps in globals:
the status bits (ups_status), the status and alarm buffers of NUT's dstate,
the battery guesses, and a dict for each protocol's own globals.

Nothing here does I/O: a function that talks to the UPS is a generator
that yields the bytes to send and receives the reply (:data:`Exchange`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from nutrio.protocol.common.cnum import c_atoi, c_strtod
from nutrio.protocol.common.state import VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.megatec.qx_battery import Battery
from nutrio.protocol.devices.megatec.qx_item import Exchange, Item, Qx, Subdriver

__all__ = [
    "FALSE_WORDS",
    "STATUS_NAMES",
    "Session",
    "c_format",
    "cstr",
    "infoval_set",
    "is_numeric",
    "process",
    "process_answer",
    "rw_choices",
    "set_var_info",
]

#: nutdrv_qx's status bits (status_info), in the order ups_status_set writes them.
STATUS_NAMES = ("OL", "DISCHRG", "CHRG", "LB", "OVER", "RB", "TRIM", "BOOST", "BYPASS",
                "OFF", "CAL", "FSD")  # fmt: skip
#: ups.conf flag values that mean "off" (nutrio's options are all strings).
FALSE_WORDS = frozenset({"false", "no", "off", "0"})
#: qx_command reads into a buffer one byte short of SMALLBUF.
_READ_MAX = 511
_CONVERSION = re.compile(r"%[-+ #0]*\d*(?:\.\d+)?[hlLqjzt]*([diouxXeEfFgGcs%])")


def cstr(data: bytes) -> str:
    """The C string a buffer holds: up to its first NUL, one character per byte."""
    return data.split(b"\0", 1)[0].decode("latin-1")


def is_numeric(text: str, allowed: str = "0123456789 .") -> bool:
    """strspn(text, allowed) == strlen(text) (true for an empty text, as in C)."""
    return all(ch in allowed for ch in text)


def c_format(fmt: str, *args: object) -> str:
    """printf-style formatting as NUT's snprintf calls use it (an int conversion gets int())."""
    converted = []
    values = iter(args)
    for match in _CONVERSION.finditer(fmt):
        kind = match.group(1)
        if kind == "%":
            continue
        value = next(values)
        if kind in "diouxXc" and isinstance(value, float):
            value = int(value)
        elif kind in "eEfFgG" and isinstance(value, int):
            value = float(value)
        converted.append(value)
    return fmt % tuple(converted)


class Session:
    """A protocol in use on one device (see the module comment).

    ``options`` are the ups.conf settings of the device; ``flag_names`` the
    ones NUT declares as flags (getval gives nothing for those, testvar
    whether they are set). ``events`` collects what NUT would log, for the
    caller to log.
    """

    def __init__(
        self,
        sub: Subdriver,
        state: DeviceVars,
        options: Mapping[str, str],
        flag_names: frozenset[str] = frozenset(),
    ) -> None:
        self.sub = sub
        self.items = sub.table()
        self.state = state
        self.options = {key.lower(): value for key, value in options.items()}
        self.flag_names = flag_names
        self.ups_status: set[str] = set()
        self.status_buf: list[str] = []
        self.alarm_buf: list[str] = []
        self.alarm_active = False
        self.data_has_changed = False
        self.battery = Battery()
        self.pollfreq = 30
        self.lastpoll = 0.0
        self.retry = 0
        #: a protocol's own globals (voltronic's capabilities, masterguard's address, ...)
        self.globals: dict[str, Any] = {}
        self.events: list[tuple[str, dict[str, object]]] = []

    # -- ups.conf ---------------------------------------------------------------

    def getval(self, name: str) -> str | None:
        """NUT's getval: the value of a ups.conf setting (None for a flag or when absent)."""
        if name.lower() in self.flag_names:
            return None
        return self.options.get(name.lower())

    def testvar(self, name: str) -> bool:
        """NUT's testvar: whether ups.conf has this setting or flag."""
        value = self.options.get(name.lower())
        if value is None:
            return False
        return name.lower() not in self.flag_names or value.lower() not in FALSE_WORDS

    # -- what NUT logs --------------------------------------------------------------

    def note(self, event: str, **fields: object) -> None:
        self.events.append((event, fields))

    # -- the table ------------------------------------------------------------------

    def find(self, name: str, flag: Qx = Qx(0), noflag: Qx = Qx(0)) -> Item | None:
        """find_nut_info: the first item named so, with all of ``flag``, none of ``noflag``."""
        for entry in self.items:
            if entry.name.lower() != name.lower():
                continue
            if flag and (entry.flags & flag) != flag:
                continue
            if noflag and entry.flags & noflag:
                continue
            return entry
        return None

    def unskip(self, name: str, flag: Qx = Qx(0), noflag: Qx = Qx(0)) -> bool:
        """Clear SKIP on the item found as :meth:`find` finds it; False when there is none."""
        found = self.find(name, flag, noflag)
        if found is None:
            return False
        found.flags &= ~Qx.SKIP
        return True

    # -- status and alarms --------------------------------------------------------

    def update_status(self, value: str) -> None:
        """update_status: set a status bit, or clear it with a leading '!'."""
        clear = value.startswith("!")
        word = value[1:].upper() if clear else value.upper()
        if word not in STATUS_NAMES:
            return  # NUT: "not in list of known values"
        (self.ups_status.discard if clear else self.ups_status.add)(word)

    def status_set(self, word: str) -> None:
        """dstate's status_set: a word straight into the status buffer."""
        self.status_buf.append(word)

    def alarm_set(self, text: str) -> None:
        self.alarm_buf.append(text)

    def status_words(self) -> list[str]:
        """ups_status_set: the status bits as NUT words, after any status_set ones."""
        words = list(self.status_buf)
        words.append("OL" if "OL" in self.ups_status else "OB")
        words.extend(word for word in STATUS_NAMES[1:] if word in self.ups_status)
        return words

    def commit_status(self) -> None:
        """status_commit: ups.status, with ALARM first while an alarm is active."""
        text = " ".join(self.status_words())
        self.state.set("ups.status", f"ALARM {text}" if self.alarm_active else text)

    def commit_alarms(self) -> None:
        """ups_alarm_set + alarm_commit, at the end of a full update."""
        if "RB" in self.ups_status:
            self.alarm_set("Replace battery!")
        if "FSD" in self.ups_status:
            self.alarm_set("Shutdown imminent!")
        if self.alarm_buf:
            self.state.set("ups.alarm", " ".join(self.alarm_buf))
            self.alarm_active = True
        else:
            self.state.delete("ups.alarm")
            self.alarm_active = False

    # -- dstate flags, enums, ranges -------------------------------------------------

    def set_flags(self, name: str, rw: bool) -> None:
        """dstate_setflags: the variable's flags become exactly these."""
        if self.state.get(name) is not None:
            self.state.set_info(name, replace(self.state.info(name), rw=rw))

    def add_enum(self, name: str, value: str) -> None:
        info = self.state.info(name)
        if value not in info.enums:
            self.state.set_info(name, replace(info, enums=(*info.enums, value)))

    def add_range(self, name: str, low: int, high: int) -> None:
        """dstate_addrange (its NUMBER flag shows nowhere upsd serves: not kept)."""
        info = self.state.info(name)
        if low <= high and (low, high) not in info.ranges:
            self.state.set_info(name, replace(info, ranges=(*info.ranges, (low, high))))

    def info(self, name: str) -> VarInfo:
        return self.state.info(name)


# -- items at work --------------------------------------------------------------------


def process(s: Session, entry: Item, command: str | None = None) -> Exchange[bool]:
    """qx_process: send ``command`` (or the item's own), read the reply into the item."""
    text = command if command is not None else (entry.command or "")
    if entry.preprocess_command is not None:
        changed = entry.preprocess_command(s, entry, text)
        if changed is None:
            return False
        text = changed
    reply = yield text.encode("latin-1")
    entry.answer = b""
    if reply is None:
        return False
    entry.answer = reply[:_READ_MAX]
    length = len(entry.answer)
    if entry.preprocess_answer is not None:
        changed_reply = entry.preprocess_answer(s, entry, entry.answer)
        if changed_reply is None:
            entry.answer = b""  # not to be reused by the next item of the same query
            return False
        entry.answer, length = changed_reply, len(changed_reply)
    return process_answer(s, entry, length)


def process_answer(s: Session, entry: Item, length: int) -> bool:
    """qx_process_answer: check the reply, cut the item's value out of it."""
    answer = cstr(entry.answer)
    if s.sub.rejected is not None and answer.lower() == s.sub.rejected.lower():
        return False
    if entry.answer_len and length < entry.answer_len:
        return False
    if entry.leading and (answer[:1] or "\0") != entry.leading:
        return False
    if entry.end and entry.end < entry.start:
        return False
    if not answer:
        entry.value = ""
        return True
    size = 1 + entry.end - entry.start if entry.end else len(answer.split("\r", 1)[0]) - entry.start
    # "%.*s" with a negative precision prints the whole rest of the string
    entry.value = answer[entry.start :] if size < 0 else answer[entry.start : entry.start + size]
    return True


def infoval_set(s: Session, entry: Item) -> int:
    """ups_infoval_set: -1 on failure, 0 for a status or alarm, 1 for a variable."""
    if entry.preprocess is not None:
        value = entry.preprocess(s, entry, "")
        if value is None:
            return -1
        if entry.name.startswith("ups.status"):
            if value:
                s.update_status(value)
            return 0
        if entry.name.startswith("ups.alarm"):
            if value:
                s.alarm_set(value)
            return 0
    else:
        value = entry.value.strip("# ") if entry.flags & Qx.TRIM else entry.value
        if (entry.dfl or "").lower() != "%s":
            if not is_numeric(value):
                return -1  # "non numerical value"
            value = c_format(entry.dfl or "%s", c_strtod(value))
    if entry.flags & Qx.NONUT:
        s.note("driver.qx_value", name=entry.name, value=value)
        return 1
    if not value:
        return -1  # "non significant value"
    s.state.set(entry.name, value)
    if entry.name.lower() == "battery.charge":
        s.battery.charge_act = c_atoi(value)
    elif entry.name.lower() == "battery.runtime":
        s.battery.runtime_act = c_atoi(value)
    return 1


def rw_choices(s: Session, entry: Item) -> list[str]:
    """The item's info_rw values that apply to this device (each entry's check passes)."""
    kept = []
    for rw in entry.info_rw or []:
        if not rw.value:
            break
        if rw.check is not None and not rw.check(s, rw.value):
            continue
        kept.append(rw.value)
    return kept


def set_var_info(s: Session, entry: Item) -> None:
    """qx_set_var: publish the item's flags, enum values and ranges (NONUT ones are logged)."""
    nonut = bool(entry.flags & Qx.NONUT)
    if not nonut:
        s.set_flags(entry.name, entry.rw)
    choices = rw_choices(s, entry)
    if entry.flags & Qx.ENUM:
        if nonut:
            s.note("driver.qx_settable", name=entry.name, values=choices)
        else:
            for value in choices:
                s.add_enum(entry.name, value)
    if entry.flags & Qx.RANGE:
        pairs = list(zip(choices[0::2], choices[1::2], strict=False))
        if nonut:
            s.note("driver.qx_settable", name=entry.name, ranges=pairs)
            return
        for low, high in pairs:
            s.add_range(entry.name, c_atoi(low), c_atoi(high))
