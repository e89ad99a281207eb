"""`nutrio drivers list|status|start|stop [UPS]`: NUT's upsdrvctl for the running tree.

``list`` reads the configuration only (``--kinds``: the driver kinds nutrio
has and their ups.conf options). ``status``, ``start`` and ``stop`` talk to a
running `nutrio run` over its control socket (:mod:`actors.control`), found
from the same configuration file (``server.statepath``, else a private
directory named after the file) or given with ``--socket``.

Example::

    $ nutrio drivers --config /etc/nutrio.toml status
    UPS      DRIVER     PORT                 STATE     RESTARTS  AGE    LAST ERROR
    rack     snmp-ups   10.0.0.7             running   0         0.8s   -
    office   nutdrv_qx  /dev/ttyUSB0         stale     2         41.0s  DriverTimeout: no answer
    spare    dummy-ups  spare.dev            stopped   0         -      -
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "DRIVER_OPTIONS",
    "add_parser",
    "format_devices",
    "format_kinds",
    "format_status",
    "request",
]

#: ups.conf options nutrio's drivers read, beyond port/desc/pollinterval/maxage.
DRIVER_OPTIONS: Mapping[str, str] = {
    "dummy-ups": "mode (dummy-once|dummy-loop|dummy|repeater); as a repeater (port ups@host[:port]): "
    "username, password",
    "nutdrv_qx": "protocol, pollfreq, runtimecal, chargetime, idleload, ondelay, offdelay",
    "blazer_ser": "runtimecal, chargetime, idleload, ondelay, offdelay",
    "apcsmart": "cshdelay, awd",
    "snmp-ups": "mibs (auto|ietf|apcc|apc_pdu|mge|eaton_epdu), community, snmp_version "
    "(v1|v2c|v3), secLevel, secName, authPassword, privPassword, authProtocol, privProtocol, "
    "pollfreq, snmp_timeout, snmp_retries",
}
_TIMEOUT = 30.0


def add_parser(subparsers: Any) -> None:
    """Add ``drivers`` to the `nutrio` subcommands (argparse ``add_subparsers()`` result)."""
    parser = subparsers.add_parser(
        "drivers", help="list, show, start or stop drivers of a running `nutrio run` (upsdrvctl)"
    )
    _where_options(parser, None)
    actions = parser.add_subparsers(dest="drivers_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the configured devices: driver and port")
    listing.add_argument("--kinds", action="store_true", help="the driver kinds and their options")
    _where_options(listing, argparse.SUPPRESS)
    for name, text in (("status", "show each driver's state, restarts, last error, data age"),
                       ("start", "start one driver, or all that are stopped"),
                       ("stop", "stop one driver, or all (upsd then says DRIVER-NOT-CONNECTED)")):
        action = actions.add_parser(name, help=text)
        action.add_argument("ups", nargs="?", help="one UPS (default: all)")
        _where_options(action, argparse.SUPPRESS)
    parser.set_defaults(handler=_cmd_drivers)


def _where_options(parser: argparse.ArgumentParser, default: Any) -> None:
    """--config/--socket before or after the action; SUPPRESS keeps an earlier value."""
    parser.add_argument("--config", type=Path, default=default,
                        help="nutrio TOML file (default: embedded demo)")
    parser.add_argument("--socket", type=Path, default=default,
                        help="control socket (default: from the config)")


# -- the client ---------------------------------------------------------------


def request(path: Path, op: str, ups: str | None = None, timeout: float = _TIMEOUT) -> dict[str, Any]:
    """One request to the control socket; the reply object.

    Raises:
        OSError: nothing listens there (or the peer went away).
        ValueError, TypeError: the reply is not a JSON object.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(json.dumps({"op": op, "ups": ups}).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    reply = json.loads(data)
    if not isinstance(reply, dict):
        raise TypeError("the control socket answered something other than an object")
    return reply


def _age(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def format_status(drivers: Sequence[Mapping[str, Any]]) -> str:
    """The status table (one row per UPS)."""
    rows = [["UPS", "DRIVER", "PORT", "STATE", "RESTARTS", "AGE", "LAST ERROR"]]
    for d in drivers:
        rows.append([
            str(d["ups"]), str(d.get("driver") or "-"), str(d.get("port") or "-"), str(d["state"]),
            str(d.get("restarts", 0)), _age(d.get("age")), str(d.get("last_error") or "-"),
        ])
    return _table(rows)


def format_devices(devices: Mapping[str, Any]) -> str:
    """`list`: the configured devices with their driver and port."""
    rows = [["UPS", "DRIVER", "PORT", "DESC"]]
    rows += [[name, d.driver, d.port, d.desc or "-"] for name, d in devices.items()]
    return _table(rows)


def format_kinds() -> str:
    """`list --kinds`: nutrio's driver kinds, the options and flags they read."""
    from actors.drivers import DRIVERS

    lines = []
    for kind in sorted(DRIVERS):
        text = DRIVER_OPTIONS.get(kind, f"as NUT's {kind}")
        flags = sorted(getattr(DRIVERS[kind], "flags", ()))
        lines.append(f"{kind}: {text}" + (f"; flags: {', '.join(flags)}" if flags else ""))
    return "\n".join(lines)


# -- the command ------------------------------------------------------------


def _fail(message: str) -> int:
    sys.stderr.write(f"nutrio drivers: {message}\n")
    return 1


def _cmd_drivers(ns: argparse.Namespace) -> int:
    import conf
    from actors.control import control_socket_path

    try:
        config = conf.default_config() if ns.config is None else conf.load(ns.config)
    except conf.ConfigError as exc:
        return _fail(str(exc))
    if ns.drivers_command == "list":
        sys.stdout.write((format_kinds() if ns.kinds else format_devices(config.devices)) + "\n")
        return 0
    path = ns.socket or control_socket_path(config.server.statepath, config.source)
    try:
        reply = request(path, ns.drivers_command, ns.ups)
    except (OSError, ValueError, TypeError) as exc:
        return _fail(f"cannot reach the running nutrio at {path}: {exc}")
    if not reply.get("ok"):
        return _fail(str(reply.get("error", "request refused")))
    for line in reply.get("done", []):
        sys.stdout.write(f"{line}\n")
    if ns.drivers_command == "status":
        sys.stdout.write(format_status(reply.get("drivers", [])) + "\n")
    return 0
