"""What contact-closure drivers share: nothing to command, nothing to write."""

from __future__ import annotations

from nutrio.protocol.common.state import ResultCode
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["ReadOnly"]


class ReadOnly:
    """A driver of a UPS that only shows contacts: no instant commands, no writable
    variables (NUT's genericups and liebert register none)."""

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        return ResultCode.CMD_NOT_SUPPORTED

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        return ResultCode.VAR_NOT_SUPPORTED
