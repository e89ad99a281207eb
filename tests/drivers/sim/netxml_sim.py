"""An Eaton network management card (Mosaic 4M, XML protocol v3) serving its XML pages
over HTTP, shaped after the netxml-ups dumps in ../shared/data/ddl/ (Eaton 5PX 1500,
Eaton 9PX 6000i, both behind an NMC "Mosaic 4M 16M 55/JI").

Pages: "/" (the home page the driver's connectivity test reads),
/mgeups/product.xml (the PRODUCT_INFO naming the others), /upsprop.xml (a
SUMMARY of the UPS objects), /getvalue.cgi (a GET_OBJECT of the card's own
settings), /config.xml; POSTs to /Forms/set_obj_2 (SET_OBJECT forms) change the
named objects; POSTs to /subscribe.cgi get a port and a secret. ``received`` keeps each request as (method, path, body, the
Authorization scheme or ""); :meth:`commands` the POSTs' bodies. ``mode`` = "normal" | "silent" (requests
are read, never answered) | "drop" (connections closed at once) | "garbage"
(pages that are not XML). ``auth`` = None | "basic" | "digest": POSTs need
the login admin/secret (a 401 with Connection: close first, as NMCs do). Tests
move the unit with :meth:`on_battery`, :meth:`low_battery`, :meth:`on_line`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import h11
import trio

__all__ = ["EATON_5PX", "EATON_93PM", "EATON_9PX", "CardProfile", "NetXmlCard"]

LOGIN, PASSWORD, REALM = "admin", "secret", "NMC"
_NONCE = "5ccc069c403ebaf9f0171e9517f40e41"


@dataclass(frozen=True)
class CardProfile:
    """One unit: the card's PRODUCT_INFO attributes, its UPS objects and its settings."""

    product: tuple[tuple[str, str], ...]
    ups: dict[str, str]
    settings: dict[str, str]


_CARD = (("name", "Network Management Card"), ("type", "Mosaic 4M 16M 55"),
         ("version", "JI"))
_STATUS_OL = {
    "UPS.PowerSummary.PresentStatus.ACPresent": "1",
    "UPS.PowerSummary.PresentStatus.Charging": "1",
    "UPS.PowerSummary.PresentStatus.Discharging": "0",
    "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit": "0",
    "UPS.PowerSummary.PresentStatus.Overload": "0",
    "UPS.PowerSummary.PresentStatus.NeedReplacement": "0",
    "UPS.PowerSummary.PresentStatus.Good": "1",
    "UPS.PowerSummary.PresentStatus.FanFailure": "0",
    "UPS.PowerSummary.PresentStatus.InternalFailure": "0",
    "UPS.PowerConverter.Input[1].PresentStatus.Buck": "0",
    "UPS.PowerConverter.Input[1].PresentStatus.Boost": "0",
    "UPS.PowerConverter.Input[1].PresentStatus.VoltageOutOfRange": "0",
    "UPS.PowerConverter.Input[2].PresentStatus.Used": "0",
    "UPS.BatterySystem.Battery.PresentStatus.Present": "1",
    "UPS.BatterySystem.Charger.PresentStatus.InternalFailure": "No",
}
_OUTLETS = {
    "UPS.OutletSystem.Outlet[1].iName": "Master",
    "UPS.OutletSystem.Outlet[1].PresentStatus.Switchable": "0",
    "UPS.OutletSystem.Outlet[2].iName": "Group1",
    "UPS.OutletSystem.Outlet[2].PresentStatus.Switchable": "1",
    "UPS.OutletSystem.Outlet[2].PresentStatus.SwitchOnOff": "1",
    "UPS.OutletSystem.Outlet[2].RemainingCapacityLimit": "0",
    "UPS.OutletSystem.Outlet[2].DelayBeforeStartup": "-1",
    "UPS.OutletSystem.Outlet[2].DelayBeforeShutdown": "-1",
    "UPS.OutletSystem.Outlet[2].StartupTimer": "3",
    "UPS.OutletSystem.Outlet[3].iName": "Group2",
    "UPS.OutletSystem.Outlet[3].PresentStatus.Switchable": "1",
    "UPS.OutletSystem.Outlet[3].PresentStatus.SwitchOnOff": "1",
    "UPS.OutletSystem.Outlet[3].RemainingCapacityLimit": "0",
    "UPS.OutletSystem.Outlet[3].DelayBeforeStartup": "-1",
    "UPS.OutletSystem.Outlet[3].DelayBeforeShutdown": "-1",
    "UPS.OutletSystem.Outlet[3].StartupTimer": "6",
}


