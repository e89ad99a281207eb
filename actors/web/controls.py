"""Which admin controls a user sees, and which commands ask before they run (pure).

Rights follow upsd.users, as upsd will check them: ``actions = SET`` for the
variable forms, ``instcmds`` for each command (``all`` for every one). Hiding a
control is a courtesy; upsd still refuses what the account may not do.

A command that cuts the power to the load (``load.off``, ``shutdown.return``,
an outlet's ``load.off`` ...) runs only after a confirmation page that names
the UPS and says what will happen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nutrio.protocol.upsd.users import UserAccount

__all__ = ["Rights", "power_cut"]


@dataclass(frozen=True, slots=True)
class Rights:
    """What the logged-in account may do; no account (removed on reload) may do nothing."""

    account: UserAccount | None

    @property
    def may_set(self) -> bool:
        return self.account is not None and self.account.may("SET")

    def may_run(self, command: str) -> bool:
        return self.account is not None and self.account.may_run(command)

    def commands(self, offered: tuple[str, ...]) -> tuple[str, ...]:
        """The UPS's commands this account may run, in the UPS's order."""
        return tuple(c for c in offered if self.may_run(c))

    @property
    def may_act(self) -> bool:
        """Whether any control could be shown at all."""
        return self.may_set or (self.account is not None and bool(self.account.instcmds))


def _delay(vars: Mapping[str, str], name: str) -> str:
    value = vars.get(name)
    return f"{value} s ({name})" if value else f"the UPS's delay ({name})"


def power_cut(command: str, vars: Mapping[str, str], value: str | None = None) -> str | None:
    """What *command* will do to the load, when it cuts the power; None for other commands.

    The words follow NUT's cmdvartab descriptions; *vars* give the delays the UPS will use.
    """
    name = command.lower()
    prefix, _, rest = name.partition(".") if name.startswith("outlet.") else ("", "", name)
    if prefix:  # outlet.N.load.off, outlet.N.shutdown.return: one outlet only
        number, _, rest = rest.partition(".")
        target = f"outlet {number} of this UPS"
    else:
        target = "this UPS"
    delay = _delay(vars, "ups.delay.shutdown")
    match rest:
        case "load.off":
            return f"Turns off every device powered by {target}, immediately."
        case "load.off.delay":
            wait = f"{value} s" if value else delay
            return f"Turns off every device powered by {target} after {wait}."
        case "load.cycle":
            return f"Turns off every device powered by {target} briefly, then back on."
        case "shutdown.return":
            return (f"Turns off every device powered by {target} after {delay}; "
                    "they come back on when the mains power returns.")
        case "shutdown.stayoff":
            return (f"Turns off every device powered by {target} after {delay}; "
                    "they stay off until someone turns the UPS on again.")
        case "shutdown.reboot":
            return (f"Turns off every device powered by {target} briefly while the UPS "
                    f"restarts; they come back after {_delay(vars, 'ups.delay.start')}.")
        case "shutdown.reboot.graceful":
            return (f"After {delay}, turns off every device powered by {target} briefly "
                    "while the UPS restarts.")
        case "driver.killpower":  # driver_generics = true (docs/drivers.md)
            return (f"Runs the shutdown sequence of {target}'s driver: every device it powers "
                    f"is turned off after {delay} (refused unless "
                    "driver.flag.allow_killpower is 1).")
        case _ if rest.startswith("shutdown.") and rest != "shutdown.stop":
            return f"Shuts down {target} ({command}): the devices it powers may lose power."
        case _:
            return None
