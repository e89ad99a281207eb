"""A real SNMP agent for tests: snmpsim serving the recordings in this directory.

Each ``<name>.snmprec`` is served under the community ``<name>`` (v1/v2c).
The APC UPS recording is also the agent's default context, the one SNMPv3
requests without a context name read. Writable objects use snmpsim's
``writecache`` variation: a SET is kept and read back. That cache is keyed
by OID alone, across recordings (the MGE and IETF ones share RFC 1628
objects), so a test that writes puts the old values back afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from nutrio.actors.drivers.snmp.driver import SnmpSession, SnmpSettings
from nutrio.protocol.devices.snmp import Raw, SnmpSet
from tests.procs import Proc, start, wait_until

T = TypeVar("T")

HERE = Path(__file__).resolve().parent
RECORDINGS = sorted(HERE.glob("*.snmprec"))
#: SNMPv3 users the agent knows: name -> (auth key, auth protocol, priv key, priv protocol)
V3_USERS = {
    "shauser": ("authpass123", "SHA", "privpass123", "AES"),
    "md5user": ("authpass456", "MD5", "privpass456", "DES"),
}


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Manager:
    """A second SNMP manager, in a thread of its own with one asyncio loop and one
    session per community: pysnmp's first request on a new engine costs most of a
    second (it builds its MIB view), later ones a few milliseconds."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.loop = asyncio.new_event_loop()
        self.sessions: dict[str, SnmpSession] = {}
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro_of: Callable[[SnmpSession], Coroutine[Any, Any, T]], community: str,
            timeout: float = 10.0) -> T:
        async def call() -> T:
            if community not in self.sessions:
                self.sessions[community] = SnmpSession(SnmpSettings(
                    host="127.0.0.1", port=self.port, version="v2c", community=community,
                    timeout=1.0, retries=1))
            return await coro_of(self.sessions[community])

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(timeout)

    def close(self) -> None:
        async def close_all() -> None:
            for session in self.sessions.values():
                await session.close()

        asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class Agent:
    port: int
    root: Path
    proc: Proc | None = None
    manager: _Manager | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _manager(self) -> _Manager:
        if self.manager is None:
            self.manager = _Manager(self.port)
        return self.manager

    def get(self, community: str, oid: str) -> Raw | None:
        """Read one object, as a second manager would (v2c)."""
        async def get(session: SnmpSession) -> Raw | None:
            return (await session.get([oid]))[oid]

        return self._manager().run(get, community)

    def set(self, community: str, oid: str, value: int | str, kind: str = "int") -> None:
        """Change a writable object, e.g. to put the simulated UPS on battery."""
        error = self._manager().run(lambda session: session.set(SnmpSet(oid, value, kind)),
                                    community)
        assert error is None, error

    def start(self) -> None:
        cache = self.root / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir()
        argv = [
            sys.executable, str(HERE / "run_snmpsim.py"),
            f"--data-dir={self.root / 'data'}", f"--cache-dir={cache}",
            f"--agent-udpv4-endpoint={self.address}",
        ]
        for user, (akey, aproto, pkey, pproto) in V3_USERS.items():
            argv += [f"--v3-user={user}", f"--v3-auth-key={akey}", f"--v3-auth-proto={aproto}",
                     f"--v3-priv-key={pkey}", f"--v3-priv-proto={pproto}"]
        self.proc = start(argv, logdir=self.root, name="snmpsim")
        self._wait_ready()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
            self.proc = None

    def close(self) -> None:
        self.stop()
        if self.manager is not None:
            self.manager.close()
            self.manager = None

    def _wait_ready(self, timeout: float = 30.0) -> None:
        def answers() -> bool:
            assert self.proc is not None
            if not self.proc.alive():
                raise RuntimeError(self.proc.describe())
            with contextlib.suppress(Exception):
                return self.get("ietf-ups", "1.3.6.1.2.1.1.2.0") is not None
            return False

        if not wait_until(answers, timeout, every=0.05):
            raise TimeoutError(f"snmpsim did not answer on {self.address}")


@contextlib.contextmanager
def snmp_agent(root: Path, port: int | None = None) -> Iterator[Agent]:
    """Run snmpsim over copies of the recordings in ``root``; stop it afterwards."""
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    for recording in RECORDINGS:
        shutil.copyfile(recording, data / recording.name)
    shutil.copyfile(HERE / "apc-ups.snmprec", data / "self.snmprec")  # the default context
    agent = Agent(port=port or free_udp_port(), root=root)
    agent.start()
    try:
        yield agent
    finally:
        agent.close()
