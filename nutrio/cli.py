"""The `nutrio` command: one entry point for the service and the NUT clients.

The NUT client subcommands (upsc, upscmd, upsrw) get their argv untouched,
so their options, output and exit codes match NUT's programs exactly.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nutrio

__all__ = ["build_parser", "main"]

#: subcommand -> module with ``main(argv) -> int`` (NUT-compatible programs)
CLIENT_PROGRAMS = {
    "upsc": "nutrio.clients.upsc",
    "upscmd": "nutrio.clients.upscmd",
    "upsrw": "nutrio.clients.upsrw",
    "upslog": "nutrio.clients.upslog",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in CLIENT_PROGRAMS:
        module = importlib.import_module(CLIENT_PROGRAMS[args[0]])
        return int(module.main(args[1:]))
    parser = build_parser()
    ns = parser.parse_args(args)
    if ns.command is None:
        parser.print_help()
        return 2
    return int(ns.handler(ns))


def build_parser() -> argparse.ArgumentParser:
    """The `nutrio` command line; nutrio/docs.py walks it to write docs/cli.md."""
    parser = argparse.ArgumentParser(
        prog="nutrio",
        description="Network UPS Tools re-created as a supervision tree on Trio.",
        epilog="NUT clients: nutrio upsc|upscmd|upsrw|upslog [NUT options...] (see their -h); "
        "from NUT 2.8.5: nutrio upsc -j (JSON), NUT_DEFAULT_CONNECT_TIMEOUT, NUT_DEBUG_LEVEL; "
        "beyond NUT: nutrio upsc --json UPS, nutrio upsc --watch [-n SECONDS] UPS.",
    )
    parser.add_argument("--version", action="version", version=f"nutrio {nutrio.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the supervision tree in the foreground")
    run.add_argument("--config", type=Path, help="nutrio TOML file (default: embedded demo)")
    run.add_argument(
        "--listen",
        action="append",
        metavar="HOST:PORT",
        help="replace the server's listen addresses (repeatable)",
    )
    run.add_argument(
        "--web-listen",
        metavar="HOST:PORT",
        help="replace [web] listen (port 0: any free port, named in the web.started line)",
    )
    run.add_argument("--log-format", choices=("json", "console", "journal"),
                     help="default: journal under systemd, console on a TTY, else json")
    run.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    run.add_argument("--chaos", type=Path, metavar="FILE", help="fault-injection TOML ([chaos])")
    run.set_defaults(handler=_cmd_run)

    check = sub.add_parser("check-config", help="validate a config file and print what would run")
    check.add_argument("file", type=Path, nargs="?", help="default: the embedded demo config")
    check.set_defaults(handler=_cmd_check_config)

    passwd = sub.add_parser(
        "passwd", help="print a salted scrypt hash for password_hash",
        description="Print a salted scrypt hash of a password, for password_hash in the "
        "config. On a terminal it asks twice, without echo; otherwise it reads the "
        "password from the first line of standard input: echo secret | nutrio passwd",
    )
    passwd.add_argument("--stdin", action="store_true",
                        help="read the first line of stdin even on a terminal")
    passwd.set_defaults(handler=_cmd_passwd)

    from nutrio import drivers_ctl

    drivers_ctl.add_parser(sub)

    from nutrio import conf_cmd

    conf_cmd.add_parser(sub)

    from nutrio import service

    service.add_parser(sub)

    from nutrio import upsmon_cmd

    upsmon_cmd.add_parser(sub)

    from nutrio.scan import command as scan_command

    scan_command.add_parser(sub)

    for name in CLIENT_PROGRAMS:
        sub.add_parser(name, help=f"NUT's {name}, same options and output", add_help=False)
    return parser


def _load_config(path: Path | None):  # type: ignore[no-untyped-def]
    """The config `run` would use: only drivers nutrio has (upsdrvctl fails on others)."""
    from nutrio import conf
    from nutrio.actors.drivers import DRIVERS

    return conf.load_or_default(path, drivers=DRIVERS)


def _fail(message: str) -> int:
    sys.stderr.write(f"nutrio: {message}\n")
    return 1


def _cmd_run(ns: argparse.Namespace) -> int:
    from nutrio import app, conf
    from nutrio.logs import configure_logging

    configure_logging(ns.log_format, level=ns.log_level)
    try:
        config = _load_config(ns.config)
        chaos = conf.load_chaos(ns.chaos) if ns.chaos else None
        listen = app.parse_listen_overrides(ns.listen or ())
        if ns.web_listen is not None:
            config = app.with_web_listen(config, ns.web_listen)
    except (conf.ConfigError, ValueError) as exc:
        return _fail(str(exc))
    if not config.devices and config.monitor is None and not config.server.allow_no_device:
        # upsd refuses to start without a UPS unless ALLOW_NO_DEVICE is set
        return _fail(f"{config.source}: no devices and no [monitor]: nothing to run "
                     "(set server.allow_no_device = true to serve none)")
    return app.run(config, listen=listen, chaos=chaos)


def _cmd_check_config(ns: argparse.Namespace) -> int:
    from nutrio import conf

    try:
        config = _load_config(ns.file)
    except conf.ConfigError as exc:
        return _fail(str(exc))
    sys.stdout.write(conf.describe(config) + "\n")
    for warning in _file_warnings(config):
        sys.stderr.write(f"nutrio: warning: {warning}\n")
    return 0


def _file_warnings(config: Any) -> list[str]:
    """Device files and serial ports that do not exist now (the driver waits for them)."""
    from nutrio.actors.drivers.catalog import device_file

    warnings = []
    for name, device in config.devices.items():
        path = device_file(device)
        if path is not None and not path.exists():
            where = f"{config.source}: " if config.source else ""
            warnings.append(f"{where}devices.{name}.port: {path} does not exist; its driver "
                            "reports the UPS as not connected until it does")
    return warnings


def _read_password(from_stdin: bool, prompt: Callable[[str], str] = getpass.getpass) -> str:
    """The password: one stdin line without a terminal (or with --stdin), else asked twice.

    Raises:
        ValueError: the two answers differ, or nothing came (end of input).
    """
    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise ValueError("no password on standard input (try: echo secret | nutrio passwd)")
        return line.removesuffix("\n").removesuffix("\r")
    try:
        first = prompt("Password: ")
        again = prompt("Again: ")
    except EOFError:
        raise ValueError("no password given") from None
    if again != first:
        raise ValueError("passwords differ")
    return first


def _cmd_passwd(ns: argparse.Namespace) -> int:
    from nutrio.protocol.upsd.users import hash_password

    try:
        password = _read_password(ns.stdin)
    except ValueError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    if not password:
        return _fail("empty password")
    sys.stdout.write(hash_password(password) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
