"""One monitor actor per ``[[monitor.ups]]``: upsmon's polling, over the network.

Each actor logs in like upsmon (USERNAME, PASSWORD, LOGIN, and PRIMARY for a
primary), polls ``GET VAR <ups> ups.status`` every POLLFREQ seconds, or every
POLLFREQALERT while its UPS is on battery, OFF, on bypass or calibrating, and
reports each result to the coordinator (actors.upsmon.coordinator) as a message.

When the UPS is served by this very process (its registry has the UPS and
the host is a loopback address) the actor also watches the driver's state
cell: a changed ``ups.status`` triggers an immediate poll. The poll through
upsd stays the one source of truth (it carries FSD, which upsd adds), so the
push path only removes the wait, never changes what is decided.

The coordinator sends commands back: set FSD, count logins (HOSTSYNC), and
retire (log out for good once the shutdown is under way, which is how a
secondary tells its primary it is done, as upsmon does by exiting).

With ``[monitor.tls]`` each new connection asks for STARTTLS before logging
in, as upsclient does: a refusal falls back to plain text unless force (or
verify) is set for that host; a failed handshake always ends the attempt,
and the next poll tries again.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass

import structlog
import trio

from nutrio import conf
from nutrio.actors.nutclient import NutClient, NutClientError
from nutrio.actors.registry import DeviceHandle, Registry
from nutrio.conf.model import MonitorTls
from nutrio.protocol.common.logtext import clip
from nutrio.protocol.upsmon.state import ALERT_FLAGS

__all__ = [
    "CountLogins",
    "FsdResult",
    "LoginsCounted",
    "MonitorCommand",
    "MonitorEvent",
    "PollFailed",
    "PollTiming",
    "Retire",
    "SetFsd",
    "StatusRead",
    "client_context",
    "local_handle",
    "run_ups_monitor",
]

log = structlog.get_logger()


# -- messages: monitor -> coordinator ------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusRead:
    """A poll of ``sys`` returned ``status`` at ``at`` (Trio clock)."""

    sys: str
    status: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PollFailed:
    sys: str
    reason: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginsCounted:
    """NUMLOGINS for ``sys``; None when the query failed."""

    sys: str
    count: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FsdResult:
    sys: str
    ok: bool
    reason: str = ""


MonitorEvent = StatusRead | PollFailed | LoginsCounted | FsdResult


# -- messages: coordinator -> monitor ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetFsd:
    """Set the forced-shutdown flag on our UPS (we are its primary)."""


@dataclass(frozen=True, slots=True)
class CountLogins:
    """Ask upsd how many upsmon clients are logged in to our UPS."""


@dataclass(frozen=True, slots=True)
class Retire:
    """Log out and stop polling for good: this host is shutting down."""


MonitorCommand = SetFsd | CountLogins | Retire


@dataclass(frozen=True, slots=True, kw_only=True)
class PollTiming:
    pollfreq: float = 5.0
    pollfreqalert: float = 5.0

    def interval(self, status: str) -> float:
        alert = bool(set(status.upper().split()) & ALERT_FLAGS)
        return self.pollfreqalert if alert else self.pollfreq


def local_handle(entry: conf.MonitorUps, registry: Registry | None) -> DeviceHandle | None:
    """The driver handle of a UPS this process serves itself, else None."""
    if registry is None:
        return None
    host = entry.host.strip("[]")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return registry.get(entry.upsname) if loopback else None


def client_context(tls: MonitorTls, verify: bool) -> ssl.SSLContext:
    """The TLS client settings for one connection (CERTPATH, CERTVERIFY, CERTFILE).

    Raises OSError or ssl.SSLError when a file is missing or not PEM.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if verify:
        assert tls.ca_path is not None  # the loader requires it with verify
        if tls.ca_path.is_dir():
            context.load_verify_locations(capath=str(tls.ca_path))
        else:
            context.load_verify_locations(cafile=str(tls.ca_path))
    else:
        # CERTVERIFY 0: encrypted, but any certificate will do
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if tls.certfile is not None:
        context.load_cert_chain(str(tls.certfile), str(tls.keyfile or tls.certfile))
    return context


# -- the actor ------------------------------------------------------------------------------


