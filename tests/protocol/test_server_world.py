"""A small pure world for session tests: devices, accounts, a recording submit."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from nutrio.protocol.common.state import CommandRequest, UpsData, UpsSnapshot, VarInfo, freeze_vars
from nutrio.protocol.upsd.replies import Descriptions
from nutrio.protocol.upsd.session import ServerContext, ServerSettings, Session
from nutrio.protocol.upsd.static_devices import StaticDevice, StaticDevices
from nutrio.protocol.upsd.users import FixedAccounts, UserAccount, hash_password

NOW = 1000.0


def edge_like_data() -> UpsData:
    values = {
        "battery.charge": "100",
        "driver.name": "dummy-ups",
        "input.transfer.high": "264",
        "ups.beeper.status": "enabled",
        "ups.delay.shutdown": "20",
        "ups.id": "A \\ B  C",
        "ups.status": "OL CHRG",
        "ups.vendorid": 'x"y z"w',
        "Init": "SSL without certificate database",
    }
    info = {
        "battery.charge": VarInfo(rw=True, number=True),
        "ups.id": VarInfo(rw=True, string_len=8),
        "ups.status": VarInfo(rw=True, string_len=32),
        "ups.beeper.status": VarInfo(rw=True, string_len=10, enums=("enabled", "disabled", "muted")),
        "input.transfer.high": VarInfo(rw=True, number=True, ranges=((250, 270), (280, 290))),
        "ups.delay.shutdown": VarInfo(rw=True, string_len=0),
    }
    return UpsData(vars=freeze_vars(values), info=MappingProxyType(info),
                   commands=("load.off", "test.battery.start"))


ADMIN_HASH = hash_password("secret", n=2**4)

ACCOUNTS = {
    "admin": UserAccount(name="admin", password_hash=ADMIN_HASH, actions=frozenset({"SET", "FSD"}),
                         instcmds=("all",)),
    "monuser": UserAccount(name="monuser", password="pass", upsmon="primary"),
    "observer": UserAccount(name="observer", password="obs", upsmon="secondary"),
    "helper": UserAccount(name="helper", password="help", instcmds=("test.battery.start",)),
}


@dataclass
class World:
    ctx: ServerContext
    devices: StaticDevices
    sent: list[CommandRequest]
    accept: bool = True

    def session(self, addr: str = "127.0.0.1", now: float = NOW) -> Session:
        return Session(self.ctx, addr, now=now)

    def publish(self, name: str, **changes: object) -> None:
        device = self.devices.devices[name]
        device.snapshot = device.snapshot.next(taken_at=changes.pop("taken_at", NOW), **changes)


def make_world(settings: ServerSettings | None = None, *, descriptions: Descriptions | None = None) -> World:
    data = edge_like_data()
    devices = StaticDevices(
        StaticDevice("edge", "test", UpsSnapshot(ups="edge", seq=1, taken_at=NOW, data=data)),
        StaticDevice("Other", "", UpsSnapshot(ups="Other", seq=1, taken_at=NOW, data=data)),
        StaticDevice("down", 'rack "B"', UpsSnapshot(ups="down", seq=0, taken_at=0.0,
                                                     data=data, connected=False)),
    )
    sent: list[CommandRequest] = []
    world: World

    def submit(request: CommandRequest) -> bool:
        if world.accept:
            sent.append(request)
        return world.accept

    ctx = ServerContext(
        settings=settings or ServerSettings(),
        devices=devices,
        accounts=FixedAccounts(ACCOUNTS),
        submit=submit,
        descriptions=descriptions or Descriptions(
            {"ups.status": "UPS status"}, {"load.off": "Turn off the load immediately"}
        ),
    )
    world = World(ctx, devices, sent)
    return world


def ask(session: Session, text: str, now: float = NOW) -> str:
    """Send *text* as one read; the replies as text."""
    return session.receive_data(text.encode("latin-1"), now).reply.decode("latin-1")
