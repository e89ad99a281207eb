"""Running nutdrv_qx's pure protocol generators against canned replies (tests only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from nutrio.protocol.devices.megatec.qx_item import Exchange, T

Replies = Callable[[bytes], "bytes | None"]


def drive(conversation: Exchange[T], replies: Replies) -> tuple[T, list[bytes]]:
    """Run a protocol generator against ``replies``; its result and what it sent."""
    sent = []
    try:
        request = next(conversation)
        while True:
            sent.append(request)
            request = conversation.send(replies(request))
    except StopIteration as done:
        return done.value, sent


def table(answers: Mapping[bytes, bytes]) -> Replies:
    """A UPS that answers these requests and echoes the rest back (as Megatec units do)."""
    return lambda request: answers.get(request, request)
