"""CyberPower serial UPSes: NUT's powerpanel, its text and binary protocols."""

from nutrio.protocol.devices.powerpanel import binary, text

__all__ = ["binary", "text"]
