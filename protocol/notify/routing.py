"""Which alerts one of nutrio's own notify channels takes, and how hard it tries. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from nutrio.protocol.notify.events import Alert, NotifyType

__all__ = ["ALL_TYPES", "ChannelRouting", "DeliveryFailed"]

ALL_TYPES = frozenset(t.value for t in NotifyType)


class DeliveryFailed(Exception):
    """A channel gave up on one alert; ``reason`` says why."""

    def __init__(self, channel: str, reason: str, attempts: int = 1) -> None:
        super().__init__(f"{channel}: {reason}")
        self.channel, self.reason, self.attempts = channel, reason, attempts


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelRouting:
    """Which alerts a channel takes, and how it retries.

    ``events``: notify types sent as they happen (default: all).
    ``scheduled``: CMDSCRIPT arguments (timer names, EXECUTE and CANCEL-TIMER
    commands) sent when the scheduler runs them (default: all); None means all.
    A failed send is tried ``retries`` more times, after ``backoff`` seconds
    doubling up to ``backoff_max``; each attempt gets ``timeout`` seconds.
    ``queue`` alerts wait at most; past that they are counted and logged.
    """

    events: frozenset[str] = ALL_TYPES  # TEST is sent whatever this says
    scheduled: frozenset[str] | None = None
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 1.0
    backoff_max: float = 60.0
    queue: int = 64

    def wants(self, alert: Alert) -> bool:
        """True when this channel sends *alert*; a TEST goes to every channel."""
        if alert.scheduled is None:
            kind = alert.notification.type
            return kind is NotifyType.TEST or kind.value in self.events
        return self.scheduled is None or alert.scheduled in self.scheduled
