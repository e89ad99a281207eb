"""`nutrio scan --nut`: NUT servers, by mDNS and by asking given hosts ``LIST UPS``.

A server announces itself as ``_nut._tcp.local.`` (nutrio run does, so do
NUT's avahi service file and Home Assistant's add-on); the browse waits a
moment for answers, then every address found, and every host named on the
command line, is asked ``LIST UPS`` on a plain connection (no login: upsd
answers LIST UPS to anyone). Each UPS becomes a repeater device
(``dummy-ups``, port ``ups@host:port``) that can also be written as a
``[[monitor.ups]]`` entry.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence

import trio

from nutrio.conf.netaddr import NUT_PORT, format_hostport, parse_listen
from nutrio.protocol.client.replies import BeginList, EndList, Err, Ups, parse_reply
from nutrio.scan.found import Found, MonitorEntry

__all__ = ["SERVICE_TYPE", "browse_mdns", "list_ups", "scan_nut"]

SERVICE_TYPE = "_nut._tcp.local."
_MAX_REPLY = 1 << 20


async def scan_nut(hosts: Sequence[str], *, mdns_wait: float | None, timeout: float) -> list[Found]:
    """UPSes of the given hosts (``host[:port]``) and, unless *mdns_wait* is None,
    of the servers mDNS finds meanwhile; each server once, in the order found."""
    targets = [parse_listen(h) for h in hosts]
    how = dict.fromkeys(targets, "named on the command line")
    if mdns_wait is not None:
        for target in await trio.to_thread.run_sync(browse_mdns, mdns_wait):
            how.setdefault(target, "announced by mDNS")
    found: list[Found] = []
    for (host, port), origin in how.items():
        found += await _server(host, port, origin, timeout)
    return found


async def _server(host: str, port: int, origin: str, timeout: float) -> list[Found]:
    where = format_hostport(host, port) if port != NUT_PORT else _bare(host)
    try:
        upses = await list_ups(host, port, timeout)
    except (OSError, ValueError, trio.TooSlowError) as exc:
        return [Found(source="nut", driver="", port=where,
                      notes=(f"NUT server at {where} ({origin}): no answer to LIST UPS "
                             f"({exc or type(exc).__name__})",))]
    return [Found(source="nut", driver="dummy-ups", port=f"{name}@{where}", desc=desc,
                  name_hint=name, monitor=MonitorEntry(system=f"{name}@{where}"),
                  notes=(f"UPS {name} on the NUT server at {where} ({origin})",))
            for name, desc in upses]


def _bare(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def list_ups(host: str, port: int, timeout: float) -> list[tuple[str, str]]:
    """(name, description) of every UPS the server lists.

    Raises:
        OSError: no connection. trio.TooSlowError: no full answer in time.
        ValueError: the server answered something else (an ERR, not NUT at all).
    """
    with trio.fail_after(timeout):
        stream = await trio.open_tcp_stream(host, port)
        async with stream:
            await stream.send_all(b"LIST UPS\n")
            lines = await _read_list(stream)
    out = []
    for line in lines:
        reply = parse_reply(line)
        if isinstance(reply, Err):
            raise ValueError(f"ERR {reply.code}")
        if isinstance(reply, Ups):
            out.append((reply.ups, reply.desc))
        elif not isinstance(reply, BeginList | EndList):
            raise ValueError(f"unexpected reply {line[:60]!r}")
    return out


async def _read_list(stream: trio.SocketStream) -> list[bytes]:
    buffer = bytearray()
    while True:
        done = bytes(buffer).split(b"\n")[:-1]  # the complete lines
        if done and (done[-1].startswith((b"END LIST", b"ERR")) or
                     not done[0].startswith(b"BEGIN LIST")):
            return done
        chunk = await stream.receive_some(65536)
        if not chunk or len(buffer) > _MAX_REPLY:
            raise ValueError("the server closed the connection mid-list")
        buffer += chunk


def browse_mdns(wait: float) -> list[tuple[str, int]]:
    """(address, port) of every ``_nut._tcp`` service answering within *wait* seconds
    (blocking: zeroconf runs its own threads)."""
    from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf

    zc = Zeroconf()
    names: list[str] = []

    def changed(zeroconf: Zeroconf, service_type: str, name: str,
                state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Added:
            names.append(name)

    try:
        browser = ServiceBrowser(zc, SERVICE_TYPE, handlers=[changed])
        time.sleep(wait)
        browser.cancel()
        found: dict[tuple[str, int], None] = {}
        for name in list(names):
            info = zc.get_service_info(SERVICE_TYPE, name, timeout=int(wait * 1000) or 1000)
            if info is None or not info.port:
                continue
            for raw in info.addresses:
                family = socket.AF_INET6 if len(raw) == 16 else socket.AF_INET
                found[(socket.inet_ntop(family, raw), info.port)] = None
        return list(found)
    finally:
        zc.close()
