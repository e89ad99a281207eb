"""upsmon's own ways to tell: a syslog datagram, ``wall``, and a command through the shell.

Each function delivers one notification and says how (``None``: sent as
asked) or raises :class:`DeliveryFailed`; the notifier's outboxes call them.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence

import structlog
import trio

from nutrio.protocol.notify.channels import DeliveryFailed
from nutrio.protocol.notify.events import Notification

__all__ = ["SYSLOG_PRIORITY", "run_command", "run_shell", "send_syslog", "send_wall"]

log = structlog.get_logger()

#: syslog(3) priority of upsmon's notices: facility daemon, level notice.
SYSLOG_PRIORITY = 3 * 8 + 5


async def send_syslog(path: str, n: Notification) -> str | None:
    """upsmon: upslogx(LOG_NOTICE, ...) to the daemon facility, ident "upsmon"."""
    sent_to = "log"
    if os.path.exists(path):
        stamp = time.localtime(n.at)
        header = f"<{SYSLOG_PRIORITY}>{time.strftime('%b', stamp)} {stamp.tm_mday:2d} "
        line = f"{header}{time.strftime('%H:%M:%S', stamp)} upsmon[{os.getpid()}]: {n.message}"
        try:
            with trio.socket.socket(trio.socket.AF_UNIX, trio.socket.SOCK_DGRAM) as sock:
                await sock.sendto(line.encode(), path)
            sent_to = "syslog"
        except OSError as exc:
            log.warning("notify.syslog_unreachable", path=path, error=str(exc))
    log.info("notify.syslog", notify_type=n.type.value, ups=n.ups, message=n.message, to=sent_to)
    return f"sent to {path}" if sent_to == "syslog" else f"written to nutrio's log (no {path})"


async def send_wall(command: Sequence[str], n: Notification) -> str | None:
    """``wall`` reads the text on its standard input, as upsmon's popen does."""
    if shutil.which(command[0]) is None:
        log.info("notify.wall_unavailable", command=command[0], message=n.message)
        return f"written to nutrio's log ({command[0]} not found)"
    await run_command("wall", command, stdin=(n.message + "\n").encode())
    return None


async def run_shell(what: str, command: str, argument: str, cause: Notification) -> None:
    """Run ``command "argument"`` through the shell, as upsmon's system() call does.

    The argument goes in as "$1", so quotes or ``$`` in a message stay text.
    upsmon sets UPSNAME to "" for events without a UPS (SHUTDOWN). nutrio
    adds NUTRIO_TEST=1 to a test notification and NUTRIO_EVENT to a
    threshold rule's events (``threshold.<name>``), so a script can tell.
    """
    env = {**os.environ, "NOTIFYTYPE": cause.type.value, "UPSNAME": cause.ups}
    if cause.test:
        env["NUTRIO_TEST"] = "1"
    if cause.rule:
        env["NUTRIO_EVENT"] = cause.event
    argv = ("/bin/sh", "-c", f'{command} "$1"', "sh", argument)
    await run_command(what, argv, env=env)


async def run_command(
    what: str, argv: Sequence[str], *, stdin: bytes = b"", env: dict[str, str] | None = None
) -> None:
    """Run *argv*; DeliveryFailed when it cannot start or exits non-zero."""
    try:
        done = await trio.run_process(
            list(argv), stdin=stdin, capture_stdout=True, capture_stderr=True, check=False, env=env
        )
    except OSError as exc:
        raise DeliveryFailed(what, str(exc)) from exc
    if done.returncode != 0:
        stderr = done.stderr.decode(errors="replace")[-400:].strip()
        said = f": {stderr}" if stderr else ""
        raise DeliveryFailed(what, f"exit status {done.returncode}{said}")
    log.info("notify.ran", command=what)
