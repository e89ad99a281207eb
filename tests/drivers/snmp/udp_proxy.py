"""A UDP proxy in front of snmpsim: it records SETs and plays faulty agents.

Every v1/v2c request is forwarded to the agent and its reply sent back; the
proxy notes each SET's bindings (community, OID, tag, value) in ``sets``, so a
test compares what two managers wrote. Per community it can misbehave:
``"drop"`` (never answers), ``"slow"`` (answers after ``slow`` seconds) or
``"garbage"`` (answers with bytes that are not SNMP). ``ProxyThread`` runs it
beside synchronous tests.
"""

from __future__ import annotations

import random
import socket as stdsocket
import threading
from dataclasses import dataclass, field

import trio

from nutrio.protocol.devices.snmp.ber import BerError, PduType, decode_community


@dataclass
class Proxy:
    upstream: tuple[str, int]
    faults: dict[str, str] = field(default_factory=dict)
    slow: float = 5.0
    sets: list[tuple[str, str, int, object]] = field(default_factory=list)
    port: int = 0

    async def run(self, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
        listen = trio.socket.socket(stdsocket.AF_INET, stdsocket.SOCK_DGRAM)
        await listen.bind(("127.0.0.1", 0))
        self.port = listen.getsockname()[1]
        links: dict[tuple[str, int], trio.socket.SocketType] = {}
        async with trio.open_nursery() as nursery:
            task_status.started(self.port)
            while True:
                data, client = await listen.recvfrom(65535)
                community = self._note(data)
                fault = self.faults.get(community or "")
                if fault == "drop":
                    continue
                if fault == "garbage":
                    await listen.sendto(random.randbytes(40), client)
                    continue
                link = links.get(client)
                if link is None:
                    link = trio.socket.socket(stdsocket.AF_INET, stdsocket.SOCK_DGRAM)
                    await link.connect(self.upstream)
                    links[client] = link
                    nursery.start_soon(self._back, link, listen, client, nursery)
                await link.send(data)

    def _note(self, data: bytes) -> str | None:
        try:
            message = decode_community(data)
        except BerError:
            return None  # v3: forwarded as it is
        community = message.community.decode("latin-1")
        if message.pdu.kind == PduType.SET:
            for vb in message.pdu.varbinds:
                self.sets.append((community, vb.oid, vb.tag, vb.value))
        return community

    async def _back(self, link: trio.socket.SocketType, listen: trio.socket.SocketType,
                    client: tuple[str, int], nursery: trio.Nursery) -> None:
        while True:
            reply = await link.recv(65535)
            try:
                community = decode_community(reply).community.decode("latin-1")
            except BerError:
                community = ""
            if self.faults.get(community) == "slow":
                nursery.start_soon(self._later, listen, reply, client)
            else:
                await listen.sendto(reply, client)

    async def _later(self, listen: trio.socket.SocketType, reply: bytes,
                     client: tuple[str, int]) -> None:
        await trio.sleep(self.slow)
        await listen.sendto(reply, client)


class ProxyThread:
    """A :class:`Proxy` on its own Trio loop in a daemon thread."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self._ready = threading.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._scope: trio.CancelScope | None = None
        self._thread = threading.Thread(target=trio.run, args=(self._main,), daemon=True)

    async def _main(self) -> None:
        with trio.CancelScope() as scope:
            self._scope = scope
            self._token = trio.lowlevel.current_trio_token()
            async with trio.open_nursery() as nursery:
                await nursery.start(self.proxy.run)
                self._ready.set()

    def __enter__(self) -> Proxy:
        self._thread.start()
        assert self._ready.wait(10), "the proxy did not start"
        return self.proxy

    def __exit__(self, *exc: object) -> None:
        assert self._scope is not None and self._token is not None
        trio.from_thread.run_sync(self._scope.cancel, trio_token=self._token)
        self._thread.join(10)
