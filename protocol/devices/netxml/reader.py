"""Reading the card's XML pages as netxml-ups 2.8.0's MGE XML subdriver does.

How it works: the pages are read element by element (expat here, libxml2
through neon in NUT); each element gets a state from its parent's state and
its name (``_CHILDREN``), and three places act:

* a start tag: the product page's PRODUCT_INFO attributes (ups.firmware.aux,
  ups.serial, device.type), the other pages' URLs (summary, GET_OBJECT, the
  subscription), an OBJECT's name, an ALARM's object, value and date;
* text inside an OBJECT is the object's value (``val``);
* an end tag: an OBJECT's value goes through its row of table.py (and
  convert.py); the end of a GET_OBJECT guesses the number of phases.

As in NUT, the last object's name and value live on between elements and
pages (an end tag with no value seen does nothing), and the status bits live
on between updates.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from xml.parsers import expat

from nutrio.protocol.common.phasecount import PhaseGuess, detect_phasecount
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.netxml.convert import CONVERT, Context
from nutrio.protocol.devices.netxml.table import row_for

__all__ = ["BadXml", "MgeXml", "Pages", "UnsupportedCard"]

#: NUT keeps an object's name and value in 128-byte buffers
_BUF = 127


class BadXml(ValueError):
    """A page that is not well-formed XML (the update counts it as a failed page)."""


class UnsupportedCard(ValueError):
    """A card that speaks XML protocol version 4 (NUT's netxml-ups reads version 3 only)."""


class S(enum.Enum):
    """Element states (NUT's mge_xml_state_t)."""

    ROOT = enum.auto()
    UNEXPECTED = enum.auto()
    PRODUCT_INFO = enum.auto()
    PI_SUMMARY = enum.auto()
    PI_HTML_PROPERTIES_PAGE = enum.auto()
    PI_XML_SUMMARY_PAGE = enum.auto()
    PI_CENTRAL_CFG = enum.auto()
    PI_CSV_LOGS = enum.auto()
    PI_ALARMS = enum.auto()
    PI_SUBSCRIPTION = enum.auto()
    PI_POLLING = enum.auto()
    PI_MANAGEMENT = enum.auto()
    PI_MANAGEMENT_PAGE = enum.auto()
    PI_XML_MANAGEMENT_PAGE = enum.auto()
    PI_UPS_DATA = enum.auto()
    PI_GET_OBJECT = enum.auto()
    PI_SET_OBJECT = enum.auto()
    SUMMARY = enum.auto()
    SU_OBJECT = enum.auto()
    GET_OBJECT = enum.auto()
    GO_OBJECT = enum.auto()
    SET_OBJECT = enum.auto()
    ALARM = enum.auto()
    XML_CLIENT = enum.auto()
    XC_GENERAL = enum.auto()
    XC_STARTUP = enum.auto()
    XC_SHUTDOWN = enum.auto()
    XC_BROADCAST = enum.auto()


_XC_CHILDREN = {"startup": S.XC_STARTUP, "shutdown": S.XC_SHUTDOWN, "broadcast": S.XC_BROADCAST}
#: parent state -> element name (lower case) -> the element's state
_CHILDREN: dict[S, dict[str, S]] = {
    S.ROOT: {"product_info": S.PRODUCT_INFO, "summary": S.SUMMARY, "get_object": S.GET_OBJECT,
             "set_object": S.SET_OBJECT, "alarm": S.ALARM, "xml-client": S.XML_CLIENT},
    S.PRODUCT_INFO: {"summary": S.PI_SUMMARY, "alarms": S.PI_ALARMS,
                     "management": S.PI_MANAGEMENT, "ups_data": S.PI_UPS_DATA,
                     "dev_data": S.PI_UPS_DATA},
    S.PI_SUMMARY: {"html_properties_page": S.PI_HTML_PROPERTIES_PAGE,
                   "xml_summary_page": S.PI_XML_SUMMARY_PAGE, "central_cfg": S.PI_CENTRAL_CFG,
                   "csv_logs": S.PI_CSV_LOGS},
    S.PI_ALARMS: {"subscription": S.PI_SUBSCRIPTION, "polling": S.PI_POLLING},
    S.PI_MANAGEMENT: {"management_page": S.PI_MANAGEMENT_PAGE,
                      "xml_management_page": S.PI_XML_MANAGEMENT_PAGE},
    S.PI_UPS_DATA: {"get_object": S.PI_GET_OBJECT, "set_object": S.PI_SET_OBJECT},
    S.SUMMARY: {"object": S.SU_OBJECT},
    S.GET_OBJECT: {"object": S.GO_OBJECT},
    # NUT lets XML-CLIENT's own children through as GENERAL's
    S.XML_CLIENT: {"general": S.XC_GENERAL, **_XC_CHILDREN},
    S.XC_GENERAL: _XC_CHILDREN,
}
#: elements whose url attribute names a page the driver reads later
_URLS = {S.PI_XML_SUMMARY_PAGE: "summary", S.PI_CENTRAL_CFG: "configure",
         S.PI_SUBSCRIPTION: "subscribe", S.PI_GET_OBJECT: "getobject",
         S.PI_SET_OBJECT: "setobject"}


def url_path(text: str) -> str:
    """A page's url attribute as a path: "/" and its first word."""
    words = text.split(None, 1)
    return "/" + (words[0] if words else "(null)")


@dataclass
class Pages:
    """The pages the product page points to (None: not named)."""

    summary: str | None = None
    getobject: str | None = None
    setobject: str | None = None
    configure: str | None = None
    subscribe: str | None = None


@dataclass
class MgeXml:
    """One card's reading state, across pages and updates."""

    ctx: Context = field(default_factory=Context)
    pages: Pages = field(default_factory=Pages)
    var: str = ""
    val: str = ""
    phases: dict[str, PhaseGuess] = field(default_factory=lambda: {
        p: PhaseGuess() for p in ("input.", "input.bypass.", "output.")})

    def read(self, page: bytes, state: DeviceVars) -> None:
        """Apply one page to ``state`` (what came before an error stays applied).

        Raises:
            BadXml: the page is not well-formed.
            UnsupportedCard: the product page says XML.V4.
        """
        stack = [S.ROOT]
        parser = expat.ParserCreate()
        parser.ordered_attributes = True

        def start(name: str, attrs: list[str]) -> None:
            element = _CHILDREN.get(stack[-1], {}).get(name.lower(), S.UNEXPECTED)
            pairs = list(zip(attrs[0::2], attrs[1::2], strict=True))
            self._start(element, pairs, state)
            stack.append(element)

        def text(data: str) -> None:
            if data != "\n" and stack[-1] in (S.SU_OBJECT, S.GO_OBJECT):
                self.val = (self.val + data)[:_BUF]

        def end(name: str) -> None:
            self._end(stack.pop(), state)

        parser.StartElementHandler = start
        parser.CharacterDataHandler = text
        parser.EndElementHandler = end
        try:
            parser.Parse(page, True)
        except expat.ExpatError as exc:
            raise BadXml(str(exc)) from None

    def _start(self, element: S, attrs: list[tuple[str, str]], state: DeviceVars) -> None:
        if element is S.PRODUCT_INFO:
            self._product(attrs, state)
        for key, value in attrs:
            key = key.lower()
            if element in _URLS and key == "url":
                setattr(self.pages, _URLS[element], url_path(value))
            elif element in (S.SU_OBJECT, S.GO_OBJECT) and key == "name":
                self.var, self.val = value[:_BUF], ""
            elif element is S.XC_SHUTDOWN and key == "shutdowntimer":
                state.set("driver.timer.shutdown", value)
            elif element is S.XC_SHUTDOWN and key == "shutdownduration":
                state.set("driver.delay.shutdown", value)
        if element is S.ALARM:
            self._alarm(attrs, state)

    def _product(self, attrs: list[tuple[str, str]], state: DeviceVars) -> None:
        """PRODUCT_INFO name="Network Management Card" type="Mosaic M" version="BA"."""
        for key, value in attrs:
            key = key.lower()
            if key == "name":
                self.val = value[:_BUF]
            elif key == "type":
                self.val = f"{self.val}/{value}"[:_BUF]
                if value.lower() == "transverse":
                    self.ctx.ambient = True
                elif "ePDU" in value:
                    state.set("device.type", "pdu")
            elif key == "version":
                self.val = f"{self.val}/{value}"[:_BUF]
                head, sep, serial = self.val.partition(" (SN ")
                if sep:
                    state.set("ups.serial", serial.rstrip(")"))
                    self.val = head
                state.set("ups.firmware.aux", self.val)
            elif key == "protocol" and value.lower() == "xml.v4":
                raise UnsupportedCard("XML v4 protocol is not supported!")

    def _alarm(self, attrs: list[tuple[str, str]], state: DeviceVars) -> None:
        self.var = self.val = ""
        for key, value in attrs:
            key = key.lower()
            if key == "object":
                self.var = value[:_BUF]
            elif key == "value":
                self.val = value[:_BUF]
            elif key == "date":
                time = CONVERT["date_time"](self.ctx, state, value)
                state.set("ups.time", time if time is not None else "(null)")

    def _end(self, element: S, state: DeviceVars) -> None:
        if not self.val:
            return  # NUT ignores an end tag while no value is kept
        if element in (S.ALARM, S.SU_OBJECT, S.GO_OBJECT):
            self._object(state)
        elif element in (S.PI_GET_OBJECT, S.GET_OBJECT):
            # all of the card's measurements are in: NUT guesses the phases here
            for prefix, guess in self.phases.items():
                detect_phasecount(state, prefix, guess)

    def _object(self, state: DeviceVars) -> None:
        row = row_for(self.var)
        if row is None:
            return
        if row.static and row.nut is not None and state.get(row.nut) is not None:
            return
        value: str | None = self.val
        if row.convert is not None:
            value = CONVERT[row.convert](self.ctx, state, self.val)
        if value is not None and row.nut is not None:
            state.set(row.nut, value)
