"""blazer_usb: NUT's older megatec driver over a USB-to-serial bridge (drivers/blazer_usb.c 2.8.0).

blazer_ser's protocol work (blazer_ser.py) over blazer_usb's own USB side: its four
bridges (cypress, phoenix, ippon, krauler, each as blazer_usb carries bytes: a
cypress reply is searched for its CR only up to the first NUL, krauler adds no
missing CR and takes "UPS No Ack" only as the whole reply), its smaller id table
(0001:0000 and ffff:0000 are krauler), and its options: ``subdriver``, the USB
matching options and ``langid_fix`` (its language table read happens whether or
not ``noscanlangid`` is given, a flag blazer_usb does not know). Its instant
commands share one buffer with their reply, which matters where krauler echoes.
"""

from __future__ import annotations

from nutrio.actors.drivers.base import DeviceLike
from nutrio.actors.drivers.megatec.blazer_ser import BlazerSer
from nutrio.actors.drivers.megatec.transport import QxTransport
from nutrio.actors.drivers.megatec.usb import BLAZER_USB, UsbTransport
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["BlazerUsb"]


class BlazerUsb(BlazerSer):
    """blazer_usb: blazer_ser over a USB bridge (see the module comment)."""

    name = "blazer_usb"
    version_internal = "0.14"

    @staticmethod
    def default_transport(device: DeviceLike, reply_timeout: float) -> QxTransport:
        return UsbTransport(device, BLAZER_USB)

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        """blazer_instcmd hands blazer_command one buffer for the command and its reply: a
        command the krauler bridge echoes comes back empty, which blazer calls success."""
        usb = self.transport if isinstance(self.transport, UsbTransport) else None
        if usb is not None:
            usb.state.in_place = True
        try:
            return await super().instcmd(state, name, value)
        finally:
            if usb is not None:
                usb.state.in_place = False