def _settings(location: str) -> dict[str, str]:
    return {
        "System.Description": "", "System.Contact": "Computer Room Manager",
        "System.Location": location, "System.ShutdownDuration": "120",
        "System.RunTimeToEmptyLimit": "180", "System.RunTimeToShutdown": "-1",
        "System.LastAcquisition": "2016/03/17 13:36:57",
        "System.Outlet[2].ShutdownDuration": "120", "System.Outlet[3].ShutdownDuration": "120",
        "Environment.Humidity.HighThreshold": "90", "Environment.Humidity.LowThreshold": "5",
        "Environment.Temperature.HighThreshold": "40",
        "Environment.Temperature.LowThreshold": "5",
    }


def _ups(model: str, aux: str, serial: str, firmware: str, **extra: str) -> dict[str, str]:
    common = {
        "UPS.PowerSummary.iManufacturer": "EATON", "UPS.PowerSummary.iProduct": model,
        "UPS.PowerSummary.iModel": aux, "UPS.PowerSummary.iSerialNumber": serial,
        "UPS.PowerSummary.iVersion": firmware, "UPS.PowerSummary.iDeviceChemistry": "PbAc",
        "UPS.PowerSummary.RemainingCapacity": "100",
        "UPS.PowerSummary.RemainingCapacityLimitSetting": "20",
        "UPS.PowerSummary.RestartLevel": "0", "UPS.PowerSummary.AudibleAlarmControl": "2",
        "UPS.PowerSummary.DelayBeforeStartup": "-1", "UPS.PowerSummary.DelayBeforeShutdown": "-1",
        "UPS.BatterySystem.Battery.DeepDischargeProtection": "1",
        "UPS.PowerConverter.Input[3].EnergySaving": "0",
        "UPS.PowerConverter.Input[1].AutomaticRestart": "1",
        "UPS.PowerConverter.Input[3].StartOnBattery": "1",
        "UPS.PowerConverter.Output.ForcedReboot": "1",
        "UPS.PowerConverter.Input[1].Frequency": "50", "UPS.Flow[1].ConfigFrequency": "50",
        "UPS.PowerConverter.Output.Frequency": "50", "UPS.Flow[4].ConfigFrequency": "50",
        "UPS.Flow[4].ConfigVoltage": "230", "UPS.PowerConverter.Output.Current": "1",
    }
    return {**common, **_STATUS_OL, **_OUTLETS, **extra}


