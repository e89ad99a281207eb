"""Four older Tripp Lite USB units (tripplite_usb, not HID), each shaped after real dumps.

The reply bytes come from the nut-ddl dumps in ../shared/data/ddl/ (their
``ups.debug.*`` values are NUT's hex dumps of the replies); where a dump
has no such line, the bytes are the ones that give the dump's values when
NUT 2.8.0 reads them. Each answer is what follows the echoed command
letter (CR included; tests/usblab/tripplite.py pads it to 8 bytes). The
units cover the four protocol families 2.8.0 reads: 1001 (OMNIVS), 2001
(OMNIVS 2001), 3003 (SMARTPRO, hex text) and 3005 (SMART, binary).

``on_battery`` and ``low_battery`` are the answers that change (mains gone,
then the battery low); the others stay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["OMNIVS1500XL", "OMNIVSINT800", "SMART3000RM2U", "SMART500RT1U", "UNITS", "TrippUnit"]


@dataclass(frozen=True)
class TrippUnit:
    """One unit: its name, USB strings, protocol number and answers by command letter."""

    name: str
    product: str
    protocol: int
    answers: Mapping[str, bytes]
    on_battery: Mapping[str, bytes] = field(default_factory=dict)
    low_battery: Mapping[str, bytes] = field(default_factory=dict)
    vendor: str = "TRIPP LITE"

    @property
    def model(self) -> str:
        """ups.model as NUT makes it from the product string."""
        return self.product.removeprefix(self.vendor).strip(" ")


#: Tripp_Lite__Tripp_Lite__OMNIVSINT800__tripplite_usb__2.7.2__01.dev: 230 V range ('2')
OMNIVSINT800 = TrippUnit(
    name="omnivsint800", product="TRIPP LITE OMNIVSINT800", protocol=0x1001,
    answers={"W": b"\r", "S": b"10\0XXX\r", "P": b"00800X\r", "F": b"1145\0A\r",
             "V": b"202XXX\r", "B": b"0EADE8\r", "L": b"00ECXX\r", "N": b"\r", "G": b"\r"},
    on_battery={"S": b"11\0XXX\r", "B": b"0000E0\r"},
    low_battery={"S": b"01\0XXX\r", "B": b"0000B0\r"},
)

#: Tripp_Lite__Tripp_Lite__OMNIVS1500XL__tripplite_usb__2.4.1__02.dev (S and the protocol
#: reply from the 2.0.3 dump of the same model); no unit id: it echoes the last reply to U
OMNIVS1500XL = TrippUnit(
    name="omnivs1500xl", product="TRIPP LITE UPS", protocol=0x2001,
    answers={"W": b"\0\0\0\0\0\r", "S": b"1000\x000\r", "P": b"01500X\r",
             "F": b"2211\0A\r", "V": b"1040XX\r", "B": b"0CC2E8\r", "L": b"00E4XX\r",
             "N": b"\r", "G": b"\r"},
    on_battery={"S": b"1001\x000\r", "B": b"0000DC\r"},
    low_battery={"S": b"0001\x000\r", "B": b"0000B4\r"},
)

#: Tripp_Lite__Tripp_Lite__SMART3000RM2U__tripplite_usb__2.7.1__01.dev: three switchable
#: load banks, unit id 65535
SMART3000RM2U = TrippUnit(
    name="smart3000rm2u", product="TRIPP LITE SMART3000RM2U", protocol=0x3003,
    answers={"S": b"100\0(0\r", "P": b"03000X\r", "F": b"1115\0B\r", "V": b"1083XX\r",
             "U": b"\xff\xff\0\0\0\0\r", "D": b"7B82\r\0\0", "M": b"777D\r\0\0",
             "T": b"972571\r", "L": b"0931\0X\r", "A": b"\r", "Z": b"\r", "N": b"\r",
             "K": b"\r", "J": b"\r", "G": b"\r"},
    on_battery={"S": b"100\x01(0\r", "D": b"0080\r\0\0", "L": b"1531\0X\r"},
    low_battery={"S": b"000\x01(0\r", "D": b"006E\r\0\0", "L": b"1531\0X\r"},
)

#: Tripp_Lite__Tripp_Lite__SMART500RT1U__tripplite_usb__2.7.2__02.dev (03: on battery):
#: binary numbers, one switchable bank, unit id 0
SMART500RT1U = TrippUnit(
    name="smart500rt1u", product="TRIPP LITE SMART500RT1U", protocol=0x3005,
    answers={"W": b"\r", "S": b"\x01\x04\x00\x00\x64\x00\r", "P": b"00500X\r",
             "F": b"334401\r", "V": b"\x02\x00\x0c\x01XX\r", "U": b"\0\0\0\0\0\0\r",
             "D": b"\x00\x79\x00\x8b\r\0\0", "M": b"\x00\x74\x00\x7f\r\0\0",
             "T": b"\x20\x00\x02\x57\x01X\r", "L": b"\x14\x00\x00\x07XX\r", "A": b"\r",
             "Z": b"\r", "N": b"\r", "K": b"\r", "J": b"\r", "G": b"\r"},
    on_battery={"S": b"\x01\x04\x00\x01\x64\x00\r", "D": b"\x00\x00\x00\x84\r\0\0"},
    low_battery={"S": b"\x00\x04\x00\x01\x64\x00\r", "D": b"\x00\x00\x00\x6e\r\0\0"},
)

UNITS = (OMNIVSINT800, OMNIVS1500XL, SMART3000RM2U, SMART500RT1U)
