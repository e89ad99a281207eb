"""An APC Smart-UPS (051d:0003) that speaks Modbus over USB HID, for the lab.

Facts from the libmodbus fork NUT's apc_modbus links (src/modbus-rtu-usb.c): a
request is an RTU frame without its CRC in one 64-byte interrupt OUT report on
endpoint 0x01, led by the report id of APC's usage 0xff8600fc; the reply comes
the same way on 0x81 under the report id of 0xff8600fd. The fork's defaults are
0x90 and 0x89. The real SMT750's report descriptor is in no capture we have: the
one here is **synthetic**, a small power-device part (PresentStatus bits as an
input report 0x01, which the unit also sends on 0x81 and a Modbus client must
skip) and APC's vendor page 0xFF86 with the two 63-byte Modbus reports.
The registers behind it are tests/drivers/sim/apc_modbus_sim.ApcModbusUps.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from sim.apc_modbus_sim import ApcModbusUps

from tests.drivers.hid.builder import APPLICATION, DATA_VAR_ABS, DescriptorBuilder
from tests.usblab.hid import hid_class_descriptor
from tests.usblab.models import Endpoint, Interface, Setup, UsbError, UsbModel
from tests.usblab.wire import UsbStatus

__all__ = ["ModbusHidUps", "modbus_descriptor"]

RX_ID, TX_ID = 0x90, 0x89
_REPORT = 64


def modbus_descriptor(rx_id: int = RX_ID, tx_id: int = TX_ID) -> bytes:
    b = DescriptorBuilder()
    b.usage_page(0x84)
    with b.collection(0x04, APPLICATION), b.collection(0x24):  # UPS, PowerSummary
        b.report(0x01, size=1, count=2).logical(0, 1)
        with b.collection(0x02):  # PresentStatus: ACPresent, Discharging
            b.usage_page(0x85).usage(0xD0).usage(0x45).input(DATA_VAR_ABS)
        b.count(6).input(0x01)
    b.usage_page(0xFF86)
    with b.collection(0x01, APPLICATION):
        b.logical(0, 255).report(rx_id, size=8, count=_REPORT - 1).usage(0xFC).output(DATA_VAR_ABS)
        b.report(tx_id, size=8, count=_REPORT - 1).usage(0xFD).input(DATA_VAR_ABS)
    return b.build()


def _request_length(adu: bytes) -> int:
    """Unit, function and what the function carries (the reports are zero padded)."""
    if len(adu) > 6 and adu[1] == 0x10:
        return 7 + adu[6]
    return 6


class ModbusHidUps(UsbModel):
    """The SMT750 on USB (see the module comment); ``ups`` holds its registers."""

    def __init__(self, ups: ApcModbusUps | None = None, *, rx_id: int = RX_ID,
                 tx_id: int = TX_ID, product_id: int = 0x0003, **identity: Any) -> None:
        self.descriptor = modbus_descriptor(rx_id, tx_id)
        identity.setdefault("strings", {1: "American Power Conversion",
                                        2: "Smart-UPS 750 FW:UPS 09.8", 3: "AS1316113420"})
        identity.setdefault("interfaces", (Interface(
            extra=hid_class_descriptor(len(self.descriptor)),
            endpoints=(Endpoint(0x81, 3, _REPORT, 10), Endpoint(0x01, 3, _REPORT, 10))),))
        super().__init__(0x051D, product_id, **identity)
        self.ups = ups or ApcModbusUps()
        self.rx_id, self.tx_id = rx_id, tx_id
        self.outgoing: deque[bytes] = deque()
        #: input reports of the power-device part to send before the next Modbus reply
        self.chatter: deque[bytes] = deque()

    def class_request(self, setup: Setup, data: bytes) -> bytes | int:
        if setup.kind == "standard" and setup.request == 0x06 and setup.value >> 8 == 0x22:
            return self.descriptor
        if setup.kind == "class" and setup.request == 0x0A:  # SET_IDLE
            return 0
        raise UsbError(UsbStatus.PIPE)

    def write(self, endpoint: int, data: bytes) -> int:
        if endpoint != 0x01 or not data or data[0] != self.rx_id:
            return len(data)
        adu = data[1:]
        reply = self.ups.adu_answer(adu[:_request_length(adu)])
        if reply is not None:
            self.outgoing.extend(self.chatter)
            self.chatter.clear()
            for i in range(0, len(reply), _REPORT - 1):  # a long reply spans reports
                chunk = reply[i:i + _REPORT - 1]
                self.outgoing.append(bytes([self.tx_id]) + chunk.ljust(_REPORT - 1, b"\0"))
        return len(data)

    def read(self, endpoint: int, length: int) -> bytes | None:
        return self.outgoing.popleft() if self.outgoing else None
