"""Read a NUT configuration directory into a Config, with a report (`nutrio conf import`).

How it works: each of NUT's six files is tokenized with NUT's own tokenizer
(protocol.common.parseconf: quotes, backslash escapes, ``#`` comments), then read
directive by directive. Every directive lands in the report as converted,
approximated (kept, with a difference the note explains) or unsupported
(left out, with why); nothing is dropped silently. NUT 2.8 config files
have no include directive, so none is followed; an INCLUDE line is reported
like any other unknown directive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from nutrio.conf.dump import dumps
from nutrio.conf.loader import loads
from nutrio.conf.model import Config, ServerConfig, WebConfig
from nutrio.conf.nut.reader import STATUSES, ReportEntry, Status, split_key, unsupported
from nutrio.conf.nut.upsd import ServerFiles
from nutrio.conf.nut.upsmon import ClientFiles
from nutrio.protocol.common.parseconf import iter_lines

__all__ = ["NUT_FILES", "ImportResult", "ReportEntry", "Status", "import_dir", "import_files"]

NUT_FILES = ("nut.conf", "ups.conf", "upsd.conf", "upsd.users", "upsmon.conf", "upssched.conf")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    """The imported Config, its nutrio TOML text and the per-directive report."""

    config: Config
    toml: str
    report: tuple[ReportEntry, ...]

    def format_report(self) -> str:
        counts = {s: sum(e.status == s for e in self.report) for s in STATUSES}
        summary = ", ".join(f"{n} {s}" for s, n in counts.items())
        return "\n".join([*(str(e) for e in self.report), f"# {summary}"])


_BAD_SECTION = "\0bad section"
_HEADER = re.compile(r"\[[^\[\]]+\]")


def import_dir(directory: str | Path) -> ImportResult:
    """Read NUT's files from ``directory`` (missing ones count as empty)."""
    base = Path(directory).absolute()
    texts = {name: (base / name).read_bytes() for name in NUT_FILES if (base / name).is_file()}
    return import_files(texts, base)


def import_files(files: Mapping[str, bytes], base: Path) -> ImportResult:
    """Convert NUT file contents (name -> bytes); ``base`` anchors relative paths.

    The TOML text is loaded back with ``conf.loads`` before it is returned, so a
    result always makes a valid nutrio configuration.
    """
    imp = _Importer(base)
    for name in NUT_FILES:
        imp.read(name, files.get(name, b""))
    config = imp.build()
    text = f"# Imported from NUT's configuration in {base} by `nutrio conf import`.\n" + dumps(
        config
    )
    report = sorted(imp.report, key=lambda e: (NUT_FILES.index(e.file), e.line))
    return ImportResult(config=loads(text), toml=text, report=tuple(report))


class _Importer(ServerFiles, ClientFiles):
    """Collects values per file; ``build`` turns them into a Config."""

    def __init__(self, base: Path) -> None:
        super().__init__(base)
        self.mode: str | None = None

    def read(self, name: str, data: bytes) -> None:
        self.file = name
        handler = _HANDLERS[name]
        section: str | None = None
        seen: set[str] = set()
        for line in iter_lines(data):
            self.lineno = line.lineno
            if line.error:
                self.note(line.words[0] if line.words else "?", "unsupported",
                          note=f"parse error, NUT skips this line too: {line.error}")  # fmt: skip
                continue
            words = list(line.words)
            if len(words) == 1 and words[0][1:-1] not in seen and _HEADER.fullmatch(words[0]):
                section = words[0][1:-1]
                seen.add(section)
                handler(self, section, None, [])
                continue
            if words[0].startswith("["):
                section = _BAD_SECTION
                why = "duplicate" if words[0][1:-1] in seen else "bad"
                self.note(" ".join(words), "unsupported",
                          note=f"{why} section header: its settings are left out too")  # fmt: skip
                continue
            if section == _BAD_SECTION:
                self.note(words[0], "unsupported", note="in a bad section")
                continue
            key, values = split_key(words)
            handler(self, section, key, values)

    def nut_conf(self, section: str | None, key: str | None, values: list[str]) -> None:
        if key is None:
            return
        if key.upper() == "MODE" and values:
            self.mode = values[0].lower()
            note = {"none": "NUT starts nothing in MODE=none; nutrio runs what the file holds",
                    "netclient": "only upsmon runs: ups.conf, upsd.conf and upsd.users are skipped"
                    }.get(self.mode, "nutrio runs what the file holds")  # fmt: skip
            self.note("MODE", "approximated", note=note)
        else:
            self.note(key, "unsupported", note="an option for NUT's start scripts")

    def build(self) -> Config:
        client_only = self.mode == "netclient"
        if client_only:
            server_files = ("ups.conf", "upsd.conf", "upsd.users")
            self.report = [
                unsupported(e, "MODE=netclient runs neither drivers nor upsd")
                if e.file in server_files
                else e
                for e in self.report
            ]
        return Config(
            server=ServerConfig() if client_only else self.build_server(),
            devices=MappingProxyType({} if client_only else self.build_devices()),
            users=MappingProxyType({} if client_only else self.build_users()),
            monitor=self.build_monitor(),
            notify=self.build_notify(),
            scheduler=self.build_scheduler(),
            web=WebConfig(enabled=False),  # NUT's CGI programs are configured elsewhere
        )


_HANDLERS = {
    "nut.conf": _Importer.nut_conf,
    "ups.conf": _Importer.ups_conf,
    "upsd.conf": _Importer.upsd_conf,
    "upsd.users": _Importer.upsd_users,
    "upsmon.conf": _Importer.upsmon_conf,
    "upssched.conf": _Importer.upssched_conf,
}
