"""Driver names NUT retired for nutdrv_qx protocols: megatec, mustek, powermust, fentonups,
bestups, and megatec_usb (nutdrv_qx over USB).

The catalog maps each to a :class:`RenamedQx` subclass: nutdrv_qx with
the protocol NUT moved those devices to, the old driver's options moved to
nutdrv_qx's (protocol/devices/megatec/old_names.py), and says so in one
warning line that names the driver to use instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

import structlog

from nutrio.actors.drivers.base import DeviceLike, put_core_vars
from nutrio.actors.drivers.megatec.driver import NutdrvQx
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.megatec.old_names import OLD_DRIVERS, OldDriver, translate

__all__ = [
    "RenamedDevice",
    "RenamedQx",
    "RetiredBestups",
    "RetiredFentonups",
    "RetiredMegatec",
    "RetiredMegatecUsb",
    "RetiredMustek",
    "RetiredPowermust",
]

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class RenamedDevice:
    """A ups.conf section as nutdrv_qx sees it: its driver and options translated."""

    original: DeviceLike
    options: Mapping[str, str]
    driver: str = "nutdrv_qx"
    #: "auto" for a USB driver's section, whatever its port said (NUT's USB drivers ignore it)
    usb_port: str | None = None

    @property
    def name(self) -> str:
        return self.original.name

    @property
    def port(self) -> str:
        return self.usb_port or self.original.port

    @property
    def desc(self) -> str:
        return self.original.desc

    @property
    def pollinterval(self) -> float | None:
        return self.original.pollinterval

    @property
    def maxage(self) -> float | None:
        return self.original.maxage

    @property
    def config_dir(self) -> Path:
        return self.original.config_dir

    @property
    def maxstartdelay(self) -> float:
        return self.original.maxstartdelay


class RenamedQx(NutdrvQx):
    """nutdrv_qx for a section naming the retired driver ``old`` (one subclass per name):
    it translates the section, says so once, and serves the translated options."""

    old: ClassVar[OldDriver]

    def __init__(self, device: DeviceLike) -> None:
        options, moves = translate(self.old, device.options)
        log.warning(
            "driver.renamed", driver=device.driver, use="nutdrv_qx", protocol=options["protocol"],
            history=self.old.history,
            options={move.option: move.note for move in moves} or None,
        )
        super().__init__(RenamedDevice(device, MappingProxyType(options),
                                       usb_port="auto" if self.old.usb else None))
        self.original = device

    async def open(self, state: DeviceVars) -> None:
        for key in self.original.options:  # the core served the section's own options
            state.delete(f"driver.parameter.{key}")
            state.delete(f"driver.flag.{key}")
        put_core_vars(state, self.device, self)
        await super().open(state)


class RetiredMegatec(RenamedQx):
    old = OLD_DRIVERS["megatec"]


class RetiredMustek(RenamedQx):
    old = OLD_DRIVERS["mustek"]


class RetiredPowermust(RenamedQx):
    old = OLD_DRIVERS["powermust"]


class RetiredFentonups(RenamedQx):
    old = OLD_DRIVERS["fentonups"]


class RetiredBestups(RenamedQx):
    old = OLD_DRIVERS["bestups"]


class RetiredMegatecUsb(RenamedQx):
    old = OLD_DRIVERS["megatec_usb"]
