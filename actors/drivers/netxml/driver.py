"""netxml-ups: Eaton/MGE network management cards over HTTP, as NUT 2.8.0's netxml-ups
(0.44) with its MGE XML subdriver (MGEXML/0.36).

How it works (the pages' meaning is protocol/devices/netxml/; checked against the
real binary, tests/drivers/test_netxml_vs_real_nut.py):

* ``open``: a GET of "/" must answer (NUT's connectivity test), then the first of
  /mgeups/product.xml, /product.xml, /ws/product.xml that reads as XML is the
  product page; it names the summary and GET_OBJECT pages. The writable
  variables are registered empty, then one update.
* ``poll``: the GET_OBJECT page, the summary page and the product page again.
  A page counts when its body is well-formed XML, whatever the HTTP status (as
  neon reads it); two pages missing make the data stale, one is forgiven.
* ``SET VAR``: a multipart SET_OBJECT form posted to /Forms/set_obj_2 (sent a
  second time after a 401, with the credentials). NUT 2.8.0 never reads the
  card's answer to it and reports every SET as failed; so does nutrio.
* No instant commands (NUT 2.8.0's driver has none).
* ``subscribe``: NUT 2.8.0 fails every alarm subscription (its reading of the
  card's answer refuses any line) and its data is stale from the first
  update on. nutrio keeps polling, serves driver.hostname as NUT does, and
  says once that it reads alarms by polling only.
* killpower (``-k``): the connectivity test, then SET_OBJECT of
  battery.runtime.low = 999999999 (the card then shuts down at once).
"""

from __future__ import annotations

import socket
from typing import ClassVar

import httpx
import structlog

from nutrio.actors.drivers.base import DeviceLike, PollResult, Sent
from nutrio.actors.drivers.errors import DriverConfigError, DriverIOError
from nutrio.actors.drivers.netxml.client import PageError, card_client, fetch
from nutrio.actors.drivers.nutserial import CommWatch
from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.common.state import ResultCode, VarInfo
from nutrio.protocol.devices import netxml
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["NetXmlUps"]

log = structlog.get_logger()


def _at_least(device: DeviceLike, option: str, default: int, low: int, words: str) -> int:
    text = device.options.get(option)
    if text is None:
        return default
    if c_atoi(text) < low:
        raise DriverConfigError(f"{device.name}: {option.replace('_', ' ')} must be {words}")
    return c_atoi(text)


def _on(device: DeviceLike, flag: str) -> bool:
    return device.options.get(flag, "no").lower() not in ("false", "no", "off", "0")


class NetXmlUps:
    """One network management card (see the module comment)."""

    name = "netxml-ups"
    version_internal = "0.44"
    flags: ClassVar[frozenset[str]] = frozenset({"subscribe", "do_convert_deci"})

    def __init__(self, device: DeviceLike) -> None:
        self.timeout = _at_least(device, "timeout", 5, 1, "greater than 0")
        duration = _at_least(device, "shutdown_duration", 120, 0,
                             "greater than or equal to 0")
        _at_least(device, "shutdown_timer", 0, 0, "greater than or equal to 0")
        url = httpx.URL(device.port if "://" in device.port else f"http://{device.port}")
        if not url.host:
            raise DriverConfigError(f"{device.name}: invalid hostname '{device.port}'")
        self.url = str(url.copy_with(path="/", query=None, fragment=None))
        self.login = device.options.get("login", "")
        self.password = device.options.get("password", "")
        self.subscribe = _on(device, "subscribe")
        self.reader = netxml.MgeXml(ctx=netxml.Context(deci=_on(device, "do_convert_deci"),
                                                       shutdown_duration=duration))
        self.product: str | None = None
        self.client: httpx.AsyncClient | None = None
        self.watch = CommWatch()

    # -- the Driver protocol -------------------------------------------------

    async def open(self, state: DeviceVars) -> None:
        await self._connect()
        for page in netxml.PRODUCT_PAGES:
            if await self._read(page, state):
                self.product = page
                break
        else:
            raise DriverIOError(f"communication failure: no product page at {self.url}")
        state.set("driver.version.data", netxml.VERSION_DATA)
        for option in ("login", "password"):
            state.delete(f"driver.parameter.{option}")  # NUT keeps sensitive options out
        if self.subscribe:
            state.set("driver.hostname", socket.gethostname())
            log.info("netxml.subscribe_polls",
                     hint="nutrio reads the card's alarms by polling its pages")
        for name in netxml.writable():
            state.set(name, "")
            state.set_info(name, VarInfo(rw=True))
        await self.poll(state)  # main.c updates once right after initinfo

    async def poll(self, state: DeviceVars) -> PollResult:
        pages = self.reader.pages
        failed = [page for page in (pages.getobject, pages.summary, self.product)
                  if not await self._read(page, state)]
        if len(failed) > 1:
            raise DriverIOError(f"the card did not give {', '.join(map(str, failed))}")
        netxml.put_status(state, self.reader.ctx.bits)
        if not failed:
            self.watch.good()
        return PollResult()

    async def instcmd(self, state: DeviceVars, name: str, value: str | None) -> str:
        log.info("netxml.unknown_command", command=name, value=value)
        return ResultCode.CMD_NOT_SUPPORTED

    async def set_var(self, state: DeviceVars, name: str, value: str) -> str:
        await self._set_objects([(name, value)])
        return ResultCode.FAILED  # NUT 2.8.0 ignores the card's answer and says so

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    async def killpower(self) -> Sent:
        """netxml-ups -k: battery.runtime.low set beyond any runtime left."""
        await self._connect()
        try:
            await self._set_objects([("battery.runtime.low", "999999999")])
        finally:
            await self.close()
        return Sent("battery.runtime.low", "SET_OBJECT battery.runtime.low 999999999")

    # -- the card -----------------------------------------------------------------

    async def _connect(self) -> None:
        """NUT's initups: the card must answer a GET of its home page."""
        self.client = card_client(self.url, self.timeout, netxml.VERSION_DATA,
                                  self.login, self.password)
        try:
            reply = await fetch(self.client, "GET", netxml.INITUPS)
        except PageError as exc:
            await self.close()
            raise DriverIOError(f"Connectivity test: {exc}") from None
        if not reply.is_success:
            await self.close()
            raise DriverIOError(f"Connectivity test: {reply.status_code} {reply.reason_phrase}")
        log.info("netxml.connected", url=self.url, status=reply.status_code)

    async def _read(self, page: str | None, state: DeviceVars) -> bool:
        """One page read into ``state``; False when it could not be (logged once a spell)."""
        if page is None or self.client is None:
            return False
        try:
            reply = await fetch(self.client, "GET", page)
            self.reader.read(reply.content, state)
        except netxml.UnsupportedCard as exc:
            raise DriverConfigError(str(exc)) from None
        except (PageError, netxml.BadXml) as exc:
            self.watch.failed(str(exc), page=page)
            return False
        return True

    async def _set_objects(self, objects: list[tuple[str, str]]) -> None:
        if self.client is None:
            raise DriverIOError("not connected")
        body = netxml.set_object_form(objects)
        headers = {"Content-Type": netxml.FORM_CONTENT_TYPE}
        try:
            reply = await fetch(self.client, "POST", netxml.SET_OBJECT_PATH,
                                content=body, headers=headers)
        except PageError as exc:
            raise DriverIOError(str(exc)) from None
        log.info("netxml.set_object", objects=[n for n, _ in objects], status=reply.status_code)
