"""Builder for [chaos]: the fault-injection plan (off when the table is absent)."""

from __future__ import annotations

from nutrio.conf import schema
from nutrio.conf._reader import Table
from nutrio.conf.model import ChaosConfig, FaultConfig, FaultKind

FAULT_KINDS: dict[str, FaultKind] = {k: k for k in ("crash", "delay", "drop", "freeze")}


def build_chaos(table: Table | None) -> ChaosConfig | None:
    if table is None:
        return None
    table.allow_only(schema.allowed("chaos"))
    return ChaosConfig(
        seed=table.integer("seed", 0, minimum=None),
        faults=tuple(build_fault(sub) for sub in table.tables("fault")),
    )


def build_fault(table: Table) -> FaultConfig:
    table.allow_only(schema.allowed("chaos.fault"))
    kind = table.choice("kind", FAULT_KINDS, required=True)
    assert kind is not None
    probability = table.number("probability", 1.0)
    if probability > 1:
        table.fail("probability", f"must be between 0 and 1, got {probability:g}")
    delay = table.number("delay", 0.0)
    if kind == "delay" and delay <= 0:
        table.fail("delay", "a delay fault needs delay > 0 (seconds)")
    if kind != "delay" and delay != 0:
        table.fail("delay", f'only used by kind = "delay", not {kind!r}')
    duration = table.number("duration", None)
    if duration is not None and kind not in ("freeze", "drop"):
        table.fail("duration", 'only used by kind = "freeze" or "drop"')
    return FaultConfig(
        target=table.req_string("target"),
        kind=kind,
        after_messages=table.integer("after_messages", None),
        after_seconds=table.number("after_seconds", None),
        probability=probability,
        delay=delay,
        duration=duration,
        times=table.integer("times", None, minimum=1),
    )
