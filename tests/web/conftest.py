"""A running web actor on 127.0.0.1 port 0, beside a real dummy-ups driver and our upsd."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trio

from nutrio.actors.drivers import run_driver
from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.actors.upsd.listener import run_listener
from nutrio.actors.web import run_web
from nutrio.actors.web.history import History
from nutrio.conf.model import DeviceConfig, WebConfig
from nutrio.protocol.common.state import UpsData, UpsSnapshot, freeze_vars
from nutrio.protocol.upsd.session import ServerSettings
from nutrio.protocol.upsd.users import UserAccount, hash_password
from nutrio.supervisor.cell import LatestCell

ACCOUNTS: Mapping[str, UserAccount] = {
    "admin": UserAccount(name="admin", password="secret", actions=frozenset({"SET", "FSD"}),
                         instcmds=("all",)),
    "hashed": UserAccount(name="hashed", password_hash=hash_password("s3cret", n=2**4),
                          actions=frozenset({"SET"})),
    "monuser": UserAccount(name="monuser", password="pass", upsmon="primary"),
    "helper": UserAccount(name="helper", password="help", instcmds=("test.battery.start",)),
}

DEV = """\
battery.charge: 87
battery.charge.low: 20
battery.runtime: 1500
input.voltage: 229.0
input.voltage.nominal: 230
output.voltage: 230.0
ups.load: 41
ups.status: OL CHRG
ups.delay.shutdown: 20
ups.id: rack-a
device.model: Test 1000
"""


class WallClock:
    """time.time(), unless a test pins it to put a history point in the past."""

    def __init__(self) -> None:
        self.pinned: float | None = None

    def __call__(self) -> float:
        return time.time() if self.pinned is None else self.pinned


@dataclass
class WebStack:
    url: str
    registry: Registry
    history: History
    wallclock: WallClock
    upsd_port: int
    tmp: Path
    #: what the web reads as each driver's last error (the tree's ErrorBook)
    errors: dict[str, str]
    #: cancel it to stop the driver (its handle then says: not connected)
    driver: trio.CancelScope
    accounts: LatestCell[Mapping[str, UserAccount]]  # as the tree's: a reload publishes here

    def client(self, **kw: object) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=10, **kw)  # type: ignore[arg-type]

    def add_point(self, ups: str, t: float, values: dict[str, float]) -> None:
        """A history point at time *t*, through the store's own recording path."""
        data = UpsData(vars=freeze_vars({k: str(v) for k, v in values.items()}))
        self.wallclock.pinned = t
        try:
            self.history.record(ups, UpsSnapshot(ups=ups, seq=1, taken_at=0.0, data=data))
        finally:
            self.wallclock.pinned = None


async def _watchdog(seconds: float) -> None:
    """A hung test fails after *seconds* instead of waiting for CI's limit."""
    await trio.sleep(seconds)
    raise TimeoutError(f"web test still running after {seconds} s")


async def start_stack(nursery: trio.Nursery, tmp: Path, *, template_dir: Path | None = None,
                      dev: str = DEV, maxage: float = 15.0) -> WebStack:
    nursery.start_soon(_watchdog, 30.0)
    (tmp / "test.dev").write_text(dev)
    registry = Registry()
    handle = registry.add(DeviceHandle("test", desc="Rack A"))
    device = DeviceConfig(name="test", driver="dummy-ups", port="test.dev", config_dir=tmp,
                          pollinterval=0.2)
    driver_scope = trio.CancelScope()

    async def driver(task_status: trio.TaskStatus[None]) -> None:
        with driver_scope:
            await run_driver(device, handle, task_status=task_status)

    await nursery.start(driver)
    accounts: LatestCell[Mapping[str, UserAccount]] = LatestCell(ACCOUNTS)
    upsd_port = await nursery.start(run_listener, ("127.0.0.1", 0), registry, ServerSettings(),
                                    accounts)
    wallclock = WallClock()
    history = History(wallclock=wallclock)  # not run: tests add the points they need
    config = WebConfig(listen=("127.0.0.1", 0), template_dir=template_dir)
    errors: dict[str, str] = {}
    port = await nursery.start(lambda task_status: run_web(
        config, registry, accounts, upsd=lambda: ("127.0.0.1", upsd_port), history=history,
        maxage=maxage, last_error=errors.get, task_status=task_status))
    return WebStack(f"http://127.0.0.1:{port}", registry, history, wallclock, upsd_port, tmp,
                    errors, driver_scope, accounts)


@pytest.fixture
async def stack(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[WebStack]:
    yield await start_stack(nursery, tmp_path)
