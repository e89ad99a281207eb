"""`nutrio upsmon -c fsd|stop|reload|test` and ``-K``: NUT's ``upsmon -c`` / ``-K`` for nutrio.

upsmon lives inside `nutrio run`, so the commands reach that process:

- ``fsd`` asks it over the control socket (:mod:`actors.control`) to start
  upsmon's forced shutdown now, as if a UPS had gone critical: FSD on every
  UPS it is primary for, HOSTSYNC for the secondaries, then SHUTDOWNCMD.
  Refused when the configuration has no [monitor].
- ``stop`` sends SIGTERM and ``reload`` SIGHUP to the process the control
  socket names; ``stop`` ends the whole tree (upsd too), not upsmon alone.
- ``test [TYPE]`` (nutrio's own) sends one test notification through every
  channel of the running notifier and prints how each one fared: TEST by
  default (every channel), or TYPE marked as a test ("TEST: " before its
  text, NUTRIO_TEST=1 for NOTIFYCMD, ``"test": true`` for the webhook),
  which goes where that type's flags and routing send it. Exit 1 when a
  channel failed. The upssched rules never see a test.

``-K`` checks the POWERDOWNFLAG file as ``upsmon -K`` does (exit 0: set), for
the late shutdown scripts that decide whether to power the UPS off.

``-P PID`` signals that process directly (SIGUSR1, SIGTERM or SIGHUP, as
upsmon does) without reading the configuration. As with upsmon, a command
that reaches no process exits 1 with the reason on stderr.

Example::

    $ nutrio upsmon --config /etc/nutrio.toml -c fsd
    forced shutdown started: setting FSD on ups@localhost
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Any

__all__ = ["SIGNALS", "add_parser", "main"]

#: What each command is as a signal (upsmon 2.8's own choice for -P).
SIGNALS = {"fsd": signal.SIGUSR1, "stop": signal.SIGTERM, "reload": signal.SIGHUP}
#: The client's wait for `-c test` (the running nutrio waits 20 s for its channels).
TEST_TIMEOUT = 30.0


def add_parser(subparsers: Any) -> None:
    """Add ``upsmon`` to the `nutrio` subcommands (argparse ``add_subparsers()`` result)."""
    parser = subparsers.add_parser(
        "upsmon", help="send upsmon's fsd, stop, reload or test to a running `nutrio run` "
        "(upsmon -c)",
        description="NUT's `upsmon -c` for the upsmon inside `nutrio run`: fsd starts the "
        "forced shutdown (FSD on the UPSes it is primary for, HOSTSYNC, SHUTDOWNCMD), "
        "stop ends the whole `nutrio run` (SIGTERM), reload re-reads its config (SIGHUP), "
        "test sends a test notification through every channel (nutrio's own).",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("-c", dest="upsmon_command", metavar="COMMAND",
                      choices=(*SIGNALS, "test"), help="fsd, stop, reload or test")
    what.add_argument("-K", dest="check_flag", action="store_true",
                      help="exit 0 if the POWERDOWNFLAG file is set (the UPS should be "
                      "powered off at the end of the shutdown), 1 if not")
    parser.add_argument("-P", dest="pid", metavar="PID", type=int,
                        help="signal this process (fsd: SIGUSR1) instead of asking the "
                        "control socket; the config is not read")
    parser.add_argument("notify_type", nargs="?", metavar="TYPE",
                        help="with -c test: the notify type to rehearse (default TEST, "
                        "which goes to every channel)")
    parser.add_argument("--ups", help="with -c test: the UPS named in it (default: the first "
                        "[[monitor.ups]], else the first device)")
    parser.add_argument("--config", type=Path, help="nutrio TOML file (default: embedded demo)")
    parser.add_argument("--socket", type=Path, help="control socket (default: from the config)")
    parser.set_defaults(handler=main)


def _fail(message: str) -> int:
    sys.stderr.write(f"nutrio upsmon: {message}\n")
    return 1


def main(ns: argparse.Namespace) -> int:
    if ns.check_flag:
        return _check_flag(ns.config)
    command: str = ns.upsmon_command
    if (ns.notify_type is not None or ns.ups is not None) and command != "test":
        return _fail("TYPE and --ups go with -c test only")
    if ns.pid is not None:
        if command == "test":
            return _fail("-c test has no signal: it needs the control socket (leave out -P)")
        return _signal(ns.pid, command)
    from nutrio import conf
    from nutrio.actors.control import control_socket_path

    try:
        config = conf.load_or_default(ns.config)
    except conf.ConfigError as exc:
        return _fail(str(exc))
    if command == "fsd" and config.monitor is None:
        return _fail(f"{config.source}: no [monitor]: this nutrio runs no upsmon, "
                     "so there is no forced shutdown to start")
    if command == "test" and config.monitor is None and not config.notify.thresholds:
        return _fail(f"{config.source}: no [monitor] and no [[notify.threshold]]: this nutrio "
                     "runs no notifier to test")
    path = ns.socket or control_socket_path(config.server.statepath, config.source)
    fields = {"type": ns.notify_type, "ups": ns.ups} if command == "test" else {}
    reply = _ask(path, command, config.source, fields)
    if isinstance(reply, int):
        return reply
    if command == "test":
        sys.stdout.write("".join(f"{line}\n" for line in reply.get("done", [])))
        return 0 if reply.get("delivered") else 1
    if command == "fsd":
        for line in reply.get("done", []):
            sys.stdout.write(f"{line}\n")
        return 0
    pid = reply.get("pid")
    if not isinstance(pid, int):
        return _fail(f"the control socket at {path} named no process")
    return _signal(pid, command)


def _ask(
    path: Path, command: str, source: Path | None, fields: dict[str, str | None]
) -> dict[str, Any] | int:
    """The control socket's reply, or the exit code after saying why there is none."""
    from nutrio.drivers_ctl import request

    op = {"fsd": "fsd", "test": "notify-test"}.get(command, "pid")
    ups = fields.pop("ups", None)
    try:
        reply = request(path, op, ups, TEST_TIMEOUT, **fields)
    except (FileNotFoundError, ConnectionRefusedError) as exc:
        return _fail(f"no nutrio runs with {source}: nothing listens on {path} ({exc.strerror})")
    except (OSError, ValueError, TypeError) as exc:
        return _fail(f"cannot reach the running nutrio at {path}: {exc}")
    if not reply.get("ok"):
        return _fail(str(reply.get("error", "request refused")))
    return reply


