"""upsmon's notification events (docs/man/upsmon.conf.txt, NOTIFYMSG / NOTIFYFLAG).

The monitor emits a :class:`Notification` for each edge it sees; the
notifier formats and delivers it (syslog, wall, NOTIFYCMD, webhook, mail)
and upssched-style rules may delay or cancel it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["NotifyType", "Notification", "DEFAULT_MESSAGES", "format_message"]


class NotifyType(enum.StrEnum):
    ONLINE = "ONLINE"
    ONBATT = "ONBATT"
    LOWBATT = "LOWBATT"
    FSD = "FSD"
    COMMOK = "COMMOK"
    COMMBAD = "COMMBAD"
    SHUTDOWN = "SHUTDOWN"
    REPLBATT = "REPLBATT"
    NOCOMM = "NOCOMM"
    NOPARENT = "NOPARENT"
    CAL = "CAL"
    NOTCAL = "NOTCAL"
    OFF = "OFF"
    NOTOFF = "NOTOFF"
    BYPASS = "BYPASS"
    NOTBYPASS = "NOTBYPASS"
    ECO = "ECO"
    NOTECO = "NOTECO"
    ALARM = "ALARM"
    NOTALARM = "NOTALARM"
    OVER = "OVER"
    NOTOVER = "NOTOVER"
    TRIM = "TRIM"
    NOTTRIM = "NOTTRIM"
    BOOST = "BOOST"
    NOTBOOST = "NOTBOOST"
    OTHER = "OTHER"
    NOTOTHER = "NOTOTHER"
    SUSPEND_STARTING = "SUSPEND_STARTING"
    SUSPEND_FINISHED = "SUSPEND_FINISHED"


#: NUT's stock texts; ``%s`` is the UPS (``ups@host``), as in upsmon.c.
DEFAULT_MESSAGES: dict[NotifyType, str] = {
    NotifyType.ONLINE: "UPS %s on line power",
    NotifyType.ONBATT: "UPS %s on battery",
    NotifyType.LOWBATT: "UPS %s battery is low",
    NotifyType.FSD: "UPS %s: forced shutdown in progress",
    NotifyType.COMMOK: "Communications with UPS %s established",
    NotifyType.COMMBAD: "Communications with UPS %s lost",
    NotifyType.SHUTDOWN: "Auto logout and shutdown proceeding",
    NotifyType.REPLBATT: "UPS %s battery needs to be replaced",
    NotifyType.NOCOMM: "UPS %s is unavailable",
    NotifyType.NOPARENT: "upsmon parent process died - shutdown impossible",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """One notify event: what happened (``type``), to which UPS, and when.

    ``ups`` is the monitored system as written in the config
    (``ups@host[:port]``), the value NUT passes as UPSNAME; ``message`` is
    the final text after NOTIFYMSG overrides; ``at`` is a wall-clock time.
    """

    type: NotifyType
    ups: str
    message: str
    at: float


def format_message(template: str, ups: str) -> str:
    """Fill NUT's single ``%s`` placeholder the way upsmon's snprintf does."""
    return template.replace("%s", ups, 1) if "%s" in template else template
