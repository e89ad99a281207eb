"""TOML configuration loaded into frozen dataclasses.

Pure: no trio, no sockets. ``load``/``loads`` check everything up front and
raise ``ConfigError(path, line, key, message)`` naming where the mistake is.
"""

from nutrio.conf.describe import describe
from nutrio.conf.dump import dumps
from nutrio.conf.errors import ConfigError
from nutrio.conf.loader import (
    DEFAULT_PATH,
    default_config,
    load,
    load_chaos,
    load_or_default,
    loads,
)
from nutrio.conf.model import (
    ChaosConfig,
    Config,
    DeviceConfig,
    FaultConfig,
    LogConfig,
    LogEntry,
    MonitorConfig,
    MonitorUps,
    NotifyConfig,
    SchedulerConfig,
    SchedulerRule,
    ServerConfig,
    TlsConfig,
    UserConfig,
    WebConfig,
)
from nutrio.conf.netaddr import NUT_PORT, format_hostport, parse_listen, parse_system

__all__ = [
    "DEFAULT_PATH",
    "NUT_PORT",
    "ChaosConfig",
    "Config",
    "ConfigError",
    "DeviceConfig",
    "FaultConfig",
    "LogConfig",
    "LogEntry",
    "MonitorConfig",
    "MonitorUps",
    "NotifyConfig",
    "SchedulerConfig",
    "SchedulerRule",
    "ServerConfig",
    "TlsConfig",
    "UserConfig",
    "WebConfig",
    "default_config",
    "describe",
    "dumps",
    "format_hostport",
    "load",
    "load_or_default",
    "load_chaos",
    "loads",
    "parse_listen",
    "parse_system",
]
