"""`nutrio drivers list|status|start|stop|shutdown [UPS]`: NUT's upsdrvctl.

``list`` reads the configuration only (``--kinds``: the driver kinds nutrio
has and their ups.conf options). ``status``, ``start`` and ``stop`` talk to a
running `nutrio run` over its control socket (:mod:`actors.control`), found
from the same configuration file (``server.statepath``, else a private
directory named after the file) or given with ``--socket``.

``shutdown`` is upsdrvctl's: at the very end of a system shutdown, after
`nutrio run` has stopped, it opens each device itself and runs its driver's
killpower sequence (:func:`actors.drivers.killpower.kill_power`, NUT's
``driver -k``): every UPS in ``sdorder`` (lowest first, ties in
configuration order, -1 never), or the one UPS named, whatever its sdorder. A failing UPS does not stop the others; the exit code is 1 when
any failed, as upsdrvctl's. Unlike upsdrvctl it refuses to run while a
`nutrio run` answers on the control socket of the same configuration (two
programs on one serial port garble both), unless ``--force``.

Example::

    $ nutrio drivers --config /etc/nutrio.toml status
    UPS      DRIVER     PORT                 STATE     RESTARTS  AGE    LAST ERROR
    rack     snmp-ups   10.0.0.7             running   0         0.8s   -
    office   nutdrv_qx  /dev/ttyUSB0         stale     2         41.0s  DriverTimeout: no answer
    spare    dummy-ups  spare.dev            stopped   0         -      -
"""

from __future__ import annotations

import argparse
import errno
import json
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nutrio.protocol.devices.megatec.old_names import OLD_DRIVERS
from nutrio.protocol.devices.megatec.subdrivers import LATER_PROTOCOLS, PROTOCOLS

if TYPE_CHECKING:
    from nutrio.actors.drivers.killpower import KillResult
    from nutrio.conf import DeviceConfig

__all__ = [
    "DRIVER_OPTIONS",
    "add_parser",
    "format_devices",
    "format_kinds",
    "format_status",
    "format_kill",
    "request",
    "shutdown_order",
]

#: ups.conf options nutrio's drivers read, beyond port/desc/pollinterval/maxage.
DRIVER_OPTIONS: Mapping[str, str] = {
    "dummy-ups": "mode (dummy-once|dummy-loop|dummy|repeater); as a repeater (port ups@host[:port]): "
    "username, password",
    "nutdrv_qx": "protocol (" + ", ".join(PROTOCOLS) + "; named only: "
    + ", ".join(LATER_PROTOCOLS) + "), pollfreq, runtimecal, chargetime, idleload, ondelay, "
    "offdelay, cablepower, and each protocol's own",
    "blazer_ser": "runtimecal, chargetime, idleload, ondelay, offdelay",
    "apcsmart": "cshdelay, awd, sdtype (0-5), advorder",
    "usbhid-ups": "vendorid, productid, vendor, product, serial, bus, device, busport, "
    "subdriver, pollfreq, lowbatt, ondelay, offdelay, interruptsize, default.*, override.*",
    "mge-shut": "pollfreq, lowbatt, ondelay, offdelay, notification (ignored)",
    "newmge-shut": "as mge-shut",
    "apc_modbus": "porttype (usb|tcp|serial), slaveid, response_timeout_ms, baudrate, parity, "
    "databits, stopbits, vendorid, productid, vendor, product, serial, bus, device",
    "snmp-ups": "mibs (auto|ietf|apcc|apc_pdu|mge|eaton_epdu), community, snmp_version "
    "(v1|v2c|v3), secLevel, secName, authPassword, privPassword, authProtocol, privProtocol, "
    "pollfreq, snmp_timeout, snmp_retries, ondelay, offdelay",
    "tripplite_usb": "offdelay, battery_min, battery_max, vendorid, productid, vendor, "
    "product, serial, bus, device, usb_set_altinterface",
    "tripplite": "offdelay, startdelay, rebootdelay",
    "tripplitesu": "lowbatt",
    "upscode2": "manufacturer, baudrate, input_timeout, output_pace, full_update",
    "mge-utalk": "LowBatt, OnDelay, OffDelay",
    "genericups": "upstype (0-23), mfr, model, serial, CP, OL, LB, RB, BYPASS, SD, sdtime",
    "liebert": "mfr, model",
    "nutdrv_atcl_usb": "vendor (the unit's manufacturer string, NULL for none)",
    "pijuice": "i2c_address",
    **{name: f"NUT's retired name: runs {old.replacement}" for name, old in OLD_DRIVERS.items()},
}
_TIMEOUT = 30.0