#: the Eaton 5PX 1500 of the dump: line-interactive, one phase
EATON_5PX = CardProfile(_CARD, _ups(
    "Eaton 5PX", "1500", "G094D43072", "09A",
    **{"UPS.PowerSummary.RunTimeToEmpty": "1066", "UPS.PowerSummary.PercentLoad": "33",
       "UPS.PowerSummary.Voltage": "52", "UPS.BatterySystem.ConfigVoltage": "48",
       "UPS.BatterySystem.Battery.DesignCapacity": "32400",
       "UPS.BatterySystem.Battery.TestPeriod": "604800", "UPS.BatterySystem.Battery.Test": "1",
       "UPS.Flow[4].ConfigPercentLoad": "105", "UPS.Flow[4].ConfigApparentPower": "1500",
       "UPS.Flow[4].ConfigActivePower": "1350", "UPS.Flow[1].ConfigVoltage": "230",
       "UPS.PowerConverter.ConverterType": "1", "UPS.PowerConverter.Input[1].Voltage": "240",
       "UPS.PowerConverter.Input[1].Current": "0",
       "UPS.PowerConverter.Output.Voltage": "240",
       "UPS.PowerConverter.Output.ApparentPower": "458",
       "UPS.PowerConverter.Output.ActivePower": "324",
       "UPS.PowerConverter.Output.PowerFactor": "70",
       "UPS.PowerConverter.Output.ExtendedVoltageMode": "0",
       "UPS.PowerConverter.Output.ExtendedFrequencyMode": "0",
       "UPS.PowerConverter.Output.SensitivityMode": "0",
       "UPS.PowerConverter.Output.LowVoltageTransfer": "160",
       "UPS.PowerConverter.Output.LowVoltageBoostTransfer": "184",
       "UPS.PowerConverter.Output.HighVoltageTransfer": "294",
       "UPS.PowerConverter.Output.HighVoltageBuckTransfer": "265"}),
    _settings("Computer Room"))
#: the Eaton 9PX 6000i of the dump: online, with a bypass input
EATON_9PX = CardProfile(_CARD, _ups(
    "Eaton 9PX", "6000i", "G203E30025", "02.14.0034",
    **{"UPS.PowerSummary.RunTimeToEmpty": "11520", "UPS.PowerSummary.PercentLoad": "7",
       "UPS.PowerSummary.Voltage": "198", "UPS.PowerSummary.Current": "0",
       "UPS.BatterySystem.ConfigVoltage": "180",
       "UPS.BatterySystem.Battery.DesignCapacity": "18000",
       "UPS.BatterySystem.Battery.TestPeriod": "2592000", "UPS.BatterySystem.Battery.Test": "4",
       "UPS.PowerSummary.Temperature": "27", "UPS.Flow[4].ConfigApparentPower": "6000",
       "UPS.Flow[4].ConfigActivePower": "5400", "UPS.Flow[1].ConfigVoltage": "243",
       "UPS.PowerConverter.ConverterType": "2", "UPS.PowerConverter.Input[1].Voltage": "243",
       "UPS.PowerConverter.Input[2].Voltage": "243", "UPS.PowerConverter.Input[2].Current": "0",
       "UPS.PowerConverter.Input[2].Frequency": "50", "UPS.Flow[2].ConfigFrequency": "50",
       "UPS.PowerConverter.Output.Voltage": "230",
       "UPS.PowerConverter.Output.ApparentPower": "447",
       "UPS.PowerConverter.Output.ActivePower": "204",
       "UPS.PowerConverter.Output.PowerFactor": "46"}),
    _settings("9PX - Bios Rack - U1"))

#: a three-phase unit behind an older Transverse card (no dump: the objects NUT's table
#: names for three phases, the line-to-line ones in tenths as old MGE firmwares sent them)
_PHASES = {f"UPS.PowerConverter.{side}.Phase[{n}].{what}": value
           for side in ("Input[1]", "Output") for n in (1, 2, 3)
           for what, value in (("Voltage", "231"), ("Current", "125"))}
