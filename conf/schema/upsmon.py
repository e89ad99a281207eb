"""The monitor's tables: [monitor], [notify], [scheduler] and what they hold."""

from __future__ import annotations

from nutrio.conf.model import (
    MonitorConfig,
    MonitorTls,
    MonitorTlsHost,
    MonitorUps,
    NotifyConfig,
    SchedulerConfig,
    SchedulerRule,
)
from nutrio.conf.schema.base import (
    BOOLEAN,
    DERIVED,
    INTEGER,
    NUMBER,
    STRING,
    STRINGS,
    Key,
    Section,
    key,
    table,
)
from nutrio.protocol.notify.channels import EmailConfig, WebhookConfig

__all__ = ["UPSMON_SECTIONS"]


def _routing() -> tuple[Key, ...]:
    """The keys every notify channel takes: which alerts, and how hard to try."""
    return (
        key("events", STRINGS, "", "notify types sent as they happen",
            shown="every notify type"),
        key("scheduled", STRINGS, "",
            "scheduler timer names and commands sent when they run", shown="all of them"),
        key("timeout", NUMBER, "", "seconds one attempt may take"),
        key("retries", INTEGER, "", "further attempts after a failed one"),
        key("backoff", NUMBER, "", "seconds before the first retry; doubles each time"),
        key("backoff_max", NUMBER, "", "longest wait between retries, in seconds"),
        key("queue", INTEGER, "", "alerts waiting at most; more are counted and logged"),
    )  # fmt: skip


