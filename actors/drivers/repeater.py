"""dummy-ups repeater mode: re-serve a UPS that another upsd serves.

How it works: ``port = "ups@host[:port]"`` names the remote UPS (NUT's
upscli_splitname rules, :func:`protocol.client.requests.split_ups_name`). The driver
is a NUT network client on a trio TCP stream: at each (re)connection it
logs in when ``username``/``password`` options are given, asks for
``SET TRACKING ON`` (so a forwarded command reports the remote driver's real
outcome), then reads LIST VAR, LIST RW with GET TYPE / LIST ENUM / LIST RANGE,
and LIST CMD. Each poll reads LIST VAR again. INSTCMD and SET VAR go to the
remote upsd on the same connection (the driver core serialises them with the
polls, as a single-threaded NUT driver would).

Staleness follows dummy-ups 2.8: a poll fails (the data goes stale) when the
remote upsd cannot be reached, or answers DATA-STALE or DRIVER-NOT-CONNECTED;
the next poll reconnects. At start-up an unreachable remote makes the driver
fail to open (the supervisor retries with back-off) unless the
``repeater_disable_strict_start`` flag is set, in which case it starts stale.
The remote's driver.* variables are not copied: the local core serves its own.
"""

from __future__ import annotations

import structlog
import trio

from nutrio.actors.drivers.base import DeviceLike, PollResult
from nutrio.actors.drivers.errors import (
    DriverConfigError,
    DriverError,
    DriverIOError,
    DriverTimeout,
)
from nutrio.protocol.client import requests as nut
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["RemoteUps", "Repeater", "is_repeater"]

log = structlog.get_logger()

#: One request/reply exchange with the remote upsd may take this long.
REQUEST_TIMEOUT = 5.0
#: How long a forwarded command may stay PENDING at the remote before it counts as failed.
TRACKING_TIMEOUT = 10.0
_TRACKING_STEP = 0.1
_MAX_LINE = 64 * 1024
_STALE_ERRORS = frozenset({"DATA-STALE", "DRIVER-NOT-CONNECTED"})
# remote ERR -> the outcome served to our own client (TRACKING words)
_RESULTS = {
    "CMD-NOT-SUPPORTED": ResultCode.CMD_NOT_SUPPORTED,
    "UNKNOWN-INSTCMD": ResultCode.CMD_NOT_SUPPORTED,
    "VAR-NOT-SUPPORTED": ResultCode.VAR_NOT_SUPPORTED,
    "INVALID-ARGUMENT": ResultCode.INVALID_ARGUMENT,
    "INVALID-VALUE": ResultCode.INVALID_ARGUMENT,
    "TOO-LONG": ResultCode.INVALID_ARGUMENT,
    "UNKNOWN": ResultCode.UNKNOWN,
}


def is_repeater(device: DeviceLike) -> bool:
    """dummy-ups 2.8 picks repeater mode for ``mode = repeater`` or a port with ``@``."""
    mode = device.options.get("mode")
    return mode == "repeater" or (mode is None and "@" in device.port)


class RemoteError(DriverIOError):
    """The remote upsd answered ERR; ``code`` is its word (DATA-STALE, ...)."""

    def __init__(self, code: str, request: str) -> None:
        super().__init__(f"remote upsd: ERR {code} (to {request})")
        self.code = code


