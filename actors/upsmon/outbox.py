"""One notify channel's queue and workers, and the receipt of a test notification.

An :class:`Outbox` is a bounded memory channel and the worker task(s) that
deliver what it holds: handing an item over never waits (a full queue is
counted and logged), and a failed delivery is counted and logged, so a slow
or broken channel delays nobody else. An item may carry a :class:`Receipt`
slot: the worker writes there how the delivery ended, which is how
`nutrio upsmon -c test` learns what was sent where.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog
import trio

from nutrio.protocol.notify.channels import DeliveryFailed

__all__ = ["ChannelStatistics", "NotifierStatistics", "Outbox", "Receipt"]

log = structlog.get_logger()

T = TypeVar("T")
#: A handler says how it delivered (such as "logged: no /dev/log") or None for "sent".
Handler = Callable[[T], Awaitable[str | None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelStatistics:
    """One channel at a glance: waiting, delivered, failed, refused for lack of room."""

    name: str
    queued: int
    sent: int
    failed: int
    overflowed: int


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifierStatistics:
    channels: tuple[ChannelStatistics, ...]

    def channel(self, name: str) -> ChannelStatistics:
        """The statistics of channel *name* (KeyError when it does not exist)."""
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(name)


class Receipt:
    """How one notification fared on each channel: one line per channel, in order.

    The notifier notes each channel it hands the notification to (or skips,
    with the reason); the channel's worker fills in the outcome. ``ok`` is
    False once any delivery failed or was refused.
    """

    def __init__(self) -> None:
        self._lines: dict[str, str | None] = {}
        self._changed = trio.Event()
        self.ok = True

    def expect(self, label: str) -> None:
        self._lines[label] = None

    def skip(self, label: str, why: str) -> None:
        self._lines[label] = f"not sent ({why})"

    def report(self, label: str, outcome: str, *, ok: bool = True) -> None:
        self._lines[label] = outcome
        self.ok = self.ok and ok
        self._changed.set()
        self._changed = trio.Event()

    async def wait(self) -> None:
        """Until every expected channel has reported."""
        while None in self._lines.values():
            await self._changed.wait()

    def lines(self) -> list[str]:
        """``label: outcome`` for each channel; one still trying says so."""
        return [f"{label}: {'still trying (see the log)' if outcome is None else outcome}"
                for label, outcome in self._lines.items()]  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Slot:
    receipt: Receipt
    label: str


class Outbox(Generic[T]):
    """A bounded queue and the worker(s) that deliver what it holds.

    Without a handler someone else reads ``receive``: handing over is the delivery.
    """

    def __init__(self, name: str, size: int, handler: Handler[T] | None, workers: int = 1) -> None:
        self.name, self.handler, self.workers = name, handler, workers
        self.send, self.receive = trio.open_memory_channel[tuple[T, _Slot | None]](size)
        self.sent = self.failed = self.overflowed = 0

    def offer(self, item: T, receipt: Receipt | None = None, label: str | None = None) -> None:
        """Queue *item* without waiting; when full, count and log it instead."""
        slot = None if receipt is None else _Slot(receipt, label or self.name)
        if slot is not None:
            slot.receipt.expect(slot.label)
        try:
            self.send.send_nowait((item, slot))
        except trio.WouldBlock:
            self.overflowed += 1
            log.warning("notify.overflow", channel=self.name, overflowed=self.overflowed)
            _settle(slot, "not sent: queue full", ok=False)
            return
        except trio.ClosedResourceError:
            log.warning("notify.closed", channel=self.name)
            _settle(slot, "not sent: the notifier is stopping", ok=False)
            return
        if self.handler is None:
            self.sent += 1
            _settle(slot, "handed over")

    async def run(self) -> None:
        async with trio.open_nursery() as nursery:
            for _ in range(self.workers):
                nursery.start_soon(self._work)

    async def _work(self) -> None:
        assert self.handler is not None
        structlog.contextvars.bind_contextvars(channel=self.name)
        async for item, slot in self.receive:
            try:
                how = await self.handler(item)
            except DeliveryFailed as exc:
                self.failed += 1
                log.warning("notify.failed", reason=exc.reason, attempts=exc.attempts)
                _settle(slot, f"failed: {exc.reason}", ok=False)
            else:
                self.sent += 1
                _settle(slot, how or "sent")

    def statistics(self) -> ChannelStatistics:
        queued = self.send.statistics().current_buffer_used
        return ChannelStatistics(
            name=self.name, queued=queued, sent=self.sent, failed=self.failed,
            overflowed=self.overflowed,
        )  # fmt: skip


def _settle(slot: _Slot | None, outcome: str, *, ok: bool = True) -> None:
    if slot is not None:
        slot.receipt.report(slot.label, outcome, ok=ok)
