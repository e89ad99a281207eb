"""`nutrio conf import DIR` and `nutrio conf export FILE DIR`: moving from and to NUT.

``import`` reads NUT's six files from DIR and prints nutrio TOML (or writes it
with ``-o``); ``export`` writes NUT's six files into DIR from a nutrio TOML.
Both print a report of every directive on standard error: converted,
approximated or unsupported, so nothing is lost without a word.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser"]


def add_parser(subparsers: Any) -> None:
    """Add ``conf`` to the `nutrio` subcommands (argparse ``add_subparsers()`` result)."""
    parser = subparsers.add_parser("conf", help="import a NUT configuration, or export one")
    actions = parser.add_subparsers(dest="conf_command", metavar="ACTION", required=True)
    imp = actions.add_parser("import", help="read NUT's config files from DIR, print nutrio TOML")
    imp.add_argument("dir", type=Path, metavar="DIR", help="NUT config directory, e.g. /etc/nut")
    imp.add_argument("-o", "--output", type=Path, metavar="FILE",
                     help="write the TOML here (default: standard output)")  # fmt: skip
    imp.add_argument("--quiet", action="store_true", help="no report on standard error")
    imp.set_defaults(handler=_cmd_import)
    exp = actions.add_parser("export", help="write NUT's config files into DIR from nutrio TOML")
    exp.add_argument("file", type=Path, metavar="FILE", help="nutrio TOML file")
    exp.add_argument("dir", type=Path, metavar="DIR", help="directory for nut.conf, ups.conf, ...")
    exp.add_argument("--quiet", action="store_true", help="no report on standard error")
    exp.set_defaults(handler=_cmd_export)


def _fail(message: str) -> int:
    sys.stderr.write(f"nutrio: {message}\n")
    return 1


def _cmd_import(ns: argparse.Namespace) -> int:
    from nutrio import conf
    from nutrio.conf.nut.importer import import_dir

    if not ns.dir.is_dir():
        return _fail(f"{ns.dir}: not a directory")
    try:
        result = import_dir(ns.dir)
    except (OSError, conf.ConfigError) as exc:
        return _fail(str(exc))
    if not ns.quiet:
        sys.stderr.write(result.format_report() + "\n")
        for line in _unknown_drivers(result.config):
            sys.stderr.write(line + "\n")
    if ns.output is None:
        sys.stdout.write(result.toml)
    else:
        ns.output.write_text(result.toml, encoding="utf-8")
        ns.output.chmod(0o600)  # it holds the passwords of upsd.users and MONITOR lines
    return 0


def _unknown_drivers(config: Any) -> list[str]:
    """Drivers nutrio lacks: the TOML loads, but `nutrio run` would refuse them."""
    from nutrio.actors.drivers import DRIVERS

    return [
        f"ups.conf: [{name}] driver: approximated ({dev.driver} is not a nutrio driver; "
        f"see `nutrio drivers list --kinds`)"
        for name, dev in config.devices.items()
        if dev.driver not in DRIVERS
    ]


def _cmd_export(ns: argparse.Namespace) -> int:
    from nutrio import conf
    from nutrio.conf.nut.exporter import export_config, write_files

    try:
        result = export_config(conf.load(ns.file))
        write_files(result, ns.dir)
    except (OSError, conf.ConfigError) as exc:
        return _fail(str(exc))
    if not ns.quiet:
        for entry in result.report:
            sys.stderr.write(f"{entry}\n")
        sys.stderr.write(f"# wrote {len(result.files)} files into {ns.dir}\n")
    return 0
