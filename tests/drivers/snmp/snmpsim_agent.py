"""A real SNMP agent for tests: snmpsim serving recordings, one community per file.

Each ``<name>.snmprec`` is served under the community ``<name>`` (v1/v2c): the
hand-made recordings in this directory, the walks made from NUT's tables
(walks/, see make_walks.py) and the LibreNMS recordings in shared/data/snmp.
SNMPv3 requests (no context name) read the default context, ``DEFAULT_CONTEXT``.
Writable objects use snmpsim's ``writecache`` variation: a SET is kept and
read back. That cache is keyed by OID alone, across recordings, so a test
that writes puts the old values back afterwards.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import trio

from nutrio.actors.drivers.snmp.session import SnmpSession, SnmpSettings
from nutrio.protocol.devices.snmp.ber import Tag, VarBind
from tests.paths import DATA
from tests.procs import Proc, pick_port, start, wait_until

HERE = Path(__file__).resolve().parent
RECORDINGS = sorted(HERE.glob("*.snmprec"))
WALKS = sorted((HERE / "walks").glob("*.snmprec"))
LIBRENMS = sorted((DATA / "snmp").glob("*.snmprec"))
DEFAULT_CONTEXT = HERE / "apc-ups.snmprec"
#: SNMPv3 users the agent knows: name -> (auth key, auth protocol, priv key, priv protocol)
V3_USERS = {
    "shauser": ("authpass123", "SHA", "privpass123", "AES"),
    "md5user": ("authpass456", "MD5", "privpass456", "DES"),
}
_TAGS = {"int": Tag.INTEGER, "str": Tag.OCTET_STRING, "oid": Tag.OID, "timeticks": Tag.TIMETICKS}


def free_udp_port() -> int:
    return pick_port(kind=socket.SOCK_DGRAM)


def plain(binding: VarBind | None) -> int | str | None:
    """A binding's value as tests compare it: int, text, or an OID without a dot."""
    if binding is None or binding.value is None:
        return None
    if isinstance(binding.value, bytes):
        return binding.value.decode("latin-1")
    return binding.value


def _isolated(fn: Callable[..., Awaitable[object]], *args: object) -> object:
    """``trio.run(fn, *args)`` in a thread of its own: callers may be inside a Trio run."""
    out: list[object] = []
    failed: list[BaseException] = []

    def main() -> None:
        try:
            out.append(trio.run(fn, *args))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            failed.append(exc)

    thread = threading.Thread(target=main)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return out[0]


@dataclass
class Agent:
    port: int
    root: Path
    proc: Proc | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def get(self, community: str, oid: str) -> int | str | None:
        """Read one object, as a second manager would (v2c)."""
        return _isolated(self._get, community, oid)  # type: ignore[no-any-return]

    def set(self, community: str, oid: str, value: int | str, kind: str = "int") -> None:
        """Change a writable object, e.g. to put the simulated UPS on battery."""
        raw = value.encode() if isinstance(value, str) and kind == "str" else value
        error = _isolated(self._set, community, VarBind(oid, _TAGS[kind], raw))
        assert error is None, error

    def _session(self, community: str) -> SnmpSession:
        return SnmpSession(SnmpSettings(host="127.0.0.1", port=self.port, version="v2c",
                                        community=community, timeout=1.0, retries=1))

    async def _get(self, community: str, oid: str) -> int | str | None:
        session = self._session(community)
        await session.open()
        try:
            return plain((await session.get([oid]))[oid])
        finally:
            await session.close()

    async def _set(self, community: str, binding: VarBind) -> str | None:
        session = self._session(community)
        await session.open()
        try:
            return await session.set(binding)
        finally:
            await session.close()

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
        """Stop the agent (each get/set opens and closes its own session)."""
        self.stop()

    def _wait_ready(self, timeout: float = 60.0) -> None:
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
def snmp_agent(root: Path, port: int | None = None,
               extra: Iterable[Path] = ()) -> Iterator[Agent]:
    """Run snmpsim over copies of the recordings (and ``extra`` ones) in ``root``."""
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    for recording in [*RECORDINGS, *extra]:
        shutil.copyfile(recording, data / recording.name)
    shutil.copyfile(DEFAULT_CONTEXT, data / "self.snmprec")
    agent = Agent(port=port or free_udp_port(), root=root)
    agent.start()
    try:
        yield agent
    finally:
        agent.close()
