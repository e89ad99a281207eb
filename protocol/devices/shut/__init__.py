"""SHUT, Eaton/MGE's HID over a serial line (NUT's mge-shut): packets, checksums,
descriptors. Pure; ``actors/drivers/mge_shut/`` does the I/O and hands the HID reports
to protocol/devices/hid's session, as usbhid-ups does."""

from __future__ import annotations

from nutrio.protocol.devices.shut.frames import (
    ACK,
    DESCRIPTOR_DEVICE,
    DESCRIPTOR_HID,
    DESCRIPTOR_REPORT,
    DESCRIPTOR_STRING,
    LAST,
    NAK,
    NOTIFY,
    REQUEST,
    RESPONSE,
    SYNC,
    SYNC_LIGHT,
    SYNC_OFF,
    DeviceDescriptor,
    Setup,
    checksum,
    data_length,
    packet,
    request_packets,
    string_text,
)

__all__ = [
    "ACK",
    "DESCRIPTOR_DEVICE",
    "DESCRIPTOR_HID",
    "DESCRIPTOR_REPORT",
    "DESCRIPTOR_STRING",
    "LAST",
    "NAK",
    "NOTIFY",
    "REQUEST",
    "RESPONSE",
    "SYNC",
    "SYNC_LIGHT",
    "SYNC_OFF",
    "DeviceDescriptor",
    "Setup",
    "checksum",
    "data_length",
    "packet",
    "request_packets",
    "string_text",
]
