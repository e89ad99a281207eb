"""How nutdrv_qx gives up: its fatalx() calls, as exceptions."""

from __future__ import annotations

__all__ = ["QxConfigError", "QxFatal"]


class QxFatal(RuntimeError):
    """nutdrv_qx gives up (its fatalx): the device cannot be driven as configured."""


class QxConfigError(QxFatal, ValueError):
    """A ups.conf setting nutdrv_qx refuses (out of range, malformed)."""