async def run_ups_monitor(
    entry: conf.MonitorUps,
    timing: PollTiming,
    events: trio.MemorySendChannel[MonitorEvent],
    commands: trio.MemoryReceiveChannel[MonitorCommand],
    handle: DeviceHandle | None = None,
    *,
    tls: MonitorTls | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Poll one MONITOR line until cancelled (or retired, then idle).

    ``tls`` is ``[monitor.tls]``: None keeps the connection plain TCP.
    """
    structlog.contextvars.bind_contextvars(actor=f"monitor:{entry.system}", ups=entry.system)
    mon = _UpsMonitor(entry, timing, events, tls)
    try:
        async with trio.open_nursery() as nursery:
            if handle is not None:
                nursery.start_soon(mon.watch_driver, handle)
            nursery.start_soon(mon.serve_commands, commands)
            log.info("actor.started", push=handle is not None)
            task_status.started()
            await mon.poll_loop()
    finally:
        with trio.CancelScope(shield=True):
            await mon.close()


class _UpsMonitor:
    """The state of one monitor actor; its tasks share the connection under a lock."""

    def __init__(self, entry: conf.MonitorUps, timing: PollTiming,
                 events: trio.MemorySendChannel[MonitorEvent], tls: MonitorTls | None) -> None:
        self.entry = entry
        self.tls = tls
        self.sys = entry.system
        self.upsname = entry.upsname
        self.timing = timing
        self.events = events
        self.client: NutClient | None = None
        self.lock = trio.Lock()
        self.wake = trio.Event()
        self.retired = False
        self.last_status = ""

    async def poll_loop(self) -> None:
        while not self.retired:
            async with self.lock:
                event = await self.poll_once()
            if self.retired:  # retired while polling: say nothing more
                break
            await self.events.send(event)
            with trio.move_on_after(self.timing.interval(self.last_status)):
                await self.wake.wait()
            self.wake = trio.Event()
        await trio.sleep_forever()

    def poke(self) -> None:
        self.wake.set()

    async def poll_once(self) -> MonitorEvent:
        now = trio.current_time()
        try:
            client = await self.connected()
            status = await client.get_status(self.upsname)
        except NutClientError as exc:
            log.warning("monitor.poll_failed", reason=clip(exc.code))
            return PollFailed(sys=self.sys, reason=exc.code, at=now)
        self.last_status = status
        return StatusRead(sys=self.sys, status=status, at=trio.current_time())

    async def connected(self) -> NutClient:
        """The logged-in connection, (re)connecting first like upsmon's try_connect."""
        if self.client is not None and self.client.connected:
            return self.client
        context = self.tls_context()
        client = await NutClient.connect(self.entry.host, self.entry.port)
        if context is not None:
            await self.start_tls(client, *context)
        self.client = client
        try:
            await self.client.login(self.entry.user, self.entry.password, self.upsname,
                                    primary=self.entry.role == "primary")
        except NutClientError as exc:
            if exc.lost:
                raise
            # upsmon logs and keeps polling on the connection anyway
            log.error("monitor.login_failed", reason=clip(exc.code), role=self.entry.role)
        else:
            log.info("monitor.logged_in", role=self.entry.role)
        return self.client

    def tls_context(self) -> tuple[ssl.SSLContext, bool, bool] | None:
        """(context, verify, force) for our host, or None without [monitor.tls].

        Built for each connection, so a certificate file fixed on disk is
        picked up at the next attempt.
        """
        if self.tls is None:
            return None
        verify, force = self.tls.rule(self.entry.host)
        try:
            return client_context(self.tls, verify), verify, force
        except (OSError, ssl.SSLError) as exc:
            # upsmon: "Connection impossible, dropping link"; we retry next poll
            log.error("monitor.tls_setup_failed", reason=str(exc))
            raise NutClientError(f"TLS setup failed: {exc}", lost=True) from exc

    async def start_tls(self, client: NutClient, context: ssl.SSLContext,
                        verify: bool, force: bool) -> None:
        """STARTTLS on a fresh connection; refused is fatal only with force or verify."""
        try:
            await client.starttls(context, self.entry.host)
        except NutClientError as exc:
            if exc.lost:  # the handshake failed: the connection is closed already
                log.error("monitor.tls_failed", reason=clip(exc.code), verify=verify)
                raise
            if not (force or verify):
                log.warning("monitor.tls_refused", reason=clip(exc.code), fallback="plaintext")
                return
            log.error("monitor.tls_refused", reason=clip(exc.code), force=force, verify=verify)
            await client.aclose()
            raise NutClientError(f"STARTTLS refused: {exc.code}", lost=True) from exc
        log.info("monitor.tls_started", version=client.tls_version, verify=verify)

    async def watch_driver(self, handle: DeviceHandle) -> None:
        """The push path: poll at once when the local driver's status changes."""
        version = handle.state.version
        seen = _status_of(handle)
        while True:
            version, _snap = await handle.state.wait_newer(version)
            now_seen = _status_of(handle)
            if now_seen != seen:
                seen = now_seen
                log.debug("monitor.driver_changed", status=now_seen[0])
                self.poke()

    async def serve_commands(self, commands: trio.MemoryReceiveChannel[MonitorCommand]) -> None:
        while True:
            command = await commands.receive()
            match command:
                case SetFsd():
                    await self.events.send(await self.set_fsd())
                case CountLogins():
                    await self.events.send(await self.count_logins())
                case Retire():
                    await self.retire()

    async def set_fsd(self) -> FsdResult:
        async with self.lock:
            try:
                await (await self.connected()).set_fsd(self.upsname)
            except NutClientError as exc:
                log.error("monitor.fsd_failed", reason=clip(exc.code))  # "FSD set on UPS failed"
                return FsdResult(sys=self.sys, ok=False, reason=exc.code)
        log.warning("monitor.fsd_set")
        return FsdResult(sys=self.sys, ok=True)

    async def count_logins(self) -> LoginsCounted:
        async with self.lock:
            try:
                count: int | None = await (await self.connected()).numlogins(self.upsname)
            except NutClientError as exc:
                log.warning("monitor.numlogins_failed", reason=clip(exc.code))
                count = None
        return LoginsCounted(sys=self.sys, count=count)

    async def retire(self) -> None:
        self.retired = True
        self.poke()
        async with self.lock:
            await self.close()
        log.info("monitor.retired")

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            await client.aclose()


def _status_of(handle: DeviceHandle) -> tuple[str, bool, bool]:
    snap = handle.snapshot
    return snap.data.vars.get("ups.status", ""), snap.connected, snap.stale
