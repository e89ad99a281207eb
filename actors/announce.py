"""The mDNS announcer: `nutrio run` shows itself as a NUT server (``_nut._tcp``).

Home Assistant (and nutrio scan --nut) find NUT servers by browsing
``_nut._tcp.local.``. The announcer registers one service per listening port,
named after the host, on the addresses the server listens on: a wildcard
listen (0.0.0.0, ::) announces on every interface, a specific address only on
that one. It runs in the extras subtree: if it fails, upsd keeps serving and
the subtree restarts it. ``[server] announce`` turns it on or off; unset, it is
on only when some listen address is beyond loopback (a server nobody else can
reach has nothing to announce).

python-zeroconf keeps its own threads and asyncio loop; its blocking calls
(register, unregister, close) run in a worker thread.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any

import structlog
import trio

__all__ = ["SERVICE_TYPE", "announce_wanted", "run_announcer", "service_name"]

log = structlog.get_logger()

SERVICE_TYPE = "_nut._tcp.local."
_WILDCARDS = ("0.0.0.0", "::")
#: seconds between attempts when announcing fails (no multicast route, a bad address)
RETRY = 60.0


def announce_wanted(setting: bool | None, listen: Sequence[tuple[str, int]]) -> bool:
    """The ``[server] announce`` value, or its default for these listen addresses."""
    if setting is not None:
        return setting
    return any(not _is_loopback(host) for host, _ in listen)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it resolves beyond this machine, most likely


def service_name(hostname: str, port: int, ports: int) -> str:
    """``nutrio on HOST`` (with the port when there are several)."""
    label = f"nutrio on {hostname}" + (f" port {port}" if ports > 1 else "")
    return f"{label[:63]}.{SERVICE_TYPE}"


async def run_announcer(addresses: Callable[[], Sequence[tuple[str, int]]], *,
                        retry: float = RETRY,
                        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
    """Announce until cancelled, then withdraw (a goodbye packet). Best effort: it
    never holds up the start, and a failure is one warning and a later retry, so
    an unannounceable network never restarts the web pages beside it."""
    from zeroconf import Error as ZeroconfError

    structlog.contextvars.bind_contextvars(actor="announce")
    task_status.started()
    while True:
        try:
            await _announce(addresses())
        except (OSError, ZeroconfError) as exc:
            log.warning("announce.failed", error=str(exc) or type(exc).__name__, retry=retry)
        await trio.sleep(retry)


async def _announce(addresses: Sequence[tuple[str, int]]) -> None:
    from zeroconf import InterfaceChoice, IPVersion, ServiceInfo, Zeroconf

    listen = [(_ip_of(host), port) for host, port in addresses]
    hosts = {host for host, _ in listen}
    wildcard = bool(hosts & set(_WILDCARDS))
    interfaces: Any = InterfaceChoice.All if wildcard else sorted(hosts)
    v4, v6 = any(":" not in h for h in hosts), any(":" in h for h in hosts)
    version = (IPVersion.All if wildcard or (v4 and v6) else
               IPVersion.V6Only if v6 else IPVersion.V4Only)
    zc = await trio.to_thread.run_sync(functools.partial(Zeroconf, interfaces=interfaces,
                                                         ip_version=version))
    try:
        hostname = socket.gethostname().split(".")[0] or "nutrio"
        ports = sorted({port for _, port in listen})
        for port in ports:
            chosen = [h for h, p in listen if p == port and h not in _WILDCARDS]
            info = ServiceInfo(SERVICE_TYPE, service_name(hostname, port, len(ports)),
                               port=port, server=f"{hostname}.local.",
                               parsed_addresses=chosen or _machine_addresses(version),
                               properties={"server": "nutrio"})
            await trio.to_thread.run_sync(functools.partial(zc.register_service, info,
                                                            allow_name_change=True))
            log.info("announce.registered", service=info.name, port=port,
                     addresses=info.parsed_addresses())
        await trio.sleep_forever()
    finally:
        with trio.CancelScope(shield=True), trio.move_on_after(5):
            await trio.to_thread.run_sync(zc.unregister_all_services)
            await trio.to_thread.run_sync(zc.close)


def _ip_of(host: str) -> str:
    """An address as is; a host name (``localhost``) as the first address it resolves to."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        return str(socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][4][0])


def _machine_addresses(version: Any) -> list[str]:
    """Every address of this machine's interfaces but loopback (what a wildcard reaches)."""
    import ifaddr  # a dependency of zeroconf
    from zeroconf import IPVersion

    out = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            text = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            is_v6 = not isinstance(ip.ip, str)
            if (is_v6 and version == IPVersion.V4Only) or (not is_v6 and
                                                            version == IPVersion.V6Only):
                continue
            address = ipaddress.ip_address(text)
            if not (address.is_loopback or address.is_link_local):
                out.append(text)
    return out
