"""The one error the configuration package raises."""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """A configuration file is wrong; names the file, the line and the key.

    ``str(error)`` reads like a compiler message so editors can jump to it:
    ``nutrio.toml:12: devices.myups.pollinterval: expected a number, got "fast"``.
    ``line`` is None when the position is unknown (for instance a key that is
    missing from a table the text never declares), ``key`` is None for errors
    that are about the file as a whole (TOML syntax, unreadable file).
    """

    def __init__(self, path: str | Path, line: int | None, key: str | None, message: str) -> None:
        super().__init__(path, line, key, message)
        self.path = str(path)
        self.line = line
        self.key = key
        self.message = message

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        if self.key:
            return f"{where}: {self.key}: {self.message}"
        return f"{where}: {self.message}"