EATON_93PM = CardProfile(
    (("name", "Network Management Card"), ("type", "Transverse"),
     ("version", "GB (SN 49EH29101)")),
    _ups("Eaton 93PM", "30000", "BD123A0001", "01.04", **_PHASES,
         **{"UPS.PowerSummary.RunTimeToEmpty": "1800", "UPS.PowerSummary.PercentLoad": "41",
            "UPS.PowerConverter.Input[1].Phase[11].Voltage": "4002",
            "UPS.PowerConverter.Input[1].Phase[22].Voltage": "3998",
            "UPS.PowerConverter.Input[1].Phase[33].Voltage": "4010",
            "UPS.PowerConverter.Output.Phase[11].Voltage": "0",
            "UPS.PowerConverter.Output.Phase[22].Voltage": "3995",
            "UPS.PowerConverter.Input[2].Phase[1].Voltage": "230",
            "UPS.PowerConverter.Input[2].Phase[2].Voltage": "229",
            "UPS.PowerConverter.ConverterType": "3",
            "UPS.BatterySystem.Battery.DesignCapacity": "61200",
            "UPS.PowerConverter.Output.PowerFactor": "93"}),
    {**_settings("Plant room"), "Environment.Humidity": "41", "Environment.Temperature": "24",
     "Environment.PresentStatus.HighHumidity": "55", "Environment.PresentStatus.LowHumidity": "30",
     "Environment.Input[1].PresentStatus.State": "1",
     "Environment.Input[2].PresentStatus.State": "0"})


def _product_page(product: tuple[tuple[str, str], ...]) -> bytes:
    attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in product)
    return (f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<PRODUCT_INFO {attrs}>\n'
            '<SUMMARY>\n<HTML_PROPERTIES_PAGE url="mgeups/default.htm"/>\n'
            '<XML_SUMMARY_PAGE url="upsprop.xml"/>\n<CENTRAL_CFG url="config.xml"/>\n'
            '<CSV_LOGS url="logevent.csv" dateRange="no" eventFiltering="no"/>\n</SUMMARY>\n'
            '<ALARMS>\n<SUBSCRIPTION url="subscribe.cgi" security="basic"/>\n'
            '<POLLING url="mgeups/lastalarms.cgi" security="none"/>\n</ALARMS>\n'
            '<UPS_DATA>\n<GET_OBJECT url="getvalue.cgi" security="none"/>\n'
            '<SET_OBJECT url="setvalue.cgi" security="ssl"/>\n</UPS_DATA>\n'
            '</PRODUCT_INFO>\n').encode("latin-1")


def _objects(root: str, objects: dict[str, str]) -> bytes:
    lines = [f"<OBJECT name={quoteattr(k)}>{escape(v)}</OBJECT>" for k, v in objects.items()]
    return (f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<{root}>\n'
            + "\n".join(lines) + f"\n</{root}>\n").encode("latin-1")


_SET = re.compile(r'<OBJECT name="([^"]+)">([^<]*)</OBJECT>')


