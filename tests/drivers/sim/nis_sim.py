"""A stand-in for apcupsd's NIS (port 3551): answers "status" with the records a real
apcupsd 3.14 gave for the APC smart simulator (tests/drivers/sim/apcupsd_daemon.py
runs the real daemon; this one is for fast tests). ``mode`` = "normal" | "silent"
(connections accepted, never answered) | "drop" (closed at once) | "garbage" (a
record longer than any apcupsd sends). ``records`` can be changed; ``requests``
counts the questions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import trio

__all__ = ["NisSim", "SMART_UPS_1000"]

SMART_UPS_1000 = {
    "APC": "001,046,1042", "DATE": "2026-12-07 05:58:25 +0000  ", "HOSTNAME": "vm",
    "VERSION": "3.14.14 (31 May 2016) debian", "UPSNAME": "UPS_IDEN",
    "CABLE": "Custom Cable Smart", "DRIVER": "APC Smart UPS (any)", "UPSMODE": "",
    "MODEL": "Smart-UPS 1000", "STATUS": "ONLINE ", "LINEV": "230.4 Volts",
    "LOADPCT": "21.3 Percent", "BCHARGE": "100.0 Percent", "TIMELEFT": "45.0 Minutes",
    "MBATTCHG": "0 Percent", "MINTIMEL": "0 Minutes", "MAXLINEV": "235.2 Volts",
    "MINLINEV": "226.8 Volts", "OUTPUTV": "230.4 Volts", "SENSE": "High",
    "DWAKE": "0 Seconds", "DSHUTD": "20 Seconds", "LOTRANS": "196.0 Volts",
    "HITRANS": "253.0 Volts", "RETPCT": "0.0 Percent", "ITEMP": "36.0 C",
    "BATTV": "27.4 Volts", "LINEFREQ": "50.0 Hz", "LASTXFER": "No transfers since turnon",
    "SELFTEST": "OK", "STESTI": "336", "STATFLAG": "0x05000008", "MANDATE": "01/25/20",
    "SERIALNO": "AS1234567890", "BATTDATE": "11/29/21", "NOMOUTV": "230 Volts",
    "NOMBATTV": "24.0 Volts", "FIRMWARE": "652.13.I", "END APC": "2026-12-07 05:58:26 +0000  ",
}


def _record(name: str, value: str) -> bytes:
    line = f"{name:<9}: {value}\n".encode("latin-1")
    return len(line).to_bytes(2, "big") + line


@dataclass
class NisSim:
    records: dict[str, str] = field(default_factory=lambda: dict(SMART_UPS_1000))
    mode: str = "normal"
    requests: int = 0

    def on_battery(self, low: bool = False) -> None:
        self.records["STATUS"] = "ONBATT LOWBATT " if low else "ONBATT "
        self.records["LINEV"] = "0.0 Volts"

    def on_line(self) -> None:
        self.records["STATUS"] = "ONLINE "
        self.records["LINEV"] = "230.4 Volts"

    async def serve(self, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        task_status.started(listeners[0].socket.getsockname()[1])
        await trio.serve_listeners(self._answer, listeners)

    async def _answer(self, stream: trio.SocketStream) -> None:
        async with stream:
            asked = b""
            while len(asked) < 8 and (chunk := await stream.receive_some(64)):
                asked += chunk
            self.requests += 1
            if self.mode == "drop" or asked != b"\x00\x06status":
                return
            while self.mode == "silent":
                await trio.sleep(0.05)
            if self.mode == "garbage":
                await stream.send_all(b"\x07\xd0" + b"x" * 2000)
                return
            body = b"".join(_record(k, v) for k, v in self.records.items())
            await stream.send_all(body + b"\x00\x00")
