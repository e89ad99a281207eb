"""The other tables: [web], [log], [chaos]."""

from __future__ import annotations

from nutrio.conf.model import ChaosConfig, FaultConfig, LogConfig, LogEntry, WebConfig
from nutrio.conf.netaddr import format_hostport
from nutrio.conf.schema.base import BOOLEAN, INTEGER, NUMBER, STRING, Section, key, table

__all__ = ["EXTRA_SECTIONS"]


def _listen_one(value: tuple[str, int]) -> str:
    return format_hostport(*value)


EXTRA_SECTIONS: tuple[Section, ...] = (
    table(
        "web", WebConfig, "",
        "The status page (the role of NUT's CGI programs); off without this table.",
        key("enabled", BOOLEAN, "", "false: keep the table but serve no page"),
        key("listen", STRING, "", "host:port of the page", to_toml=_listen_one),
        key("template_dir", STRING, "", "directory with templates replacing the built-in ones",
            shown="the built-in templates"),
    ),
    table("log", LogConfig, "upslog", "Power statistics written as upslog does."),
    table(
        "log.entry", LogEntry, "upslog", "One logged UPS (one upslog instance).",
        key("ups", STRING, "upslog -s", "ups@host[:port]"),
        key("interval", NUMBER, "upslog -i", "seconds between lines"),
        key("format", STRING, "upslog -f", "line format with %VAR name%, %TIME fmt%, ..."),
        key("file", STRING, "upslog -l", 'log file; `"-"` for standard output',
            shown="standard output"),
        array=True,
    ),
    table(
        "chaos", ChaosConfig, "",
        "Fault injection, off when absent (also `nutrio run --chaos FILE`).",
        key("seed", INTEGER, "", "random seed: same seed, same faults"),
    ),
    table(
        "chaos.fault", FaultConfig, "", "One injected fault; all its conditions must hold.",
        key("target", STRING, "", 'actor id it applies to ("server", "driver:myups", ...)'),
        key("kind", STRING, "", "crash, delay, drop or freeze"),
        key("after_messages", INTEGER, "", "not before this many messages went through"),
        key("after_seconds", NUMBER, "", "not before this many seconds after start"),
        key("probability", NUMBER, "", "chance of firing at each opportunity (0 to 1)"),
        key("delay", NUMBER, "", 'seconds of delay, for `kind = "delay"` only'),
        key("duration", NUMBER, "", "seconds frozen or dropping (freeze, drop)",
            shown="for ever"),
        key("times", INTEGER, "", "faults injected at most", shown="no limit"),
        array=True,
    ),
)  # fmt: skip