def _signal(pid: int, command: str) -> int:
    signum = SIGNALS[command]
    if pid <= 0:  # kill(0 or -1, ...) would hit a whole group
        return _fail(f"invalid pid {pid}")
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        return _fail(f"no process {pid}")
    except PermissionError:
        return _fail(f"not allowed to signal process {pid}")
    sys.stdout.write(f"sent {signum.name} to {pid} ({command})\n")
    return 0


def _check_flag(config_path: Path | None) -> int:
    """upsmon -K: for the late shutdown scripts, is the power-down flag set?"""
    from nutrio import conf
    from nutrio.protocol.upsmon.shutdown_pipe import flag_file_is_ours

    try:
        config = conf.load_or_default(config_path)
    except conf.ConfigError as exc:
        return _fail(str(exc))
    flag = config.monitor.powerdownflag if config.monitor else None
    if flag is None:
        return _fail("no [monitor] powerdownflag in the config: nothing to check")
    sys.stderr.write(f"Using power down flag file {flag}\n")
    try:
        content = flag.read_text(errors="replace")
    except OSError:
        sys.stderr.write("Power down flag is not set\n")
        return 1
    if not flag_file_is_ours(content):  # upsmon will not act on a file it did not write
        sys.stderr.write(f"POWERDOWNFLAG ({flag}) does not contain the upsmon magic string\n")
        return 1
    sys.stderr.write("Power down flag is set\n")
    return 0

