"""Helpers for listener tests: devices filled by hand or copied from a real upsd."""

from __future__ import annotations

import dataclasses
import select
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pytest
import trio

from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upsd.listener import run_listener
from nutrio.actors.upsd.state import UpsdState
from nutrio.protocol.common.parseconf import split_line
from nutrio.protocol.common.state import CommandResult, UpsData, UpsSnapshot, VarInfo, freeze_vars
from nutrio.protocol.upsd.replies import Descriptions
from nutrio.protocol.upsd.session import ServerSettings
from nutrio.protocol.upsd.users import FixedAccounts, UserAccount

CMDVARTAB = Descriptions.parse(
    b'VARDESC ups.status "UPS status"\nVARDESC ups.load "Load on UPS (percent of full)"\n'
    b'CMDDESC load.off "Turn off the load immediately"\n'
)

# The same accounts as tests/realnut.py DEFAULT_USERS.
ACCOUNTS: Mapping[str, UserAccount] = {
    "admin": UserAccount(name="admin", password="secret", actions=frozenset({"SET", "FSD"}),
                         instcmds=("all",)),
    "monuser": UserAccount(name="monuser", password="pass", upsmon="primary"),
    "helper": UserAccount(name="helper", password="help", instcmds=("test.battery.start",)),
}


def small_data() -> UpsData:
    values = {"battery.charge": "100", "driver.name": "dummy-ups", "ups.id": "A \\ B  C",
              "ups.status": "OL CHRG", "ups.load": "23"}
    info = {"ups.id": VarInfo(rw=True, string_len=32), "battery.charge": VarInfo(rw=True, number=True)}
    return UpsData(vars=freeze_vars(values), info=MappingProxyType(info), commands=("load.off",))


@dataclass
class FakeDriver:
    """Publishes a snapshot every second and answers requests as dummy-ups does:
    SET changes the value, INSTCMD is "unknown" (dummy-ups handles none)."""

    handle: DeviceHandle
    data: UpsData

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            self.publish()
            nursery.start_soon(self._heartbeat)
            nursery.start_soon(self._serve)
            task_status.started()

    def publish(self) -> None:
        snap = self.handle.snapshot
        self.handle.publish(UpsSnapshot(ups=self.handle.name, seq=snap.seq + 1,
                                        taken_at=trio.current_time(), data=self.data))

    async def _heartbeat(self) -> None:
        while True:
            await trio.sleep(1)
            self.publish()

    async def _serve(self) -> None:
        async for request in self.handle.requests_out:
            code = "UNKNOWN"
            if request.kind == "SET" and request.value is not None:
                values = dict(self.data.vars)
                values[request.name] = request.value
                self.data = UpsData(vars=freeze_vars(values), info=self.data.info,
                                    commands=self.data.commands)
                self.publish()
                code = "SUCCESS"
            await self.handle.results_in.send(CommandResult(tracking=request.tracking, code=code))


async def start_device(nursery: trio.Nursery, registry: Registry, name: str, data: UpsData,
                       desc: str = "test") -> FakeDriver:
    driver = FakeDriver(registry.add(DeviceHandle(name=name, desc=desc)), data)
    await nursery.start(driver.run)
    return driver


#: The listener's transports on this platform: every listener test runs on each.
TRANSPORTS = ("stream", "epoll") if hasattr(select, "epoll") else ("stream",)


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    """Each transport in turn (a module elsewhere imports this fixture to get both)."""
    return str(request.param)


async def start_listener(nursery: trio.Nursery, registry: Registry,
                         settings: ServerSettings | None = None, host: str = "127.0.0.1",
                         accounts: Mapping[str, UserAccount] = ACCOUNTS,
                         descriptions: Descriptions | None = CMDVARTAB, *,
                         transport: str | None = None, state: UpsdState | None = None) -> int:
    """Start run_listener; descriptions=None loads the installed cmdvartab.

    *transport* overrides the settings' one; *state*: the upsd this listener is
    part of (None: a upsd of its own).
    """
    settings = settings or ServerSettings()
    if transport is not None:
        settings = dataclasses.replace(settings, transport=transport)
    port: int = await nursery.start(
        lambda task_status: run_listener((host, 0), registry, settings, FixedAccounts(accounts),
                                         state=state, descriptions=descriptions,
                                         task_status=task_status))
    return port