def add_parser(subparsers: Any) -> None:
    """Add ``drivers`` to the `nutrio` subcommands (argparse ``add_subparsers()`` result)."""
    parser = subparsers.add_parser(
        "drivers", help="list, show, start or stop drivers of a running `nutrio run`, "
        "or power the UPSes off (upsdrvctl)"
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
    _add_shutdown(actions)
    supported = actions.add_parser(
        "supported", help="the hardware nutrio drives: drivers, old NUT names, subdrivers, "
        "protocols, USB bridges, MIB tables")
    supported.add_argument("--json", action="store_true", help="one JSON document, for tools")
    _where_options(supported, argparse.SUPPRESS)
    parser.set_defaults(handler=_cmd_drivers)


def _add_shutdown(actions: Any) -> None:
    shutdown = actions.add_parser(
        "shutdown", help="power the UPSes off: each driver's killpower, in sdorder "
        "(upsdrvctl shutdown); for the end of a system shutdown",
        description="Open each device and run its driver's killpower sequence (NUT's driver -k): "
        "the UPS cuts its load after its shutdown delay and, for shutdown.return, comes back "
        "when the mains does. All UPSes in sdorder (lowest first, -1 never), or the one named. "
        "Exit 1 when any UPS failed. Refused while a `nutrio run` with this configuration "
        "answers on its control socket, unless --force.",
    )
    shutdown.add_argument("ups", nargs="?", help="one UPS, whatever its sdorder (default: all)")
    shutdown.add_argument("--force", action="store_true",
                          help="run even while a `nutrio run` of this configuration answers")
    shutdown.add_argument("--log-level", default="warning",
                          choices=("debug", "info", "warning", "error"),
                          help="structured log on stderr (default: warning)")
    _where_options(shutdown, argparse.SUPPRESS)


def _where_options(parser: argparse.ArgumentParser, default: Any) -> None:
    """--config/--socket before or after the action; SUPPRESS keeps an earlier value."""
    parser.add_argument("--config", type=Path, default=default,
                        help="nutrio TOML file (default: embedded demo)")
    parser.add_argument("--socket", type=Path, default=default,
                        help="control socket (default: from the config)")


# -- the client ---------------------------------------------------------------


def request(
    path: Path, op: str, ups: str | None = None, timeout: float = _TIMEOUT, **fields: str | None
) -> dict[str, Any]:
    """One request to the control socket (``fields``: more keys of it); the reply object.

    Raises:
        OSError: nothing listens there (or the peer went away).
        ValueError, TypeError: the reply is not a JSON object.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(json.dumps({"op": op, "ups": ups, **fields}).encode() + b"\n")
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
    from nutrio.actors.drivers import DRIVERS

    lines = []
    for kind in sorted(DRIVERS):
        text = DRIVER_OPTIONS.get(kind, f"as NUT's {kind}")
        flags = sorted(DRIVERS[kind].flags)
        lines.append(f"{kind}: {text}" + (f"; flags: {', '.join(flags)}" if flags else ""))
    return "\n".join(lines)


def format_kill(ups: str, outcome: KillResult | BaseException) -> str:
    """One line per UPS: what it was told, or why it could not be."""
    if isinstance(outcome, BaseException):
        text = str(outcome).removeprefix(f"{ups}: ") or type(outcome).__name__
        return f"{ups}: failed ({type(outcome).__name__}): {text}"
    detail = f": {outcome.detail}" if outcome.detail else ""
    return f"{ups}: {outcome.command} sent{detail}"


def shutdown_order(devices: Mapping[str, DeviceConfig]) -> list[DeviceConfig]:
    """upsdrvctl shutdown's order: sdorder ascending, -1 left out, ties in config order."""
    return sorted((d for d in devices.values() if d.sdorder >= 0), key=lambda d: d.sdorder)


# -- the command ------------------------------------------------------------


def _fail(message: str) -> int:
    sys.stderr.write(f"nutrio drivers: {message}\n")
    return 1


def _cmd_drivers(ns: argparse.Namespace) -> int:
    from nutrio import conf
    from nutrio.actors.control import control_socket_path

    if ns.drivers_command == "supported":  # needs no configuration
        from nutrio.supported import render_json, render_table

        sys.stdout.write(render_json() if ns.json else render_table())
        return 0
    try:
        config = conf.load_or_default(ns.config)
    except conf.ConfigError as exc:
        return _fail(str(exc))
    if ns.drivers_command == "list":
        sys.stdout.write((format_kinds() if ns.kinds else format_devices(config.devices)) + "\n")
        return 0
    path = ns.socket or control_socket_path(config.server.statepath, config.source)
    if ns.drivers_command == "shutdown":
        return _cmd_shutdown(ns, config, path)
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


def _answers(path: Path) -> bool:
    """A `nutrio run` holds the devices: its control socket takes a status request.

    No socket file, or nobody listening behind it (a run that ended), is
    "no"; anything else, even a reply that does not parse, counts as "yes".
    """
    try:
        request(path, "status", timeout=5.0)
    except OSError as exc:
        return exc.errno not in (errno.ENOENT, errno.ECONNREFUSED, errno.ENOTDIR)
    except (ValueError, TypeError):
        return True
    return True


def _cmd_shutdown(ns: argparse.Namespace, config: Any, path: Path) -> int:
    from nutrio.logs import configure_logging

    if not config.devices:
        return _fail(f"{config.source}: no UPS definitions found")
    if ns.ups is not None and ns.ups not in config.devices:
        return _fail(f"UPS {ns.ups} not found in {config.source}")
    if _answers(path):
        if not ns.force:
            return _fail(f"a `nutrio run` answers on {path} and holds the devices: stop it "
                         "first (or use --force to open them anyway)")
        sys.stderr.write(f"nutrio drivers: warning: a `nutrio run` answers on {path}; "
                         "going on (--force)\n")
    configure_logging(None, level=ns.log_level)
    devices = [config.devices[ns.ups]] if ns.ups is not None else shutdown_order(config.devices)
    if not devices:
        sys.stderr.write("nutrio drivers: nothing to shut down: every UPS has sdorder -1\n")
        return 0
    failed = _kill_all(devices)
    if failed:
        return _fail(f"{failed} of {len(devices)} UPS could not be shut down")
    return 0


def _kill_all(devices: Sequence[DeviceConfig]) -> int:
    """Each device in turn, its line printed at once; the number that failed.

    A failure, even a bug, is that device's outcome: the next UPS must still be told.
    """
    import structlog
    import trio

    from nutrio.actors.drivers import DriverError, kill_power

    async def run() -> int:
        failed = 0
        for device in devices:
            outcome: KillResult | Exception
            try:
                outcome = await kill_power(device)
            except DriverError as exc:
                outcome = exc
            except Exception as exc:
                structlog.get_logger().exception("driver.killpower_crashed", ups=device.name)
                outcome = exc
            failed += isinstance(outcome, Exception)
            sys.stdout.write(format_kill(device.name, outcome) + "\n")
            sys.stdout.flush()
        return failed

    return trio.run(run)
