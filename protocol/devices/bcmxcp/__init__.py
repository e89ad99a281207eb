"""The BCM/XCP protocol of Powerware/Eaton UPSes, as NUT 2.8.0's bcmxcp and bcmxcp_usb speak it.

Pure: answers in, variables and status words out, request bytes back.

- ``frame``: request frames, checksums, the reply block checks;
- ``meters``: the meter map and the meter block's value formats;
- ``alarms``: the alarm map and the active alarms;
- ``blocks``: the ID, config, limit, battery, outlet, topology and status blocks;
- ``commands``: instant commands, settings and their acknowledgements.
"""

from __future__ import annotations

from nutrio.protocol.devices.bcmxcp.alarms import ALARM_NAMES, ActiveAlarms, AlarmMap, alarm_text
from nutrio.protocol.devices.bcmxcp.blocks import (
    IdBlock,
    Outlet,
    battery_vars,
    config_vars,
    limit_vars,
    low_battery_warning,
    outlets,
    status_words,
    topology_mask,
    topology_name,
)
from nutrio.protocol.devices.bcmxcp.commands import (
    ACCEPTED,
    CONFIG_REQUEST,
    DEFAULT_COMMANDS,
    SYSTEM_TEST_REQUEST,
    Step,
    ack_result,
    command_list,
    instcmd_step,
    listed_commands,
    settable,
    setvar_step,
    shutdown_seconds,
    system_tests,
)
from nutrio.protocol.devices.bcmxcp.frame import (
    AUTHORIZATION,
    ESCAPE,
    MAX_BLOCK_DATA,
    START,
    USB_DEVICES,
    USB_REQUESTS,
    Cmd,
    FrameError,
    block_ok,
    checksum,
    request,
    sum_ok,
)
from nutrio.protocol.devices.bcmxcp.meters import MeterMap, decode, get_word

__all__ = [
    "ACCEPTED", "ALARM_NAMES", "AUTHORIZATION", "CONFIG_REQUEST", "DEFAULT_COMMANDS", "ESCAPE",
    "MAX_BLOCK_DATA", "START", "SYSTEM_TEST_REQUEST", "USB_DEVICES", "USB_REQUESTS", "ActiveAlarms", "AlarmMap", "Cmd",
    "FrameError", "IdBlock", "MeterMap", "Outlet", "Step", "ack_result", "alarm_text",
    "battery_vars", "block_ok", "checksum", "command_list", "config_vars", "decode", "get_word",
    "instcmd_step", "limit_vars", "listed_commands", "low_battery_warning", "outlets", "request",
    "settable", "setvar_step", "shutdown_seconds", "status_words", "sum_ok", "system_tests",
    "topology_mask", "topology_name",
]
