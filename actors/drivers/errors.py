"""Errors of driver actors.

A :class:`DriverError` raised by ``poll`` makes that poll fail: the actor
marks the data stale and keeps polling. Any other exception crashes the
actor and its supervisor decides what happens next.
"""

from __future__ import annotations

from nutrio.supervisor import ExpectedFailure

__all__ = [
    "DriverError",
    "DriverIOError",
    "DriverTimeout",
    "DriverConfigError",
    "UnknownDriverError",
    "DriverCrashed",
    "KillPowerFailed",
    "KillPowerUnsupported",
]


class DriverError(ExpectedFailure):
    """A driver could not talk to its device (its supervisor logs the sentence, no traceback)."""


class DriverIOError(DriverError):
    """Reading or writing the device (or its data file) failed."""


class DriverTimeout(DriverError):
    """The device did not answer in time."""


class DriverConfigError(DriverError):
    """The device's configuration cannot work with this driver."""


class UnknownDriverError(DriverConfigError, LookupError):
    """No nutrio driver has this NUT driver name."""

    def __init__(self, driver: str, known: tuple[str, ...]) -> None:
        super().__init__(
            f"unknown driver {driver!r}: nutrio has {', '.join(known) or 'no drivers'}"
        )
        self.driver = driver
        self.known = known


class KillPowerUnsupported(DriverError):
    """The driver has no way to power the UPS off (dummy-ups: "shutdown not supported")."""


class KillPowerFailed(DriverError):
    """Every shutdown command of the killpower sequence was refused or went unanswered."""


class DriverCrashed(Exception):
    """A driver actor's tasks failed; ``__cause__`` holds their exception group."""

    def __init__(self, ups: str) -> None:
        super().__init__(f"driver for {ups!r} crashed")
        self.ups = ups
