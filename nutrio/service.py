"""`nutrio install-service`: the systemd unit, the USB udev rules and a first config.

The unit is ``nutrio/data/nutrio.service`` with ExecStart rewritten to the
`nutrio` executable this command runs from. The udev rules (nutrio/udev.py)
give the group ``nut`` (``--usb-group``) the USB UPSes nutrio's drivers claim;
udev is told to apply them to what is plugged in now. A config is installed only where
none exists: nutrio's built-in demo (one simulated UPS, a harmless
SHUTDOWNCMD), its ``dummy.seq``, and the commented example beside it. Then
``systemctl daemon-reload`` and ``systemctl enable --now nutrio``, unless told
not to or systemd is not running; the steps are printed instead.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from nutrio.udev import RULES_DIR, RULES_NAME, render_rules

__all__ = ["InstallOptions", "add_parser", "find_executable", "install", "render_unit"]

UNIT_NAME = "nutrio.service"
UNIT_DIR = Path("/etc/systemd/system")
CONFIG = Path("/etc/nutrio/nutrio.toml")
TEMPLATE = Path(__file__).parent / "data" / UNIT_NAME
#: the unit's statepath: RuntimeDirectory=nutrio, where `nutrio drivers` finds the tree
STATEPATH = "/run/nutrio"
#: ProtectHome=yes hides these; an executable or config there needs read-only instead
_HOMES = (Path("/home"), Path("/root"), Path("/run/user"))

Runner = Callable[[Sequence[str]], int]


@dataclass(frozen=True)
class InstallOptions:
    """What to install where; paths are as the service sees them (without ``root``)."""

    executable: Path
    config: Path = CONFIG
    unit_dir: Path = UNIT_DIR
    root: Path | None = None
    dry_run: bool = False
    enable: bool = True
    usb_group: str = "nut"
    rules_dir: Path = RULES_DIR

    def on_disk(self, path: Path) -> Path:
        """*path* under ``root`` (an image being built, a test's directory)."""
        return path if self.root is None else self.root / path.relative_to(path.anchor)


def add_parser(subparsers: Any) -> None:
    """Add ``install-service`` to the `nutrio` subcommands."""
    p = subparsers.add_parser("install-service", help="install and start the systemd service")
    p.add_argument("--config", type=Path, default=CONFIG, metavar="PATH",
                   help=f"config the service runs (default: {CONFIG}; installed if absent)")
    p.add_argument("--unit-dir", type=Path, default=UNIT_DIR, metavar="DIR",
                   help=f"where nutrio.service goes (default: {UNIT_DIR})")
    p.add_argument("--root", type=Path, metavar="DIR",
                   help="write every file under DIR (image builds, tests); no systemctl")
    p.add_argument("--dry-run", action="store_true",
                   help="print what would be done, change nothing")
    p.add_argument("--no-enable", action="store_true",
                   help="skip systemctl daemon-reload and enable --now; print them")
    p.add_argument("--usb-group", default="nut", metavar="GROUP",
                   help="the group the udev rules give USB UPSes to (default: nut)")
    p.add_argument("--rules-dir", type=Path, default=RULES_DIR, metavar="DIR",
                   help=f"where {RULES_NAME} goes (default: {RULES_DIR})")
    p.set_defaults(handler=_cmd_install_service)


def _cmd_install_service(ns: argparse.Namespace) -> int:
    try:
        options = InstallOptions(
            executable=find_executable(), config=ns.config.absolute(),
            unit_dir=ns.unit_dir.absolute(), root=ns.root.absolute() if ns.root else None,
            dry_run=ns.dry_run, enable=not ns.no_enable, usb_group=ns.usb_group,
            rules_dir=ns.rules_dir.absolute(),
        )
        return install(options, sys.stdout)
    except (OSError, LookupError, ValueError) as exc:
        sys.stderr.write(f"nutrio: install-service: {exc}\n")
        return 1


def find_executable() -> Path:
    """The `nutrio` script running now, else the one beside this Python, else on PATH.

    Raises:
        LookupError: no `nutrio` executable anywhere.
    """
    candidates = [Path(sys.argv[0]), Path(sys.executable).parent / "nutrio"]
    on_path = shutil.which("nutrio")
    if on_path:
        candidates.append(Path(on_path))
    for path in candidates:
        if path.name == "nutrio" and path.is_file() and os.access(path, os.X_OK):
            return path.resolve()
    raise LookupError("no `nutrio` executable found (install nutrio with pip or pipx first)")


def render_unit(template: str, executable: Path, config: Path) -> str:
    """The unit text with ExecStart naming *executable* and *config*."""
    command = " ".join(_quote(str(a)) for a in (executable, "run", "--config", config))
    text = re.sub(r"(?m)^ExecStart=.*$", lambda _: f"ExecStart={command}", template, count=1)
    if any(_under(p, home) for p in (executable, config) for home in _HOMES):
        text = re.sub(r"(?m)^ProtectHome=yes$", "ProtectHome=read-only", text)
    return text


def install(options: InstallOptions, out: IO[str], run: Runner | None = None) -> int:
    """Write the unit and (if absent) the config, then enable the service; 0 on success."""
    unit = render_unit(TEMPLATE.read_text(encoding="utf-8"), options.executable, options.config)
    _put(options, options.unit_dir / UNIT_NAME, unit, 0o644, out, replace=True)
    _put(options, options.rules_dir / RULES_NAME, render_rules(options.usb_group), 0o644, out,
         replace=True)
    if options.on_disk(options.config).exists():
        out.write(f"kept {options.on_disk(options.config)} (already there)\n")
    else:
        for path, text, mode in _first_config(options.config):
            _put(options, path, text, mode, out, replace=False)
    steps = [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", UNIT_NAME]]
    udev = [["udevadm", "control", "--reload-rules"],
            ["udevadm", "trigger", "--subsystem-match=usb", "--action=change"]]
    reason = _why_not_enable(options)
    if reason is not None:
        out.write(f"not running systemctl ({reason}); next steps:\n")
        out.writelines(f"  {' '.join(step)}\n" for step in [*udev, *steps])
        return 0
    runner = run or _run
    for step in udev:  # a machine without udev (a container) still gets the service
        out.write(f"running {' '.join(step)}\n")
        if shutil.which(step[0]) is None or runner(step) != 0:
            out.write(f"{' '.join(step)} did not succeed: plug the UPS in again instead\n")
            break
    for step in steps:
        out.write(f"running {' '.join(step)}\n")
        code = runner(step)
        if code != 0:
            out.write(f"{' '.join(step)} failed with exit status {code}\n")
            return code
    out.write("nutrio.service is enabled and started: systemctl status nutrio\n")
    return 0


def _first_config(config: Path) -> list[tuple[Path, str, int]]:
    """The demo config (with the unit's statepath), its dummy.seq, the full example."""
    from nutrio import conf  # the embedded files are package data of conf

    default = conf.DEFAULT_PATH
    example = default.parent.parent / "examples" / "nutrio.toml"
    lines = default.read_text(encoding="utf-8").splitlines(keepends=True)
    while lines and lines[0].startswith("#"):  # its header speaks of `nutrio run` alone
        lines.pop(0)
    text = _with_statepath("".join(lines))
    header = (
        "# Installed by `nutrio install-service`: nutrio's demo config. One simulated UPS\n"
        '# ("dummy") on 127.0.0.1:3493, a status page on 127.0.0.1:8080 (admin / admin).\n'
        "# Describe your UPSes here (nutrio.example.toml shows every key), check with\n"
        f"# `nutrio check-config {config}`, then `systemctl restart nutrio`.\n"
    )
    files = [(config, header + text, 0o600),  # it holds passwords
             (config.parent / "dummy.seq", (default.parent / "dummy.seq").read_text(), 0o644)]
    if example.exists():
        files.append((config.parent / "nutrio.example.toml", example.read_text(), 0o600))
    return files


def _with_statepath(text: str) -> str:
    if re.search(r"(?m)^\s*statepath\s*=", text):
        return text
    note = "the unit's RuntimeDirectory: `nutrio drivers` looks here"
    line = f'statepath = "{STATEPATH}"  # {note}\n'
    return re.sub(r"(?m)^\[server\]\n", lambda m: m.group(0) + line, text, count=1)


def _put(options: InstallOptions, path: Path, text: str, mode: int, out: IO[str], *,
         replace: bool) -> None:
    """Write *text* with *mode* from the first byte (never briefly world-readable)."""
    target = options.on_disk(path)
    if target.exists() and (not replace or target.read_text(encoding="utf-8") == text):
        out.write(f"kept {target} ({'unchanged' if replace else 'already there'})\n")
        return
    if options.dry_run:
        out.write(f"would write {target} (mode {mode:04o})\n")
        if path.suffix in (".service", ".rules"):
            out.write(text)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.new")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), mode)  # the umask may have taken bits away
        f.write(text)
    os.replace(partial, target)
    out.write(f"wrote {target} (mode {mode:04o})\n")


def _why_not_enable(options: InstallOptions) -> str | None:
    if options.dry_run:
        return "--dry-run"
    if not options.enable:
        return "--no-enable"
    if options.root is not None:
        return "--root: this system's systemd does not see those files"
    if shutil.which("systemctl") is None:
        return "systemctl not found"
    if not Path("/run/systemd/system").is_dir():
        return "systemd is not running on this machine"
    return None


def _run(argv: Sequence[str]) -> int:
    return subprocess.run(list(argv), check=False).returncode


def _under(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _quote(arg: str) -> str:
    """One ExecStart word: % and $ doubled (specifiers, variables), quoted if needed."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if arg and not re.search(r'[\s"\'\\;]', arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'
