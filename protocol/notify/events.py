"""upsmon's notification events (docs/man/upsmon.conf.txt, NOTIFYMSG / NOTIFYFLAG).

The monitor emits a :class:`Notification` for each edge it sees; the
notifier formats and delivers it (syslog, wall, NOTIFYCMD, webhook, mail)
and upssched-style rules may delay or cancel it. Everything here is pure:
the stock texts, the ``%s`` filling and the webhook's JSON body. The
settings of our own webhook and mail channels are in
:mod:`protocol.notify.channels`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "DEFAULT_MESSAGES",
    "NUTRIO_TYPES",
    "NUT_2_8_0_TYPES",
    "TEST_PREFIX",
    "Alert",
    "Notification",
    "NotifyType",
    "format_message",
    "iso_time",
    "message_for",
    "webhook_body",
]


class NotifyType(enum.StrEnum):
    """Every NOTIFYMSG/NOTIFYFLAG type; upsmon 2.8.0 knows :data:`NUT_2_8_0_TYPES`.

    The last five are nutrio's own, in no NUT release (:data:`NUTRIO_TYPES`):
    TEST (`nutrio upsmon -c test`), DRIVERFAIL / DRIVEROK (a driver that keeps
    crashing, then runs cleanly again) and THRESHOLD / NOTTHRESHOLD (a
    ``[[notify.threshold]]`` rule raised, then cleared).
    """

    ONLINE = "ONLINE"
    ONBATT = "ONBATT"
    LOWBATT = "LOWBATT"
    FSD = "FSD"
    COMMOK = "COMMOK"
    COMMBAD = "COMMBAD"
    SHUTDOWN = "SHUTDOWN"
    SHUTDOWN_HOSTSYNC = "SHUTDOWN_HOSTSYNC"
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
    # nutrio's own, not NUT's
    TEST = "TEST"
    DRIVERFAIL = "DRIVERFAIL"
    DRIVEROK = "DRIVEROK"
    THRESHOLD = "THRESHOLD"
    NOTTHRESHOLD = "NOTTHRESHOLD"


#: The types the installed upsmon 2.8.0 binary accepts in NOTIFYMSG/NOTIFYFLAG;
#: the others came with later 2.8.x releases (upsmon.conf.txt lists them all).
NUT_2_8_0_TYPES = frozenset({
    NotifyType.ONLINE, NotifyType.ONBATT, NotifyType.LOWBATT, NotifyType.FSD,
    NotifyType.COMMOK, NotifyType.COMMBAD, NotifyType.SHUTDOWN, NotifyType.REPLBATT,
    NotifyType.NOCOMM, NotifyType.NOPARENT, NotifyType.CAL,
})  # fmt: skip
#: nutrio's own types: NUT's upsmon knows none of them (an export to upsmon.conf leaves
#: them out), and only nutrio's notifier ever emits them.
NUTRIO_TYPES = frozenset({
    NotifyType.TEST, NotifyType.DRIVERFAIL, NotifyType.DRIVEROK, NotifyType.THRESHOLD,
    NotifyType.NOTTHRESHOLD,
})  # fmt: skip

#: upsmon's stock texts (its notify table; the 2.8.0 ones checked against the
#: binary). The first ``%s`` is the UPS as written in MONITOR (``ups@host``);
#: ALARM and OTHER take a second one: ups.alarm / the unknown status words.
DEFAULT_MESSAGES: Mapping[NotifyType, str] = {
    NotifyType.ONLINE: "UPS %s on line power",
    NotifyType.ONBATT: "UPS %s on battery",
    NotifyType.LOWBATT: "UPS %s battery is low",
    NotifyType.FSD: "UPS %s: forced shutdown in progress",
    NotifyType.COMMOK: "Communications with UPS %s established",
    NotifyType.COMMBAD: "Communications with UPS %s lost",
    NotifyType.SHUTDOWN: "Auto logout and shutdown proceeding",
    # NUT documents this type but ships no stock text we could check: ours.
    NotifyType.SHUTDOWN_HOSTSYNC: "UPS %s: primary is waiting for secondaries to log out",
    NotifyType.REPLBATT: "UPS %s battery needs to be replaced",
    NotifyType.NOCOMM: "UPS %s is unavailable",
    NotifyType.NOPARENT: "upsmon parent process died - shutdown impossible",
    NotifyType.CAL: "UPS %s: calibration in progress",
    NotifyType.NOTCAL: "UPS %s: calibration finished",
    NotifyType.OFF: "UPS %s: administratively OFF or asleep",
    NotifyType.NOTOFF: "UPS %s: no longer administratively OFF or asleep",
    NotifyType.BYPASS: "UPS %s: on bypass (powered, not protecting)",
    NotifyType.NOTBYPASS: "UPS %s: no longer on bypass",
    NotifyType.ECO: "UPS %s: in ECO mode (as defined by vendor)",
    NotifyType.NOTECO: "UPS %s: no longer in ECO mode",
    NotifyType.ALARM: "UPS %s: one or more active alarms: [%s]",
    NotifyType.NOTALARM: "UPS %s is no longer in an alarm state (no active alarms)",
    NotifyType.OVER: "UPS %s: overloaded",
    NotifyType.NOTOVER: "UPS %s: no longer overloaded",
    NotifyType.TRIM: "UPS %s: trimming incoming voltage",
    NotifyType.NOTTRIM: "UPS %s: no longer trimming incoming voltage",
    NotifyType.BOOST: "UPS %s: boosting incoming voltage",
    NotifyType.NOTBOOST: "UPS %s: no longer boosting incoming voltage",
    NotifyType.OTHER: "UPS %s: has at least one unclassified status token: [%s]",
    NotifyType.NOTOTHER: "UPS %s has no unclassified status tokens anymore",
    NotifyType.SUSPEND_STARTING: "OS is entering sleep/suspend/hibernate mode",
    NotifyType.SUSPEND_FINISHED: (
        "OS just finished sleep/suspend/hibernate mode, "
        "de-activating obsolete UPS readings to avoid an unfortunate shutdown"
    ),
    # nutrio's own: the second %s is the detail (the restarts and last error, the rule's text)
    NotifyType.TEST: "UPS %s: test notification from nutrio",
    NotifyType.DRIVERFAIL: "UPS %s: driver keeps failing: %s",
    NotifyType.DRIVEROK: "UPS %s: driver runs again: %s",
    NotifyType.THRESHOLD: "UPS %s: %s",
    NotifyType.NOTTHRESHOLD: "UPS %s: %s",
}
#: The prefix of a test notification's text (`nutrio upsmon -c test TYPE`).
TEST_PREFIX = "TEST: "


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """One notify event: what happened (``type``), to which UPS, and when.

    ``ups`` is the monitored system as written in the config
    (``ups@host[:port]``), the value NUT passes as UPSNAME; it is "" for
    events about this host (SHUTDOWN, NOPARENT, SUSPEND_*), as upsmon does.
    ``message`` is the text; the notifier replaces it by the NOTIFYMSG
    override when there is one and fills it from :data:`DEFAULT_MESSAGES`
    when it is empty. ``detail`` is the second ``%s`` of ALARM (ups.alarm)
    and OTHER (the unclassified status words), and of nutrio's own types.
    ``at`` is wall-clock time. ``test`` marks one sent by `nutrio upsmon -c
    test`; ``rule`` names the ``[[notify.threshold]]`` rule of a THRESHOLD or
    NOTTHRESHOLD event.
    """

    type: NotifyType
    ups: str
    message: str = ""
    at: float
    detail: str = ""
    test: bool = False
    rule: str = ""

    @property
    def event(self) -> str:
        """The event's name: the type, or ``threshold.<rule>`` (``.cleared``) for a rule."""
        if self.type is NotifyType.THRESHOLD:
            return f"threshold.{self.rule}"
        if self.type is NotifyType.NOTTHRESHOLD:
            return f"threshold.{self.rule}.cleared"
        return self.type.value


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """What a built-in channel sends: a notification, now or via the scheduler.

    ``scheduled`` is the CMDSCRIPT argument (timer name or command) when the
    alert comes from an upssched rule, with ``reason`` "timer", "execute"
    or "cancel"; both are None for an immediate notification.
    """

    notification: Notification
    scheduled: str | None = None
    reason: str | None = None


