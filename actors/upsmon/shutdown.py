"""The privilege-separated shutdown: a root helper and the monitor's side of it.

upsmon forks before it drops root: the parent stays root and only waits on a
pipe for one byte, then writes POWERDOWNFLAG and runs SHUTDOWNCMD; the child
runs as RUN_AS_USER and does everything else. We do the same with a separate
process, started before the supervisor drops privileges:

    python -m actors.upsmon.shutdown --fd N --shutdowncmd CMD [--powerdownflag PATH]

The helper reads the pipe (protocol.upsmon.shutdown_pipe decides): the one request
runs SHUTDOWNCMD once and exits; anything else is logged and the helper exits
without running it; end of file (the main process died) ends it quietly.

The main process holds the only write end (non-inheritable, so NOTIFYCMD
children never keep it open). It talks to the helper through
:class:`PipeShutdown`; without a helper (not root, or no RUN_AS_USER),
:class:`LocalShutdown` runs the command itself, as ``upsmon -p`` does.
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import os
import pwd
import select
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import structlog

from nutrio.protocol.upsmon.shutdown_pipe import (
    RUN_SHUTDOWN,
    SDMAGIC,
    ParentGone,
    Refused,
    RunShutdown,
    decode,
    flag_file_is_ours,
)

__all__ = [
    "HelperProcess",
    "LocalShutdown",
    "PipeShutdown",
    "ShutdownRunner",
    "clear_powerdown_flag",
    "drop_privileges",
    "main",
    "prepare_shutdown",
    "spawn_helper",
    "write_powerdown_flag",
]

log = structlog.get_logger()


class ShutdownRunner(Protocol):
    """What the monitor needs: ask once for the shutdown; is the helper alive?

    ``requested`` turns true at the first request (a reload must not restart
    upsmon after that).
    """

    @property
    def requested(self) -> bool: ...

    async def request_shutdown(self) -> None: ...

    def helper_alive(self) -> bool: ...


# -- the flag file (root side, or in-process without a helper) ---------------


def write_powerdown_flag(path: Path | None) -> None:
    """set_pdflag: tell the late shutdown scripts to power the UPS off."""
    if path is None:
        return
    try:
        path.write_text(SDMAGIC)
    except OSError as exc:
        log.error("shutdown.powerdownflag_failed", path=str(path), error=str(exc))


def clear_powerdown_flag(path: Path | None) -> None:
    """clear_pdflag at start-up: remove the flag, but only one that upsmon wrote."""
    if path is None:
        return
    try:
        content = path.read_text(errors="replace")
    except FileNotFoundError:
        return
    except OSError as exc:
        log.error("shutdown.powerdownflag_unreadable", path=str(path), error=str(exc))
        return
    if flag_file_is_ours(content):
        path.unlink(missing_ok=True)
    else:
        log.error("shutdown.powerdownflag_foreign", path=str(path))


# -- the monitor's side ----------------------------------------------------------


class PipeShutdown:
    """The unprivileged side: one byte to the root helper, at most once."""

    def __init__(self, fd: int, helper: HelperProcess | None = None) -> None:
        self.fd = fd
        self.helper = helper
        self.requested = False

    async def request_shutdown(self) -> None:
        if self.requested:
            return
        self.requested = True
        try:
            os.write(self.fd, RUN_SHUTDOWN)  # one byte to a pipe: never blocks long
        except OSError as exc:
            log.critical("shutdown.helper_unreachable", error=str(exc))
            return
        log.info("shutdown.requested", via="root-helper")

    def helper_alive(self) -> bool:
        """check_parent: the pipe's read end is closed once the helper is gone."""
        poller = select.poll()
        poller.register(self.fd, select.POLLOUT)
        return not any(ev & (select.POLLERR | select.POLLHUP) for _, ev in poller.poll(0))


class LocalShutdown:
    """No helper: write the flag and run SHUTDOWNCMD ourselves, at most once."""

    def __init__(self, shutdowncmd: str | None, powerdownflag: Path | None = None) -> None:
        self.shutdowncmd = shutdowncmd
        self.powerdownflag = powerdownflag
        self.requested = False

    async def request_shutdown(self) -> None:
        import trio  # the helper process never needs trio

        if self.requested:
            return
        self.requested = True
        if os.geteuid() != 0:
            log.warning("shutdown.not_root")  # "Not root, shutdown may fail"
        write_powerdown_flag(self.powerdownflag)
        if self.shutdowncmd is None:
            log.critical("shutdown.no_command")
            return
        result = await trio.run_process(self.shutdowncmd, shell=True, check=False)
        if result.returncode != 0:
            log.error("shutdown.command_failed", command=self.shutdowncmd, code=result.returncode)
        else:
            log.info("shutdown.command_ran", command=self.shutdowncmd)

    def helper_alive(self) -> bool:
        return True


# -- starting the helper and dropping root ---------------------------------------


