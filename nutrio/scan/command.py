"""The `nutrio scan` command: nut-scanner's job, printed as nutrio.toml or ups.conf.

    nutrio scan [--usb] [--snmp CIDR ...] [--nut [HOST[:PORT] ...]] [--serial PORT ...]
                [--format toml|ups.conf]

Without a bus option it scans USB and looks for NUT servers by mDNS (as
nut-scanner scans everything but serial ports). The buses are scanned at the
same time; the result goes to stdout in a fixed order (USB, serial, SNMP, NUT)
whatever finished first. On a terminal, a scan that takes over a second shows a
progress line on stderr, erased before the result is printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

import trio

from nutrio.scan.found import Found
from nutrio.scan.render import render

__all__ = ["Progress", "add_parser", "run_scan"]

_ORDER = ("usb", "serial", "snmp", "nut")


@dataclass
class Progress:
    """What each scanner has done so far, for the progress line."""

    total: dict[str, int] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)

    def start(self, bus: str, total: int = 1) -> None:
        self.total[bus] = total
        self.done[bus] = 0

    def step(self, bus: str, count: int = 1) -> None:
        self.done[bus] = self.done.get(bus, 0) + count  # one writer per bus

    def line(self) -> str:
        parts = [f"{bus} {self.done.get(bus, 0)}/{self.total[bus]}" for bus in _ORDER
                 if bus in self.total]
        return "nutrio scan: " + ", ".join(parts)


def add_parser(subparsers: Any) -> None:
    """Add ``scan`` to the `nutrio` subcommands."""
    p = subparsers.add_parser(
        "scan", help="find UPSes (USB, SNMP, NUT servers, serial) and print their config",
        description="Find power devices and print ready [devices.NAME] tables (or ups.conf "
        "sections). Without a bus option: --usb and --nut (mDNS only).")
    p.add_argument("--usb", action="store_true", help="USB devices any nutrio driver claims")
    p.add_argument("--snmp", nargs="+", metavar="CIDR", default=[],
                   help="SNMP agents in these ranges (more than 4096 addresses needs --force)")
    p.add_argument("--nut", nargs="*", metavar="HOST[:PORT]",
                   help="NUT servers: mDNS browse, plus LIST UPS on these hosts")
    p.add_argument("--serial", nargs="+", metavar="PORT", default=[],
                   help="probe these serial ports (Q1 and APC smart, read only)")
    p.add_argument("--format", choices=("toml", "ups.conf"), default="toml",
                   help="nutrio.toml tables (default) or ups.conf sections")
    p.add_argument("--nut-as", choices=("repeater", "monitor"), default="repeater",
                   help="UPSes on NUT servers as repeater devices (default) or "
                   "[[monitor.ups]] entries (upsmon.conf MONITOR lines)")
    p.add_argument("--no-mdns", action="store_true", help="with --nut: only the hosts given")
    p.add_argument("--mdns-wait", type=float, default=2.0, metavar="SECONDS",
                   help="how long to listen for mDNS answers (default 2)")
    p.add_argument("--timeout", type=float, default=1.0, metavar="SECONDS",
                   help="per SNMP request, serial reply and NUT server (default 1)")
    p.add_argument("--force", action="store_true", help="scan SNMP ranges of any size")
    snmp = p.add_argument_group("SNMP credentials (snmp-ups option names in the output)")
    snmp.add_argument("--community", action="append", metavar="NAME",
                      help="v1/v2c community, repeatable, tried in order (default: public)")
    snmp.add_argument("--snmp-version", choices=("v1", "v2c", "v3"), default="v1")
    snmp.add_argument("--snmp-port", type=int, default=161, metavar="PORT")
    snmp.add_argument("--sec-name", metavar="USER", help="SNMPv3 user (implies v3)")
    snmp.add_argument("--sec-level", choices=("noAuthNoPriv", "authNoPriv", "authPriv"),
                      help="SNMPv3 level (default: from the passwords given)")
    snmp.add_argument("--auth-password", metavar="PASS")
    snmp.add_argument("--auth-protocol", default="MD5",
                      choices=("MD5", "SHA", "SHA256", "SHA384", "SHA512"))
    snmp.add_argument("--priv-password", metavar="PASS")
    snmp.add_argument("--priv-protocol", default="DES",
                      choices=("DES", "AES", "AES192", "AES256"))
    p.set_defaults(handler=_cmd_scan)


def _cmd_scan(ns: argparse.Namespace) -> int:
    if not (ns.usb or ns.snmp or ns.nut is not None or ns.serial):
        ns.usb, ns.nut = True, []
    try:
        hosts = _snmp_hosts(ns)
        credentials = _credentials(ns)
    except ValueError as exc:
        sys.stderr.write(f"nutrio: scan: {exc}\n")
        return 2
    found = trio.run(run_scan, ns, hosts, credentials, sys.stderr)
    sys.stdout.write(render(found, ns.format, nut_as=ns.nut_as))
    return 0


def _snmp_hosts(ns: argparse.Namespace) -> list[str]:
    if not ns.snmp:
        return []
    from nutrio.scan.snmp import addresses

    return addresses(ns.snmp, force=ns.force)


def _credentials(ns: argparse.Namespace) -> list[Any]:
    if not ns.snmp:
        return []
    from nutrio.scan.snmp import SnmpCredentials

    if ns.snmp_version == "v3" or ns.sec_name:
        if not ns.sec_name:
            raise ValueError("SNMPv3 needs --sec-name")
        level = ns.sec_level or ("authPriv" if ns.priv_password else
                                 "authNoPriv" if ns.auth_password else "noAuthNoPriv")
        if level != "noAuthNoPriv" and not ns.auth_password:
            raise ValueError(f"--sec-level {level} needs --auth-password")
        if level == "authPriv" and not ns.priv_password:
            raise ValueError("--sec-level authPriv needs --priv-password")
        return [SnmpCredentials(version="v3", sec_name=ns.sec_name, sec_level=level,
                                auth_password=ns.auth_password, auth_protocol=ns.auth_protocol,
                                priv_password=ns.priv_password, priv_protocol=ns.priv_protocol)]
    return [SnmpCredentials(version=ns.snmp_version, community=c)
            for c in (ns.community or ["public"])]


async def run_scan(ns: argparse.Namespace, hosts: list[str], credentials: list[Any],
                   err: IO[str]) -> list[Found]:
    """Every bus asked for, at once; the results in USB, serial, SNMP, NUT order."""
    progress = Progress()
    results: dict[str, list[Found]] = {}

    async def one(bus: str, total: int, job: Callable[[], Any]) -> None:
        progress.start(bus, total)
        results[bus] = await job()
        progress.done[bus] = total

    async with trio.open_nursery() as outer:
        if err.isatty():
            outer.start_soon(_show_progress, progress, err)
        async with trio.open_nursery() as jobs:
            if ns.usb:
                jobs.start_soon(one, "usb", 1, _usb_job)
            if ns.serial:
                jobs.start_soon(one, "serial", len(ns.serial), lambda: _serial_job(ns))
            if hosts:
                jobs.start_soon(one, "snmp", len(hosts),
                                lambda: _snmp_job(ns, hosts, credentials, progress))
            if ns.nut is not None:
                jobs.start_soon(one, "nut", 1, lambda: _nut_job(ns))
        outer.cancel_scope.cancel()  # the progress line goes
    return [f for bus in _ORDER for f in results.get(bus, [])]


async def _show_progress(progress: Progress, err: IO[str]) -> None:
    shown = False
    try:
        await trio.sleep(1.0)  # a quick scan shows nothing
        while True:
            err.write("\r\x1b[K" + progress.line())
            err.flush()
            shown = True
            await trio.sleep(0.2)
    finally:
        if shown:
            err.write("\r\x1b[K")
            err.flush()


async def _usb_job() -> list[Found]:
    from nutrio.scan.usb import scan_usb

    return await trio.to_thread.run_sync(scan_usb)


async def _serial_job(ns: argparse.Namespace) -> list[Found]:
    from nutrio.scan.serial import scan_serial

    return await scan_serial(ns.serial, timeout=ns.timeout)


async def _snmp_job(ns: argparse.Namespace, hosts: list[str], credentials: list[Any],
                    progress: Progress) -> list[Found]:
    from nutrio.scan.snmp import scan_snmp

    def run() -> list[Found]:
        return scan_snmp(hosts, credentials, port=ns.snmp_port, timeout=ns.timeout,
                         done=lambda: progress.step("snmp"))

    return await trio.to_thread.run_sync(run)


async def _nut_job(ns: argparse.Namespace) -> list[Found]:
    from nutrio.scan.nut import scan_nut

    wait = None if ns.no_mdns else ns.mdns_wait
    return await scan_nut(ns.nut or [], mdns_wait=wait, timeout=ns.timeout)
