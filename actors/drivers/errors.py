"""Errors of driver actors.

A :class:`DriverError` raised by ``poll`` makes that poll fail: the actor
marks the data stale and keeps polling. Any other exception crashes the
actor and its supervisor decides what happens next.
"""

from __future__ import annotations

import difflib

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
        super().__init__(f"unknown driver {driver!r}{_did_you_mean(driver, known)}: "
                         f"nutrio has {', '.join(known) or 'no drivers'}")
        self.driver = driver
        self.known = known


def _did_you_mean(driver: str, known: tuple[str, ...]) -> str:
    """A hint for a misspelt name: NUT's own names mix - and _ (usbhid-ups, nutdrv_qx)."""
    by_shape = {name.replace("_", "-"): name for name in known}
    close = difflib.get_close_matches(driver.lower().replace("_", "-"), by_shape, n=1)
    return f" (did you mean {by_shape[close[0]]!r}?)" if close else ""


class KillPowerUnsupported(DriverError):
    """The driver has no way to power the UPS off (dummy-ups: "shutdown not supported")."""


class KillPowerFailed(DriverError):
    """Every shutdown command of the killpower sequence was refused or went unanswered."""


class DriverCrashed(Exception):
    """A driver actor's tasks failed; ``__cause__`` holds their exception group."""

    def __init__(self, ups: str) -> None:
        super().__init__(f"driver for {ups!r} crashed")
        self.ups = ups
