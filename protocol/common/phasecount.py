"""How many phases a device has, guessed from its measurements (NUT's
dstate_detect_phasecount, drivers/dstate.c, 2.8.0).

Drivers whose device never says how many phases it has (netxml-ups) look at
which of ``<prefix>L1.voltage``, ``L1-N``, ``L1-L2``, ``L1.current``... hold a
value other than "0" or "", and publish ``<prefix>phases`` as 1, 2 or 3.
"""

from __future__ import annotations

from dataclasses import dataclass

from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.devices.dummy.devfile import DeviceVars

__all__ = ["PhaseGuess", "detect_phasecount"]


@dataclass
class PhaseGuess:
    """What one prefix's guess found so far (NUT's inited flag and phase count)."""

    inited: bool = False
    phases: int = -1


def _nonzero(state: DeviceVars, prefix: str, suffix: str) -> bool:
    value = state.get(prefix + suffix)
    return value is not None and value not in ("", "0")


def _guess(state: DeviceVars, prefix: str) -> int | None:
    def has(suffix: str) -> bool:
        return _nonzero(state, prefix, suffix)

    v1, v2, v3 = has("L1.voltage"), has("L2.voltage"), has("L3.voltage")
    n1, n2, n3 = has("L1-N.voltage"), has("L2-N.voltage"), has("L3-N.voltage")
    v12, v23, v31 = has("L1-L2.voltage"), has("L2-L3.voltage"), has("L3-L1.voltage")
    c1, c2, c3 = has("L1.current"), has("L2.current"), has("L3.current")
    v0, c0 = has("voltage"), has("current")
    if (v1 and v2 and not v3) or (n1 and n2 and not n3) or (c1 and c2 and not c3) \
            or (v12 and not v23 and not v31):
        return 2
    if (v1 and v2 and v3) or (n1 and n2 and n3) or sum((c1, c2, c3)) >= 2 or v12 or v23 or v31:
        return 3
    if sum((v1, v2, v3)) == 1 or sum((n1, n2, n3)) == 1 or sum((c1, c2, c3)) == 1 \
            or (c0 and not (c1 or c2 or c3)) or (v0 and not (v1 or v2 or v3)):
        return 1
    return None


def detect_phasecount(state: DeviceVars, prefix: str, guess: PhaseGuess,
                      *, reevaluate: bool = False) -> None:
    """Publish ``<prefix>phases`` once the measurements tell (then keep it, unless
    *reevaluate*)."""
    if guess.inited and not reevaluate:
        return
    found = _guess(state, prefix)
    if found is None:
        return
    old_count, guess.phases, guess.inited = guess.phases, found, True
    published = state.get(prefix + "phases")
    if published is not None and c_atoi(published) == found:
        return
    if found != old_count or published is None:
        state.set(prefix + "phases", str(found))

