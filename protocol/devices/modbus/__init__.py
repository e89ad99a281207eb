"""Modbus (NUT's apc_modbus): client frames for TCP, serial RTU and APC's USB HID
transport, and the APC Smart-UPS register map. Pure: no sockets and no trio here;
``actors/drivers/apc_modbus/`` does the I/O.
"""

from __future__ import annotations

from nutrio.protocol.devices.modbus.apc import (
    DYNAMIC,
    INVENTORY,
    STATIC,
    STATUS,
    ApcModbus,
    Refused,
)
from nutrio.protocol.devices.modbus.frames import (
    BadReply,
    ModbusError,
    ModbusException,
    ReadRequest,
    Transport,
    WriteRequest,
    crc16,
    frame,
    parse_reply,
    reply_length,
)

__all__ = [
    "DYNAMIC",
    "INVENTORY",
    "STATIC",
    "STATUS",
    "ApcModbus",
    "BadReply",
    "ModbusError",
    "ModbusException",
    "ReadRequest",
    "Refused",
    "Transport",
    "WriteRequest",
    "crc16",
    "frame",
    "parse_reply",
    "reply_length",
]