@dataclass
class HelperProcess:
    """The running root helper and the write end of its pipe."""

    process: subprocess.Popen[bytes]
    fd: int

    @property
    def pid(self) -> int:
        return self.process.pid


def spawn_helper(shutdowncmd: str, powerdownflag: Path | None = None) -> HelperProcess:
    """Start the root helper with the read end of a fresh pipe.

    Call while still root and before any other thread or child exists.
    """
    read_fd, write_fd = os.pipe()  # both non-inheritable by default
    argv = [sys.executable, "-m", "nutrio.actors.upsmon.shutdown", "--fd", str(read_fd),
            "--shutdowncmd", shutdowncmd]
    if powerdownflag is not None:
        argv += ["--powerdownflag", str(powerdownflag)]
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)}
    process = subprocess.Popen(argv, pass_fds=(read_fd,), env=env, cwd="/",
                               stdin=subprocess.DEVNULL)
    os.close(read_fd)
    log.info("shutdown.helper_started", pid=process.pid)
    return HelperProcess(process=process, fd=write_fd)


def drop_privileges(user: str) -> None:
    """Become ``user`` (its groups, gid, then uid) for good.

    Raises:
        KeyError: no such user.
        PermissionError: root could be regained (should never happen).
    """
    entry = pwd.getpwnam(user)
    # Load now what Python would import lazily later: once root is gone the
    # interpreter's own files may be unreadable (getaddrinfo needs this codec).
    import encodings.idna  # noqa: F401

    os.setgroups([g.gr_gid for g in grp.getgrall() if user in g.gr_mem] + [entry.pw_gid])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    with contextlib.suppress(PermissionError):
        os.setuid(0)
        raise PermissionError("root privileges could be regained after dropping them")
    log.info("privileges.dropped", user=user, uid=entry.pw_uid, gid=entry.pw_gid)


def hand_over_dir(path: Path, user: str) -> None:
    """Make ``path`` (created 0700 if missing) the dropped tree's, while still root.

    systemd's RuntimeDirectory and a fresh statepath belong to root: after the
    drop the tree could not create its control socket there. Only a directory
    root owns is handed over; one already given to someone else is left alone.
    """
    entry = pwd.getpwnam(user)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == 0:
        os.chown(path, entry.pw_uid, entry.pw_gid)
        log.info("privileges.dir_handed_over", path=str(path), user=user)


def prepare_shutdown(
    shutdowncmd: str | None, powerdownflag: Path | None, run_as_user: str | None,
    own_dirs: Sequence[Path] = (),
) -> ShutdownRunner:
    """Set up the shutdown path before Trio starts; drops root if asked to.

    As root with ``run_as_user``: clear an old POWERDOWNFLAG, hand ``own_dirs``
    (the statepath) to that user, start the root helper, then drop to
    ``run_as_user``; the result talks to the helper. Otherwise the returned
    runner runs SHUTDOWNCMD in-process.
    """
    if os.geteuid() == 0:
        clear_powerdown_flag(powerdownflag)
    if os.geteuid() == 0 and run_as_user:
        for path in own_dirs:
            hand_over_dir(path, run_as_user)
    if os.geteuid() == 0 and run_as_user and shutdowncmd:
        helper = spawn_helper(shutdowncmd, powerdownflag)
        drop_privileges(run_as_user)
        return PipeShutdown(helper.fd, helper)
    if os.geteuid() == 0 and run_as_user:
        drop_privileges(run_as_user)
    return LocalShutdown(shutdowncmd, powerdownflag)


# -- the helper process ------------------------------------------------------------


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m actors.upsmon.shutdown")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--shutdowncmd", required=True)
    parser.add_argument("--powerdownflag", type=Path)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Wait for the one request on the pipe; see the module docstring."""
    args = _parse(sys.argv[1:] if argv is None else argv)
    structlog.contextvars.bind_contextvars(actor="shutdown-helper")
    # signals are the monitor's business; only the pipe decides (runparent)
    for signum in (signal.SIGHUP, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, signal.SIG_IGN)
    log.info("actor.started", pid=os.getpid())
    while True:
        try:
            chunk = os.read(args.fd, 64)
        except InterruptedError:
            continue
        except OSError as exc:
            log.error("shutdown_helper.read_failed", error=str(exc))
            return 1
        break
    match decode(chunk):
        case ParentGone():
            log.info("shutdown_helper.parent_gone")
            return 1
        case Refused(data):
            log.error("shutdown_helper.refused", data=repr(data))
            return 1
        case RunShutdown():
            return _run(args.shutdowncmd, args.powerdownflag)


def _run(command: str, powerdownflag: Path | None) -> int:
    write_powerdown_flag(powerdownflag)
    log.critical("shutdown_helper.running", command=command)
    code = subprocess.run(command, shell=True, check=False).returncode
    if code != 0:
        log.error("shutdown_helper.command_failed", command=command, code=code)
    return 0


if __name__ == "__main__":
    from nutrio.logs import configure_logging

    configure_logging("json")
    sys.exit(main())
