"""THE comparison: every dump served by real dummy-ups + upsd 2.8.0 and by nutrio's driver.

All files run in one real upsd (one real dummy-ups per file, UPS names d0,
d1, ...); its replies are read once over a raw socket and each file is then
compared with what nutrio's driver actor publishes for the same bytes.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trio
from driver_helpers import device, start, type_reply

from nutrio.protocol.common.parseconf import split_line
from tests.paths import DATA
from tests.procs import wait_until
from tests.realnut import real_nut, requires_real_nut

pytestmark = [requires_real_nut, pytest.mark.e2e]

FILES = [
    *sorted((DATA / "ddl").glob("*.dev")),
    DATA / "seq" / "epdu-managed.dev",
    DATA / "seq" / "evolution500.seq",  # first TIMER after 300 s
    DATA / "seq" / "dummy-ups-man-example.seq",  # first TIMER after 60 s
    DATA / "edge" / "edge-cases.dev",
]
#: nutrio serves its own versions here
MASKED = {"driver.version", "driver.version.internal"}


@dataclass
class Served:
    names: list[str]
    values: dict[str, str]
    rw: set[str]
    types: dict[str, str]
    commands: list[str]


class _Conn:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.file = self.sock.makefile("rb")

    def ask(self, requests: list[str], lists: bool) -> list[list[tuple[str, ...]]]:
        """Send all requests at once while reading each reply (a LIST up to its END).

        The sending runs in a thread: a long batch outgrows the socket buffers
        while its replies wait to be read."""
        sender = threading.Thread(
            target=self.sock.sendall, args=("".join(r + "\n" for r in requests).encode(),))
        sender.start()
        try:
            return self._replies(len(requests), lists)
        finally:
            sender.join()

    def _replies(self, count: int, lists: bool) -> list[list[tuple[str, ...]]]:
        replies = []
        for _ in range(count):
            lines = []
            while True:
                words = split_line(self.file.readline())
                lines.append(words)
                if not lists or words[:1] in (("END",), ("ERR",)):
                    break
            replies.append(lines)
        return replies


def _read_lists(conn: _Conn, ups: list[str]) -> dict[str, list[list[tuple[str, ...]]]]:
    requests = [f"LIST {kind} {u}" for u in ups for kind in ("VAR", "RW", "CMD")]
    replies = conn.ask(requests, lists=True)
    return {u: replies[3 * i : 3 * i + 3] for i, u in enumerate(ups)}


def _stable_lists(conn: _Conn, ups: list[str]) -> dict[str, list[list[tuple[str, ...]]]]:
    """Wait until every UPS answers and two readings agree (upsd fills in gradually)."""
    deadline = time.monotonic() + 30
    last = None
    while time.monotonic() < deadline:
        now = _read_lists(conn, ups)
        answered = all(r[0][0][:1] != ("ERR",) for r in now.values())
        if answered and now == last:
            return now
        last = now
        time.sleep(0.5)
    raise TimeoutError("real upsd did not settle")


@pytest.fixture(scope="module")
def real_served() -> Iterator[dict[Path, Served]]:
    names = {f"d{i}": path for i, path in enumerate(FILES)}
    with real_nut(names) as nut:
        conn = _Conn(nut.port)
        lists = _stable_lists(conn, list(names))
        served: dict[Path, Served] = {}
        for ups, (var, rw, cmd) in lists.items():
            values = {w[2]: w[3] for w in var if w[0] == "VAR"}
            served[names[ups]] = Served(
                names=list(values), values=values,
                rw={w[2] for w in rw if w[0] == "RW"},
                types={}, commands=[w[2] for w in cmd if w[0] == "CMD"],
            )
        asked = [(ups, n) for ups, path in names.items() for n in served[path].names]
        replies = conn.ask([f"GET TYPE {ups} {n}" for ups, n in asked], lists=False)
        for (ups, _), reply in zip(asked, replies, strict=True):
            served[names[ups]].types[reply[0][2]] = " ".join(reply[0][3:])
        yield served


async def _ours(path: Path) -> Served:
    dev = device(path.parent, path.name)
    async with trio.open_nursery() as nursery:
        handle = await start(nursery, dev)
        nursery.cancel_scope.cancel()
    data = handle.snapshot.data  # the state published once the file was read
    return Served(
        names=list(data.vars), values=dict(data.vars),
        rw={n for n in data.vars if data.var_info(n).rw},
        types={n: type_reply(data.var_info(n)) for n in data.vars},
        commands=list(data.commands),
    )


def _masked(values: dict[str, str]) -> dict[str, str]:
    masked = {k: ("<v>" if k in MASKED else v) for k, v in values.items()}
    # real dummy-ups in "auto" turns synchronous on (and says "yes") once a
    # big dump fills its socket to upsd; nutrio has no such socket
    if masked.get("driver.parameter.synchronous") == "yes":
        masked["driver.parameter.synchronous"] = "auto"
    return masked


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
async def test_nutrio_serves_the_file_as_real_dummy_ups(
    path: Path, real_served: dict[Path, Served]
) -> None:
    real, ours = real_served[path], await _ours(path)
    assert ours.names == real.names  # same variables, same listing order
    assert _masked(ours.values) == _masked(real.values)
    assert ours.rw == real.rw
    assert ours.types == real.types
    assert ours.commands == real.commands == ["load.off"]


def test_the_comparison_covers_every_dump(real_served: dict[Path, Served]) -> None:
    assert len(real_served) == len(FILES) > 115
    assert all("ups.status" in s.values for s in real_served.values())


REQUESTS = [
    ("SET", "ups.status", "OB  LB"),
    ("SET", "ups.mfr", ""),
    ("SET", "battery.charge", "12"),
    ("INSTCMD", "load.off", None),
]


def _real_after_requests(path: Path) -> tuple[list[str], dict[str, str]]:
    with real_nut({"d0": path}) as nut:
        conn = _Conn(nut.port)
        _stable_lists(conn, ["d0"])
        login = ["USERNAME admin", "PASSWORD secret", "SET TRACKING ON"]
        asks = [
            f'SET VAR d0 {name} "{value}"' if kind == "SET" else f"INSTCMD d0 {name}"
            for kind, name, value in REQUESTS
        ]
        replies = conn.ask(login + asks, lists=False)[len(login):]
        ids = [r[0][2] for r in replies]  # OK TRACKING <id>
        codes: list[str] = []

        def answered() -> bool:  # the real driver answers on its next loop turn
            codes[:] = [" ".join(r[0]) for r in conn.ask([f"GET TRACKING {i}" for i in ids],
                                                         lists=False)]
            return "PENDING" not in codes

        wait_until(answered, 15, every=0.05)
        var = conn.ask(["LIST VAR d0"], lists=True)[0]
        return codes, {w[2]: w[3] for w in var if w[0] == "VAR"}


async def test_set_var_and_instcmd_end_as_with_real_dummy_ups(tmp_path: Path) -> None:
    from nutrio.protocol.common.state import CommandRequest

    path = tmp_path / "small.dev"
    path.write_text("ups.status: OL\nups.mfr: ACME\nbattery.charge: 100\n")
    real_codes, real_vars = _real_after_requests(path)
    # upsd reports a driver's result as SUCCESS or "ERR <code>"
    assert real_codes == ["SUCCESS", "SUCCESS", "SUCCESS", "ERR UNKNOWN"]
    async with trio.open_nursery() as nursery:
        handle = await start(nursery, device(tmp_path, "small.dev", name="d0"))
        codes = []
        for kind, name, value in REQUESTS:
            await handle.requests_in.send(CommandRequest(kind=kind, ups="d0", name=name, value=value))
            codes.append((await handle.results_out.receive()).code)
        nursery.cancel_scope.cancel()
    assert codes == ["SUCCESS", "SUCCESS", "SUCCESS", "UNKNOWN"]
    assert _masked(dict(handle.snapshot.data.vars)) == _masked(real_vars)
