"""The lab's record of every call a client made: what tests compare, byte for byte."""

from __future__ import annotations

from dataclasses import dataclass

from tests.usblab.models import Setup

__all__ = ["TRANSFERS", "Call"]

#: the ops that move data; the rest (open, claim, ...) are bookkeeping
TRANSFERS = frozenset({"control", "interrupt", "bulk"})


@dataclass(frozen=True, slots=True)
class Call:
    """One request as the device server saw it and what it answered.

    ``client`` is the program's name (``USBLAB_CLIENT`` or the executable's short
    name); ``device`` is ``"bus:address"`` of the device the call reached ("" for
    enumeration); ``setup`` is set for control transfers, ``endpoint`` for
    interrupt and bulk ones; ``out`` the bytes sent to the device, ``back`` the
    bytes returned; ``status`` libusb's return value (bytes moved for control
    transfers, 0 or an error code for the rest).
    """

    seq: int
    time: float
    client: str
    pid: int
    op: str
    device: str
    args: tuple[int, ...] = ()
    setup: Setup | None = None
    endpoint: int | None = None
    length: int = 0
    out: bytes = b""
    back: bytes = b""
    status: int = 0

    @property
    def is_transfer(self) -> bool:
        return self.op in TRANSFERS

    def wire(self) -> tuple[object, ...]:
        """The part two clients must share to count as the same transfer on the bus."""
        return (self.op, self.setup, self.endpoint, self.length, self.out, self.back, self.status)

    def __str__(self) -> str:
        if self.setup is not None:
            where = str(self.setup)
        elif self.endpoint is not None:
            where = f"ep {self.endpoint:02x} {self.length}"
        else:
            where = " ".join(map(str, self.args))
        data = f" > {self.out.hex(' ')}" if self.out else ""
        data += f" < {self.back.hex(' ')}" if self.back else ""
        return f"{self.client} {self.op} {where}{data} = {self.status}"
