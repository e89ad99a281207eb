"""The real usbhid-ups 2.8.0 and nutrio's, side by side on two copies of one simulated unit.

:func:`side_by_side` plugs one copy on bus 1 for the real driver (behind a real upsd)
and one on bus 2 for ``nutrio run`` (each told its bus), and yields both runs.
:func:`set_status` changes a unit's status fields to the bits behind some ups.status
words and sends its interrupt reports; :func:`exercise` sends every instant command
and a SET VAR for every writable variable the drivers list; :func:`set_reports` is what
a client wrote to its unit with SET_REPORT, byte for byte.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import trio

from tests.usblab.dumpsim import DumpSim, SearchConv, status_value, status_bits
from tests.usblab.hidups import SimUps
from tests.usblab.nutwire import Served, Session, served, session
from tests.usblab.runners import UsbDriverRun, nutrio_usb, real_usb_driver
from tests.usblab.server import UsbLab

__all__ = [
    "ASIDE", "UNDEFINED_IN_NUT", "Pair", "aside", "both_served", "exercise", "set_reports", "set_status",
    "side_by_side", "status", "wait_status",
]

#: what only tells the two programs (or the two buses) apart
ASIDE = frozenset({"driver.version", "driver.version.usb", "driver.parameter.bus"})


def aside(values: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k not in ASIDE}


@dataclass
class Pair:
    real: UsbDriverRun
    ours: UsbDriverRun
    real_ups: SimUps
    our_ups: SimUps


@asynccontextmanager
async def side_by_side(lab: UsbLab, make: Callable[[], SimUps], options: Mapping[str, str],
                       bus: int = 1) -> AsyncIterator[Pair]:
    """The real driver on a copy at bus ``bus``, nutrio on one at the next bus; each sees
    only its own bus (lab clients "usbhid-ups@<bus>" and "nutrio@<bus>")."""
    real_ups, our_ups = make(), make()
    lab.plug(real_ups, bus=bus)
    lab.plug(our_ups, bus=bus + 1)
    lab.show(f"usbhid-ups@{bus}", bus)
    lab.show(f"nutrio@{bus + 1}", bus + 1)
    async with real_usb_driver(lab, "usbhid-ups", {**options, "bus": f"{bus:03d}"},
                               client=f"usbhid-ups@{bus}") as real, \
            nutrio_usb(lab, "usbhid-ups", {**options, "bus": f"{bus + 1:03d}"},
                       client=f"nutrio@{bus + 1}") as ours:
        await real.wait_values()
        await ours.wait_values()
        yield Pair(real, ours, real_ups, our_ups)


def set_status(lab: UsbLab, sim: DumpSim, ups: SimUps, words: str) -> None:
    """Put the unit's status fields at the bits of ``words`` and send their reports."""
    wanted = status_bits(words)
    conv = SearchConv(sim.dump, {})
    values = {path: status_value(rows, wanted, conv, ups.places[path][0].size)
              for path, rows in sim.status_rows.items()}  # before taking the lab's lock
    touched: set[int] = set()
    with lab.lock:
        for path, value in values.items():
            touched |= ups.put(path, value)
        ups.send(touched)


async def status(run: UsbDriverRun) -> str:
    async with session(run.port) as s:
        answer = await s.ask(f"GET VAR {run.name} ups.status")
    return answer.split('"')[1] if answer.startswith("VAR") else answer


async def wait_status(run: UsbDriverRun, check: Callable[[str], bool],
                      timeout: float = 6.0) -> str:
    """The status once ``check`` accepts it, or the last one seen after ``timeout``."""
    last = ""
    with trio.move_on_after(timeout):
        while not check(last := await status(run)):
            await trio.sleep(0.05)
    return last


#: not compared: NUT 2.8.0 turns MGE's ups.date/ups.time into seconds with mktime on a
#: struct tm whose tm_isdst it never sets (this build writes one hour early; nutrio writes
#: the time asked for: tests/protocol/test_hid_subdrivers.py)
UNDEFINED_IN_NUT = frozenset({"ups.date", "ups.time"})


def _new_value(name: str, value: str, options: tuple[str, ...]) -> str:
    """A value to SET: another enumerated one, a number one up, or the same text."""
    enums = [v for v in options if v != value and not v.replace(" ", "").isdigit()]
    if "ENUM" in options and enums:
        return enums[-1]
    if value.count("/") == 2:
        return "2021/02/03"
    try:
        return str(int(float(value)) + 1)
    except ValueError:
        return value


async def _tracked(s: Session, request: str) -> str:
    """Send a request with TRACKING on and wait for the driver's result (NUT 2.8's
    GET TRACKING): the result of the command, not upsd's "queued"."""
    answer = await s.ask(request)
    if not answer.startswith("OK TRACKING "):
        return answer
    tracking = answer.split()[2]
    with trio.fail_after(15):
        while (result := await s.ask(f"GET TRACKING {tracking}")) == "PENDING":
            await trio.sleep(0.02)
    return result


async def exercise(run: UsbDriverRun, listed: Served) -> list[str]:
    """Every instant command, then a SET VAR for every writable variable, each waited for;
    the results."""
    answers = []
    async with session(run.port) as s:
        await s.login()
        assert await s.ask("SET TRACKING ON") == "OK"
        for cmd in listed.cmds:
            answers.append(f"{cmd}: {await _tracked(s, f'INSTCMD {run.name} {cmd}')}")
        for name, kind in sorted(listed.rw.items()):
            if name in UNDEFINED_IN_NUT:
                continue
            value = _new_value(name, listed.vars.get(name, ""), kind)
            request = f'SET VAR {run.name} {name} "{value}"'
            answers.append(f"{name}: {await _tracked(s, request)}")
    return answers


def set_reports(lab: UsbLab, client: str) -> list[tuple[int, bytes]]:
    """(wValue, bytes) of every SET_REPORT ``client`` sent, in order."""
    return [(c.setup.value, c.out) for c in lab.transfers(client=client)
            if c.setup is not None and (c.setup.request_type, c.setup.request) == (0x21, 0x09)]


async def both_served(pair: Pair) -> tuple[Served, Served]:
    return await served(pair.real.port), await served(pair.ours.port)
