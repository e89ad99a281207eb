"""Eaton/MGE network management cards speaking XML over HTTP, as NUT 2.8.0's
netxml-ups (0.44) with its MGE XML subdriver (MGEXML/0.36) reads them.

Pure: pages in, variables and status out, form bodies back.

- ``table``: which card object is which NUT variable;
- ``convert``: the value conversions and status bits;
- ``reader``: the page reader (product page, summary, GET_OBJECT, alarms);
- ``status``: ups.status, ups.alarm, input.transfer.reason from the bits;
- ``requests``: the SET_OBJECT form.
"""

from nutrio.protocol.devices.netxml.convert import Bit, Context
from nutrio.protocol.devices.netxml.reader import BadXml, MgeXml, Pages, UnsupportedCard
from nutrio.protocol.devices.netxml.requests import (
    FORM_CONTENT_TYPE,
    SET_OBJECT_PATH,
    set_object_form,
)
from nutrio.protocol.devices.netxml.status import put_status
from nutrio.protocol.devices.netxml.table import MAP, nut_to_xml, writable

__all__ = ["FORM_CONTENT_TYPE", "INITUPS", "MAP", "PRODUCT_PAGES", "SET_OBJECT_PATH", "VERSION_DATA", "BadXml", "Bit", "Context",
           "MgeXml", "Pages", "UnsupportedCard", "nut_to_xml", "put_status",
           "set_object_form", "writable"]

#: what the driver serves as driver.version.data (and sends as its User-Agent)
VERSION_DATA = "MGEXML/0.36"
#: the page the start reads to see the card answers, then the product pages tried in turn
INITUPS = "/"
PRODUCT_PAGES = ("/mgeups/product.xml", "/product.xml", "/ws/product.xml")
