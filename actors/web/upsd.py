"""Admin actions go through our own upsd, over the NUT protocol on loopback.

Why not straight to the driver: the listener is the only reader of a
device's ``results_out``, and going through upsd keeps every rule in one
place (ACL, value checks, TRACKING ids, the failed-login penalty). This is
what upsset/upscmd/upsrw do: USERNAME, PASSWORD, SET TRACKING ON, then
INSTCMD or SET VAR, then GET TRACKING until the driver has answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog
import trio

from nutrio.actors.nutclient import NutClient, NutClientError
from nutrio.actors.web.auth import Credentials
from nutrio.protocol.client.requests import Err, Ok, OkTracking, Pending, Success

__all__ = ["Outcome", "UpsdAddress", "loopback", "run_instcmd", "set_variable"]

log = structlog.get_logger()

UpsdAddress = Callable[[], tuple[str, int] | None]
#: How long to wait for a driver's verdict before showing PENDING.
RESULT_WAIT = 10.0
_POLL = 0.1


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """How an admin action ended.

    ``result`` is what GET TRACKING said (``SUCCESS``, ``PENDING``,
    ``ERR UNKNOWN``, ``ERR INVALID-ARGUMENT``, ``ERR FAILED``) or, when upsd
    refused the request itself, ``ERR <code>`` (``ERR ACCESS-DENIED`` ...).
    ``accepted`` tells whether upsd handed the request to the driver.
    """

    ups: str
    kind: str  # "INSTCMD" or "SET"
    name: str
    value: str | None
    accepted: bool
    result: str
    tracking: str | None = None

    @property
    def ok(self) -> bool:
        return self.result == "SUCCESS"

    def as_json(self) -> dict[str, object]:
        return {"ups": self.ups, "kind": self.kind, "name": self.name, "value": self.value,
                "accepted": self.accepted, "result": self.result, "tracking": self.tracking}


def loopback(host: str) -> str:
    """Where to reach a listener bound to *host* from this process."""
    if host in ("", "0.0.0.0", "*"):
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


async def _tracked(client: NutClient, request: tuple[str, ...]) -> tuple[bool, str, str | None]:
    reply = await client.request(*request)
    match reply:
        case OkTracking(id=tracking):
            pass
        case Ok():
            return True, "SUCCESS", None  # no TRACKING support: handed over is all we learn
        case Err(code=code):
            return False, f"ERR {code}", None
        case _:
            return False, "ERR PROTOCOL", None
    with trio.move_on_after(RESULT_WAIT):
        while True:
            answer = await client.request("GET", "TRACKING", tracking)
            match answer:
                case Pending():
                    await trio.sleep(_POLL)
                case Success():
                    return True, "SUCCESS", tracking
                case Err(code=code):
                    return True, f"ERR {code}", tracking
                case _:
                    return True, "ERR PROTOCOL", tracking
    return True, "PENDING", tracking


async def _perform(address: UpsdAddress, who: Credentials, ups: str, kind: str, name: str,
                   value: str | None, request: tuple[str, ...]) -> Outcome:
    where = address()
    if where is None:
        return Outcome(ups=ups, kind=kind, name=name, value=value, accepted=False,
                       result="ERR NO-SERVER")
    client = None
    try:
        client = await NutClient.connect(loopback(where[0]), where[1])
        await client.expect_ok("USERNAME", who.user)
        await client.expect_ok("PASSWORD", who.password)
        await client.expect_ok("SET", "TRACKING", "ON")
        accepted, result, tracking = await _tracked(client, request)
    except NutClientError as exc:
        accepted, result, tracking = False, f"ERR {exc.code}", None
    finally:
        if client is not None:
            await client.aclose()
    log.info("web.admin_action", ups=ups, kind=kind, name=name, user=who.user,
             accepted=accepted, result=result, tracking=tracking)
    return Outcome(ups=ups, kind=kind, name=name, value=value, accepted=accepted,
                   result=result, tracking=tracking)


async def run_instcmd(address: UpsdAddress, who: Credentials, ups: str, command: str,
                      value: str | None = None) -> Outcome:
    """``INSTCMD ups command [value]`` as *who*, with its TRACKING result."""
    request = ("INSTCMD", ups, command) + ((value,) if value else ())
    return await _perform(address, who, ups, "INSTCMD", command, value, request)


async def set_variable(address: UpsdAddress, who: Credentials, ups: str, name: str,
                       value: str) -> Outcome:
    """``SET VAR ups name value`` as *who*, with its TRACKING result."""
    return await _perform(address, who, ups, "SET", name, value, ("SET", "VAR", ups, name, value))