UPSMON_SECTIONS: tuple[Section, ...] = (
    table(
        "monitor", MonitorConfig, "upsmon.conf",
        "The built-in upsmon: which UPSes feed this host and when to shut it down.",
        key("minsupplies", INTEGER, "upsmon.conf MINSUPPLIES",
            "power supplies that must stay fed to keep running"),
        key("shutdowncmd", STRING, "upsmon.conf SHUTDOWNCMD",
            "command that shuts the host down", shown="none: the shutdown is only logged"),
        key("pollfreq", NUMBER, "upsmon.conf POLLFREQ", "seconds between polls"),
        key("pollfreqalert", NUMBER, "upsmon.conf POLLFREQALERT",
            "seconds between polls while on battery"),
        key("hostsync", NUMBER, "upsmon.conf HOSTSYNC",
            "seconds a primary waits for secondaries to log out"),
        key("deadtime", NUMBER, "upsmon.conf DEADTIME",
            "seconds a UPS may stay silent before it counts as dead"),
        key("finaldelay", NUMBER, "upsmon.conf FINALDELAY",
            "seconds between the SHUTDOWN notice and shutdowncmd"),
        key("run_as_user", STRING, "upsmon.conf RUN_AS_USER", "user the monitor runs commands as"),
        key("powerdownflag", STRING, "upsmon.conf POWERDOWNFLAG",
            "file created before a shutdown that should cut the UPS power"),
        key("nocommwarntime", NUMBER, "upsmon.conf NOCOMMWARNTIME",
            "seconds between NOCOMM repeats while a UPS cannot be reached"),
        key("rbwarntime", NUMBER, "upsmon.conf RBWARNTIME", "seconds between REPLBATT repeats"),
        key("offduration", NUMBER, "upsmon.conf OFFDURATION",
            "seconds OFF before the UPS counts as a lost supply (<0: never)"),
        key("oblbduration", NUMBER, "upsmon.conf OBLBDURATION",
            "seconds OB LB must last before it is critical"),
        key("overduration", NUMBER, "upsmon.conf OVERDURATION",
            "seconds overloaded and silent before it is critical (<0: never)"),
        key("alarmcritical", BOOLEAN, "upsmon.conf ALARMCRITICAL",
            "an ALARM status makes a silent UPS critical"),
    ),
    table(
        "monitor.ups", MonitorUps, "upsmon.conf MONITOR",
        "One watched UPS (one MONITOR line); at least one is needed.",
        key("system", STRING, "MONITOR system", "upsname[@host[:port]]"),
        key("powervalue", INTEGER, "MONITOR powervalue",
            "power supplies this UPS feeds here (0: watch only)"),
        key("user", STRING, "MONITOR username", "account on the data server"),
        key("password", STRING, "MONITOR password", "its password"),
        key("role", STRING, "MONITOR type",
            '"primary" or "secondary" ("master"/"slave" accepted)'),
        array=True,
    ),
    table(
        "monitor.tls", MonitorTls, "upsmon.conf",
        "STARTTLS to each upsd; without this table the monitor speaks plain TCP only.",
        key("ca_path", STRING, "upsmon.conf CERTPATH",
            "PEM file of CA certificates, or a directory of them under hashed names "
            "(`openssl rehash`)", shown="none"),
        key("verify", BOOLEAN, "upsmon.conf CERTVERIFY",
            "check the server certificate against ca_path and the host name (needs ca_path); "
            "a refused STARTTLS then ends the attempt"),
        key("force", BOOLEAN, "upsmon.conf FORCESSL",
            "no plain-text fallback: a refused STARTTLS ends the attempt, retried next poll"),
        key("certfile", STRING, "upsmon.conf CERTFILE (NUT 2.8.6+)",
            "PEM certificate chain shown to servers that ask for one", shown="none"),
        key("keyfile", STRING, "upsmon.conf CERTFILE (NUT 2.8.6+)",
            "PEM file with the private key of certfile", shown="certfile"),
    ),
    table(
        "monitor.tls.host", MonitorTlsHost, "upsmon.conf CERTHOST",
        "Verify and force for one upsd host (one CERTHOST line; its certificate name is not used).",
        key("name", STRING, "CERTHOST hostname",
            "the host as written in `[[monitor.ups]]` systems"),
        key("verify", BOOLEAN, "CERTHOST certverify", "verify for this host",
            shown="monitor.tls.verify"),
        key("force", BOOLEAN, "CERTHOST forcessl", "force for this host",
            shown="monitor.tls.force"),
        array=True,
    ),
    table(
        "notify", NotifyConfig, "upsmon.conf",
        "What the monitor does with events (ONBATT, LOWBATT, ...).",
        key("notifycmd", STRING, "upsmon.conf NOTIFYCMD", "command run for events flagged EXEC"),
    ),
    table(
        "notify.messages", None, "upsmon.conf NOTIFYMSG",
        "Message texts by notify type; %s is the UPS.",
        key("<NOTIFYTYPE>", STRING, "NOTIFYMSG", "the text for that notify type (ONBATT, ...)",
            field=None, default=DERIVED, shown="upsmon's stock text"),
    ),
    table(
        "notify.flags", None, "upsmon.conf NOTIFYFLAG",
        "What happens per notify type.",
        key("<NOTIFYTYPE>", STRINGS, "NOTIFYFLAG",
            'SYSLOG, WALL, EXEC, or IGNORE alone; NUT\'s "SYSLOG+WALL" form works too',
            field=None, default=DERIVED, shown="SYSLOG+WALL"),
    ),
    table(
        "notify.webhook", WebhookConfig, "",
        "Post each alert as JSON to a URL.",
        key("url", STRING, "", "http:// or https:// address to POST to"),
        key("headers", "table of strings", "", "extra HTTP headers", shown="none"),
        *_routing(),
    ),
    table(
        "notify.email", EmailConfig, "",
        "Send each alert as one mail over SMTP.",
        key("host", STRING, "", "SMTP server"),
        key("port", INTEGER, "", "SMTP port"),
        key("starttls", BOOLEAN, "", "upgrade the connection with STARTTLS before logging in"),
        key("user", STRING, "", "SMTP login; goes with password"),
        key("password", STRING, "", "SMTP password; goes with user"),
        key("from", STRING, "", "sender address", field="sender"),
        key("to", STRINGS, "", "recipient addresses"),
        key("ca_file", STRING, "", "CA file for checking the server", shown="the system CAs"),
        *_routing(),
    ),
    table(
        "scheduler", SchedulerConfig, "upssched.conf",
        "Timers started and cancelled by notify events.",
        key("cmdscript", STRING, "upssched.conf CMDSCRIPT",
            "script run with the timer name or command (needed with rules)"),
    ),
    table(
        "scheduler.at", SchedulerRule, "upssched.conf AT", "One AT rule.",
        key("notify_type", STRING, "AT notifytype", "the event this rule reacts to (ONBATT, ...)"),
        key("ups", STRING, "AT upsname", '`"*"` (every UPS) or `"ups@host"`'),
        key("action", STRING, "AT command", "START-TIMER, CANCEL-TIMER or EXECUTE"),
        key("timer", STRING, "AT timername", "timer name (START-TIMER, CANCEL-TIMER)"),
        key("seconds", NUMBER, "AT interval", "timer length (START-TIMER)"),
        key("command", STRING, "AT command argument",
            "run by EXECUTE; for CANCEL-TIMER, run when the timer had already fired"),
        array=True,
    ),
)  # fmt: skip