def format_message(template: str, ups: str, detail: str = "") -> str:
    """Fill a NOTIFYMSG template the way upsmon's snprintf does.

    The first ``%s`` takes the UPS, the second ``detail``, any later one ""
    (upsmon passes no more); ``%%`` is a percent sign. Other ``%`` sequences
    are kept as written (upsmon would hand them to snprintf: undefined).
    """
    values = iter((ups, detail))
    out: list[str] = []
    i = 0
    while i < len(template):
        pair = template[i : i + 2]
        if pair == "%s":
            out.append(next(values, ""))
            i += 2
        elif pair == "%%":
            out.append("%")
            i += 2
        else:
            out.append(template[i])
            i += 1
    return "".join(out)


def message_for(notification: Notification, overrides: Mapping[str, str] | None = None) -> str:
    """The text upsmon would send: NOTIFYMSG override, else given text, else stock.

    Args:
        notification: the event; its own ``message`` is used when no override
            exists and it is not empty.
        overrides: NOTIFYMSG templates keyed by upper-case type
            (``NotifyConfig.messages``).
    """
    template = (overrides or {}).get(notification.type.value)
    if template is None and notification.message:
        text = notification.message
    else:
        template = DEFAULT_MESSAGES[notification.type] if template is None else template
        text = format_message(template, notification.ups, notification.detail)
    if notification.test and notification.type is not NotifyType.TEST:
        text = TEST_PREFIX + text  # a rehearsed ONBATT must never read as a real one
    return text


def iso_time(at: float) -> str:
    """``at`` as an RFC 3339 UTC timestamp with milliseconds."""
    stamp = datetime.fromtimestamp(at, tz=UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def webhook_body(alert: Alert) -> dict[str, Any]:
    """The webhook's JSON: ``{type, ups, message, at}`` (+ detail, event, test, scheduled)."""
    n = alert.notification
    body: dict[str, Any] = {
        "type": n.type.value,
        "ups": n.ups,
        "message": n.message,
        "at": iso_time(n.at),
    }
    if n.detail:
        body["detail"] = n.detail
    if n.rule:
        body["event"] = n.event
    if n.test:
        body["test"] = True
    if alert.scheduled is not None:
        body["scheduled"] = alert.scheduled
        body["reason"] = alert.reason
    return body
