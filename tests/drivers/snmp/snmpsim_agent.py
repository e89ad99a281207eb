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
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nutrio.actors.drivers.snmp.driver import SnmpSession, SnmpSettings
from nutrio.protocol.devices.snmp import Raw, SnmpSet

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


@dataclass
class Agent:
    port: int
    root: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def get(self, community: str, oid: str) -> Raw | None:
        """Read one object, as a second manager would (v2c)."""
        return asyncio.run(_get(self.port, community, oid))

    def set(self, community: str, oid: str, value: int | str, kind: str = "int") -> None:
        """Change a writable object, e.g. to put the simulated UPS on battery."""
        error = asyncio.run(_set(self.port, community, SnmpSet(oid, value, kind)))
        assert error is None, error

    def start(self) -> None:
        cache = self.root / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir()
        log = (self.root / "snmpsim.log").open("wb")
        argv = [
            sys.executable, str(HERE / "run_snmpsim.py"),
            f"--data-dir={self.root / 'data'}", f"--cache-dir={cache}",
            f"--agent-udpv4-endpoint={self.address}",
        ]
        for user, (akey, aproto, pkey, pproto) in V3_USERS.items():
            argv += [f"--v3-user={user}", f"--v3-auth-key={akey}", f"--v3-auth-proto={aproto}",
                     f"--v3-priv-key={pkey}", f"--v3-priv-proto={pproto}"]
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_ready()

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError((self.root / "snmpsim.log").read_text()[-2000:])
            with contextlib.suppress(Exception):
                if self.get("ietf-ups", "1.3.6.1.2.1.1.2.0") is not None:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"snmpsim did not answer on {self.address}")


async def _get(port: int, community: str, oid: str) -> Raw | None:
    session = SnmpSession(SnmpSettings(host="127.0.0.1", port=port, version="v2c",
                                       community=community, timeout=1.0, retries=1))
    try:
        return (await session.get([oid]))[oid]
    finally:
        await session.close()


async def _set(port: int, community: str, snmp_set: SnmpSet) -> str | None:
    session = SnmpSession(SnmpSettings(host="127.0.0.1", port=port, version="v2c",
                                       community=community, timeout=1.0, retries=1))
    try:
        return await session.set(snmp_set)
    finally:
        await session.close()


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
        agent.stop()
