"""Typed reads from one TOML table of a notify channel; a ValueError names ``section.key``.

Shared by the channel settings of :mod:`protocol.notify.channels`. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NoReturn

from nutrio.protocol.notify.routing import ALL_TYPES

__all__ = ["Keys"]


class Keys:
    """Typed reads from one TOML table; errors name ``section.key``."""

    _ROUTING = ("events", "scheduled", "timeout", "retries", "backoff", "backoff_max", "queue")

    def __init__(self, data: Mapping[str, Any], section: str, own: tuple[str, ...]) -> None:
        if not isinstance(data, Mapping):
            raise ValueError(f"{section}: expected a table")  # noqa: TRY004 (a config error)
        self.data, self.section = data, section
        for key in data:
            if key not in own and key not in self._ROUTING:
                self.fail(key, "unknown key")

    def fail(self, key: str, message: str) -> NoReturn:
        raise ValueError(f"{self.section}.{key}: {message}")

    def string(self, key: str, *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, "missing required key")
            return None
        if not isinstance(value, str) or not value:
            self.fail(key, "expected a non-empty string")
        return str(value)

    def chat_id(self, key: str) -> str:
        """A required id given as a whole number or a string (Telegram's chat_id, "@name")."""
        value = self.data.get(key)
        if value is None:
            self.fail(key, "missing required key")
        if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
            self.fail(key, "expected a whole number or a non-empty string")
        return str(value)

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, ())
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(
            isinstance(item, str) and item for item in items
        ):
            self.fail(key, "expected a string or a list of strings")
        return tuple(items)

    def number(self, key: str, default: float, *, low: float = 0.0) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
            self.fail(key, f"expected a number >= {low:g}")
        return float(value)

    def integer(self, key: str, default: int, *, low: int = 0, high: int | None = None) -> int:
        value = self.data.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < low
            or (high is not None and value > high)
        ):
            self.fail(key, f"expected a whole number >= {low}")
        return int(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "expected true or false")
        return bool(value)

    def headers(self) -> Mapping[str, str]:
        value = self.data.get("headers", {})
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            self.fail("headers", "expected a table of strings")
        return MappingProxyType(dict(value))

    def routing(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "events" in self.data:
            events = frozenset(e.upper() for e in self.string_list("events"))
            for event in sorted(events - ALL_TYPES):
                self.fail("events", f"unknown notify type {event!r}")
            out["events"] = events
        if "scheduled" in self.data:
            out["scheduled"] = frozenset(self.string_list("scheduled"))
        for key in ("timeout", "backoff", "backoff_max"):
            if key in self.data:
                out[key] = self.number(key, 0.0, low=0.0)
        if out.get("timeout") == 0.0:
            self.fail("timeout", "must be above 0")
        if "retries" in self.data:
            out["retries"] = self.integer("retries", 0)
        if "queue" in self.data:
            out["queue"] = self.integer("queue", 1, low=1)
        return out