class RemoteUps:
    """One NUT client connection to the remote upsd (a line protocol on TCP)."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self._stream = stream
        self._buffer = bytearray()

    @classmethod
    async def connect(cls, host: str, port: int) -> RemoteUps:
        try:
            with trio.fail_after(REQUEST_TIMEOUT):
                stream = await trio.open_tcp_stream(host, port)
        except trio.TooSlowError as exc:
            raise DriverTimeout(f"connecting to {host}:{port} timed out") from exc
        except OSError as exc:
            raise DriverIOError(f"cannot connect to {host}:{port}: {exc}") from exc
        return cls(stream)

    async def aclose(self) -> None:
        with trio.move_on_after(1, shield=True):
            await self._stream.aclose()

    async def request(self, command: str, *args: str) -> nut.Reply:
        """Send one request; the single reply line, ERR raised as :class:`RemoteError`."""
        await self._send(command, *args)
        reply = await self._reply()
        if isinstance(reply, nut.Err):
            raise RemoteError(reply.code, f"{command} {' '.join(args[:2])}")
        return reply

    async def listing(self, kind: str, *args: str) -> list[nut.Reply]:
        """LIST kind args...: the lines between BEGIN LIST and END LIST."""
        first = await self.request("LIST", kind, *args)
        if not isinstance(first, nut.BeginList):
            raise DriverIOError(f"remote upsd: unexpected reply to LIST {kind}: {first}")
        items: list[nut.Reply] = []
        while not isinstance(reply := await self._reply(), nut.EndList):
            items.append(reply)
        return items

    async def _send(self, command: str, *args: str) -> None:
        try:
            with trio.fail_after(REQUEST_TIMEOUT):
                await self._stream.send_all(nut.build_request(command, *args, strict=True))
        except trio.TooSlowError as exc:
            raise DriverTimeout("the remote upsd does not read its requests") from exc
        except (OSError, trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            raise DriverIOError(f"sending to the remote upsd failed: {exc}") from exc

    async def _reply(self) -> nut.Reply:
        try:
            with trio.fail_after(REQUEST_TIMEOUT):
                return nut.parse_reply(await self._line())
        except trio.TooSlowError as exc:
            raise DriverTimeout("the remote upsd did not answer in time") from exc
        except (OSError, trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            raise DriverIOError(f"reading from the remote upsd failed: {exc}") from exc

    async def _line(self) -> bytes:
        while (end := self._buffer.find(b"\n")) < 0:
            if len(self._buffer) > _MAX_LINE:
                raise DriverIOError("the remote upsd sent an over-long line")
            chunk = await self._stream.receive_some(4096)
            if not chunk:
                raise DriverIOError("the remote upsd closed the connection")
            self._buffer += chunk
        line = bytes(self._buffer[: end + 1])
        del self._buffer[: end + 1]
        return line


def _var_info(types: tuple[str, ...], enums: tuple[str, ...], ranges: tuple[tuple[int, int], ...]) -> VarInfo:
    """GET TYPE words (RW ENUM RANGE STRING:n NUMBER) as the flags dstate keeps."""
    string_len: int | None = None
    for word in types:
        if word.startswith("STRING:") and word[7:].isdigit():
            string_len = int(word[7:])
    return VarInfo(
        rw="RW" in types, string_len=string_len, number="NUMBER" in types,
        enums=enums, ranges=ranges,
    )


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


class Repeater:
    """dummy-ups in repeater mode (see the module comment)."""

    name = "dummy-ups"
    version_internal = "0.15-nutrio"
    flags = frozenset({"repeater_disable_strict_start"})

    def __init__(self, device: DeviceLike) -> None:
        try:
            address = nut.split_ups_name(device.port)
        except nut.AddressError as exc:
            raise DriverConfigError(f"{device.name}: bad repeater port {device.port!r}: {exc}") from exc
        assert address.upsname is not None  # split_ups_name always names the UPS
        self.ups, self.host, self.port = address.upsname, address.host, address.port
        self.username = device.options.get("username")
        self.password = device.options.get("password")
        flag = device.options.get("repeater_disable_strict_start", "")
        self.strict_start = flag == "" or flag.lower() in ("false", "no", "off", "0")
        self._remote: RemoteUps | None = None
        self._tracking = False
        self._mine: frozenset[str] = frozenset()  # variables copied from the remote

    async def open(self, state: DeviceVars) -> None:
        state.delete("driver.parameter.password")  # NUT keeps sensitive options out of dstate
        state.set("driver.parameter.mode", "repeater")
        try:
            await self._refresh(state)
        except DriverError as exc:
            if self.strict_start:
                raise
            log.warning("driver.remote_unreachable", error=str(exc), remote=self._where)

    async def poll(self, state: DeviceVars) -> PollResult:
        await self._refresh(state)
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        args = (name,) if value is None else (name, value)
        return await self._forward(state, "INSTCMD", self.ups, *args)

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        code = await self._forward(state, "SET", "VAR", self.ups, name, value)
        if code == ResultCode.SUCCESS:
            state.set(name, value)  # the remote driver took it; the next poll confirms
        return code

    async def close(self) -> None:
        await self._disconnect()

    # -- the connection -------------------------------------------------------

    @property
    def _where(self) -> str:
        return f"{self.ups}@{self.host}:{self.port}"

    async def _disconnect(self) -> None:
        if self._remote is not None:
            remote, self._remote = self._remote, None
            await remote.aclose()

    async def _connected(self, state: DeviceVars) -> RemoteUps:
        """The live connection; a new one logs in and re-reads flags and commands."""
        if self._remote is not None:
            return self._remote
        remote = await RemoteUps.connect(self.host, self.port)
        try:
            if self.username is not None:
                await remote.request("USERNAME", self.username)
            if self.password is not None:
                await remote.request("PASSWORD", self.password)
            self._tracking = await self._enable_tracking(remote)
            await self._read_vars(remote, state)
            await self._read_flags(remote, state)
        except BaseException:
            await remote.aclose()
            raise
        self._remote = remote
        log.info("driver.remote_connected", remote=self._where, tracking=self._tracking)
        return remote

    async def _enable_tracking(self, remote: RemoteUps) -> bool:
        try:
            await remote.request("SET", "TRACKING", "ON")
        except RemoteError:
            return False  # an older upsd: commands report only that they were sent
        return True

    async def _refresh(self, state: DeviceVars) -> None:
        """One poll: LIST VAR; any failure drops the connection for the next poll."""
        try:
            remote = await self._connected(state)
            await self._read_vars(remote, state)
        except RemoteError as exc:
            if exc.code not in _STALE_ERRORS:
                await self._disconnect()  # UNKNOWN-UPS, ACCESS-DENIED: start afresh
            raise
        except DriverError:
            await self._disconnect()
            raise

    # -- reading --------------------------------------------------------------

    async def _read_vars(self, remote: RemoteUps, state: DeviceVars) -> None:
        seen: dict[str, str] = {}
        for reply in await remote.listing("VAR", self.ups):
            if isinstance(reply, nut.Var) and not reply.name.lower().startswith("driver."):
                seen[reply.name] = reply.value
        for name, value in seen.items():
            state.set(name, value)
        for gone in self._mine - {n.lower() for n in seen}:
            state.delete(gone)
        self._mine = frozenset(n.lower() for n in seen)

    async def _read_flags(self, remote: RemoteUps, state: DeviceVars) -> None:
        for reply in await remote.listing("RW", self.ups):
            if isinstance(reply, nut.Rw) and not reply.name.lower().startswith("driver."):
                state.set_info(reply.name, await self._info_of(remote, reply.name))
        for reply in await remote.listing("CMD", self.ups):
            if isinstance(reply, nut.Cmd):
                state.add_command(reply.cmd)

    async def _info_of(self, remote: RemoteUps, name: str) -> VarInfo:
        reply = await remote.request("GET", "TYPE", self.ups, name)
        types = reply.types if isinstance(reply, nut.Type) else ()
        enums: tuple[str, ...] = ()
        ranges: tuple[tuple[int, int], ...] = ()
        if "ENUM" in types:
            listed = await remote.listing("ENUM", self.ups, name)
            enums = tuple(r.value for r in listed if isinstance(r, nut.Enum))
        if "RANGE" in types:
            listed = await remote.listing("RANGE", self.ups, name)
            pairs = ((_int(r.min), _int(r.max)) for r in listed if isinstance(r, nut.Range))
            ranges = tuple((lo, hi) for lo, hi in pairs if lo is not None and hi is not None)
        return _var_info(types, enums, ranges)

    # -- commands -------------------------------------------------------------

    async def _forward(self, state: DeviceVars, command: str, *args: str) -> str:
        """Send INSTCMD / SET VAR to the remote; the remote driver's outcome."""
        try:
            remote = await self._connected(state)
            reply = await remote.request(command, *args)
            if isinstance(reply, nut.OkTracking):
                return await self._wait_tracking(remote, reply.id)
        except RemoteError as exc:
            log.warning("driver.remote_refused", command=command, code=exc.code)
            return _RESULTS.get(exc.code, ResultCode.FAILED)
        except DriverError:
            await self._disconnect()
            raise
        return ResultCode.SUCCESS

    async def _wait_tracking(self, remote: RemoteUps, tracking: str) -> str:
        with trio.move_on_after(TRACKING_TIMEOUT):
            while True:
                try:
                    reply = await remote.request("GET", "TRACKING", tracking)
                except RemoteError as exc:
                    return _RESULTS.get(exc.code, ResultCode.FAILED)
                if isinstance(reply, nut.Success):
                    return ResultCode.SUCCESS
                if not isinstance(reply, nut.Pending):
                    return ResultCode.FAILED
                await trio.sleep(_TRACKING_STEP)
        return ResultCode.FAILED