@dataclass
class NetXmlCard:
    """The card (see the module comment); ``serve`` runs it on a listener."""

    profile: CardProfile
    mode: str = "normal"
    auth: str | None = None
    received: list[tuple[str, str, bytes, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ups = dict(self.profile.ups)
        self.settings = dict(self.profile.settings)

    def commands(self) -> list[bytes]:
        return [body for method, _, body, _ in self.received if method == "POST"]

    # -- what the unit does ----------------------------------------------------------

    def _power(self, line: bool, low: bool) -> None:
        status = "UPS.PowerSummary.PresentStatus."
        self.ups[status + "ACPresent"] = "1" if line else "0"
        self.ups[status + "Charging"] = "1" if line else "0"
        self.ups[status + "Discharging"] = "0" if line else "1"
        self.ups[status + "BelowRemainingCapacityLimit"] = "1" if low else "0"
        self.ups["UPS.PowerSummary.RemainingCapacity"] = "100" if line else "15" if low else "80"

    def on_battery(self) -> None:
        self._power(False, False)

    def low_battery(self) -> None:
        self._power(False, True)

    def on_line(self) -> None:
        self._power(True, False)

    # -- HTTP ---------------------------------------------------------------------

    async def serve(self, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        task_status.started(listeners[0].socket.getsockname()[1])
        await trio.serve_listeners(self._connection, listeners)

    async def _connection(self, stream: trio.SocketStream) -> None:
        conn = h11.Connection(h11.SERVER)
        async with stream:
            while True:
                request = await self._request(conn, stream)
                if request is None:
                    return
                if self.mode == "drop":
                    return
                while self.mode == "silent":
                    await trio.sleep(0.1)  # answered by nobody; the client gives up
                    if conn.their_state is h11.CLOSED:
                        return
                status, headers, body = self._answer(*request)
                await self._send(conn, stream, status, headers, body)
                if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    return
                conn.start_next_cycle()

    async def _request(self, conn: h11.Connection, stream: trio.SocketStream
                       ) -> tuple[str, str, dict[str, str], bytes] | None:
        head: h11.Request | None = None
        body = b""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                try:
                    conn.receive_data(await stream.receive_some(65536))
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    return None
                continue
            if isinstance(event, h11.Request):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage) and head is not None:
                headers = {k.decode().lower(): v.decode() for k, v in head.headers}
                return head.method.decode(), head.target.decode(), headers, body
            else:
                return None  # closed, or something h11 cannot read

    async def _send(self, conn: h11.Connection, stream: trio.SocketStream, status: int,
                    headers: list[tuple[str, str]], body: bytes) -> None:
        headers = [*headers, ("Content-Length", str(len(body)))]
        data = conn.send(h11.Response(status_code=status, headers=headers))
        data += conn.send(h11.Data(data=body)) + conn.send(h11.EndOfMessage())
        try:
            await stream.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass

    def _answer(self, method: str, target: str, headers: dict[str, str],
                body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        path = target.split("?", 1)[0]
        scheme = headers.get("authorization", "").split(" ", 1)[0]
        self.received.append((method, path, body, scheme))
        if method == "POST":
            return self._post(path, headers, body)
        if self.mode == "garbage" and path != "/":
            return 200, [("Content-Type", "text/xml")], b"<SUMMARY><OBJECT name=\"x\">1</SUM"
        pages = {"/": (b"<html><body>Network Management Card</body></html>", "text/html"),
                 "/mgeups/product.xml": (_product_page(self.profile.product), "text/xml"),
                 "/upsprop.xml": (_objects("SUMMARY", self.ups), "text/xml"),
                 "/getvalue.cgi": (_objects("GET_OBJECT", self.settings), "text/xml")}
        if path not in pages:
            return 404, [("Content-Type", "text/html")], b"<html>Not found</html>"
        content, kind = pages[path]
        return 200, [("Content-Type", kind)], content

    def _post(self, path: str, headers: dict[str, str],
              body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        if self.auth is not None and not self._authorized(headers.get("authorization", "")):
            challenge = (f'Basic realm="{REALM}"' if self.auth == "basic" else
                         f'Digest realm="{REALM}", nonce="{_NONCE}", qop="auth"')
            return 401, [("WWW-Authenticate", challenge), ("Connection", "close")], b""
        if path == "/subscribe.cgi":  # where the card would send its alarms, and the key
            return 200, [("Content-Type", "text/xml")], b"<Port>4679</Port>\r\n<Secret>12345</Secret>\r\n"
        if path == "/Forms/set_obj_2":
            for name, value in _SET.findall(body.decode("latin-1")):
                target = self.settings if name in self.settings else self.ups
                target[name] = value
        return 200, [("Content-Type", "text/html")], b"<html>OK</html>"

    def _authorized(self, header: str) -> bool:
        scheme, _, rest = header.partition(" ")
        if scheme.lower() == "basic" and self.auth == "basic":
            return base64.b64decode(rest).decode() == f"{LOGIN}:{PASSWORD}"
        if scheme.lower() != "digest" or self.auth != "digest":
            return False
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', rest))
        ha1 = hashlib.md5(f"{LOGIN}:{REALM}:{PASSWORD}".encode()).hexdigest()
        ha2 = hashlib.md5(f"POST:{fields.get('uri', '')}".encode()).hexdigest()
        parts = [ha1, _NONCE, fields.get("nc", ""), fields.get("cnonce", ""), "auth", ha2]
        return fields.get("response") == hashlib.md5(":".join(parts).encode()).hexdigest()