@pytest.fixture
async def edge_server(nursery, transport):
    """Our listener serving UPS 'edge' (small_data) on 127.0.0.1, on each transport;
    yields the port."""
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    return await start_listener(nursery, registry, transport=transport)


# -- a blocking client for talking to the real upsd -----------------------------------


class LineClient:
    """Blocking line client (for the real upsd, outside the Trio loop)."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.sock = socket.create_connection((host, port), timeout=5)
        self.file = self.sock.makefile("rb")

    def ask(self, text: str) -> list[str]:
        """Send one request line; read its full reply (a listing up to END LIST)."""
        self.sock.sendall(text.encode() + b"\n")
        first = self.file.readline().decode()
        lines = [first.rstrip("\n")]
        if first.startswith("BEGIN LIST"):
            while not lines[-1].startswith("END LIST"):
                lines.append(self.file.readline().decode().rstrip("\n"))
        return lines

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def fetch_ups_data(port: int, ups: str) -> UpsData:
    """Copy what a real upsd serves for *ups* (values, RW, types, enums, ranges, commands)."""
    client = LineClient(port)
    try:
        values = {w[2]: w[3] for w in map(split_line, client.ask(f"LIST VAR {ups}")[1:-1])}
        rw = {split_line(x)[2] for x in client.ask(f"LIST RW {ups}")[1:-1]}
        commands = tuple(split_line(x)[2] for x in client.ask(f"LIST CMD {ups}")[1:-1])
        info = {name: _var_info(client, ups, name, name in rw) for name in values}
    finally:
        client.close()
    return UpsData(vars=freeze_vars(values), info=MappingProxyType(info), commands=commands)


def _var_info(client: LineClient, ups: str, name: str, rw: bool) -> VarInfo:
    words = split_line(client.ask(f"GET TYPE {ups} {name}")[0])[3:]
    string_len = next((int(w.split(":")[1]) for w in words if w.startswith("STRING:")), None)
    enums: tuple[str, ...] = ()
    ranges: tuple[tuple[int, int], ...] = ()
    if "ENUM" in words:
        enums = tuple(split_line(x)[3] for x in client.ask(f"LIST ENUM {ups} {name}")[1:-1])
    if "RANGE" in words:
        ranges = tuple((int(split_line(x)[3]), int(split_line(x)[4]))
                       for x in client.ask(f"LIST RANGE {ups} {name}")[1:-1])
    return VarInfo(rw=rw, string_len=string_len, number="NUMBER" in words, enums=enums, ranges=ranges)


# -- async client for our listener -------------------------------------------------------


class TrioClient:
    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.buffer = b""

    @classmethod
    async def connect(cls, port: int, host: str = "127.0.0.1") -> TrioClient:
        return cls(await trio.open_tcp_stream(host, port))

    async def send(self, data: bytes) -> None:
        await self.stream.send_all(data)

    async def readline(self) -> bytes:
        while b"\n" not in self.buffer:
            chunk = await self.stream.receive_some(65536)
            if not chunk:
                raise EOFError(self.buffer)
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"

    async def ask(self, text: str) -> str:
        await self.send(text.encode() + b"\n")
        first = await self.readline()
        lines = [first]
        if first.startswith(b"BEGIN LIST"):
            while not lines[-1].startswith(b"END LIST"):
                lines.append(await self.readline())
        return b"".join(lines).decode()

    async def at_eof(self) -> bool:
        try:
            return await self.stream.receive_some(1) == b""
        except trio.BrokenResourceError:
            return True

    async def aclose(self) -> None:
        await self.stream.aclose()
