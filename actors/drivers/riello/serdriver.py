"""riello_ser: Riello units on a serial line (GPSER or SENTR), as NUT 2.8.0's riello_ser (0.07).

How it works (checked against the real binary, tests/drivers/test_riello_vs_real_nut.py;
the protocol is protocol/devices/riello/):

* ``open``: at 9600 baud, a SENTR identification (192), then a GPSER one (GI); the same at
  1200 baud; the first that answers picks the protocol. Then the start, the updates and
  the commands of actors/drivers/riello/core.py.
* A request waits about five seconds for its packet. A request that got no answer at
  all counts as answered (NUT then re-reads the last packet in its buffer): a silent
  unit is never stale; only a NAK or a bad check fails a request.
* killpower (``-k``): detection, then shutdown.stop and shutdown.return, three tries.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, Sent
from nutrio.actors.drivers.errors import DriverIOError
from nutrio.actors.drivers.riello.core import RielloCore
from nutrio.actors.drivers.serialport import SerialPort
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.riello import frames
from nutrio.protocol.devices.riello.frames import Packet, PacketFinder, Protocol

__all__ = ["RielloSer", "RielloTiming", "SerialLink"]

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class RielloTiming:
    """How long a request waits for its packet (NUT: until the clock's second has moved
    on more than four times), and each byte at most."""

    window: float = 5.0
    byte: float = 1.0


class SerialLink:
    """Requests out, bytes fed one at a time to NUT's packet finder."""

    def __init__(self, port: SerialPort, timing: RielloTiming) -> None:
        self.port = port
        self.timing = timing
        self.finder = PacketFinder()
        self.crc = False

    @property
    def buffer(self) -> bytearray:
        return self.finder.buffer

    async def exchange(self, request: bytes, protocol: Protocol, length: int = 0) -> Packet | None:
        """Send ``request``; the packet that came, or None when the window closed first
        (``length`` is for the USB link: the serial one keeps its whole buffer)."""
        self.finder.start()
        await self.port.write(request)
        deadline = trio.current_time() + self.timing.window
        while True:
            got = await self.port.read_exactly(1, self.timing.byte)
            # NUT feeds a NUL to the finder when a byte does not come in time
            packet = self.finder.feed(protocol, got[0] if got else 0, self.crc)
            if packet is not None:
                return packet
            if trio.current_time() >= deadline:
                return None


class RielloSer(RielloCore):
    """The riello_ser driver (see the module comment)."""

    name = "riello_ser"
    version_internal = "0.07"

    def __init__(self, device: DeviceLike, timing: RielloTiming | None = None) -> None:
        self.port = SerialPort(device.port, baudrate=9600)
        self.serial = SerialLink(self.port, timing or RielloTiming())
        super().__init__(self.serial)

    async def open(self, state: DeviceVars) -> None:
        await self.port.open()
        await self._detect()
        await self._initinfo(state)
        await self.poll(state)  # main.c updates once right after initinfo

    async def close(self) -> None:
        await self.port.close()

    async def killpower(self) -> Sent:
        """riello_ser -k: detection only, then shutdown.stop and shutdown.return, three
        tries. Nothing was read, so the unit is never known to be on battery and NUT's
        shutdown.return is refused: the shutdown fails as the real driver's does."""
        await self.port.open()
        await self._detect()
        return await self._shutdown()

    # -- start-up -------------------------------------------------------------

    async def _detect(self) -> None:
        """riello_comm_setup: SENTR then GPSER, at 9600 then 1200 baud."""
        for baud in (9600, 1200):
            self.port.set_baudrate(baud)
            await self.serial.exchange(bytes([frames.SENTR_ONLY192]), Protocol.SENTR)
            if self.serial.finder.count == frames.SENTR_SHORT:
                self.protocol = Protocol.SENTR
                break
            packet = await self.serial.exchange(frames.gpser_request("GI"), Protocol.GPSER)
            if packet is not None and packet.ok:
                self.protocol = Protocol.GPSER
                break
        else:
            raise DriverIOError(f"Can't connect to the UPS on port {self.port.path}!")
        log.info("driver.detected", protocol=self.protocol.value, baud=self.port.baudrate)

