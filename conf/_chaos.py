"""Builder for [chaos]: the fault-injection plan (off when the table is absent).

The rules of a fault are the supervisor's (nutrio.supervisor.faults); this only
reads the TOML types and turns a broken rule into an error at its key.
"""

from __future__ import annotations

from nutrio.conf import schema
from nutrio.conf._reader import Table
from nutrio.supervisor.faults import FAULT_KINDS, ChaosPlan, FaultError, FaultKind, FaultSpec

KIND_CHOICES: dict[str, FaultKind] = {k: k for k in FAULT_KINDS}


def build_chaos(table: Table | None) -> ChaosPlan | None:
    if table is None:
        return None
    table.allow_only(schema.allowed("chaos"))
    return ChaosPlan(
        seed=table.integer("seed", 0, minimum=None),
        faults=tuple(build_fault(sub) for sub in table.tables("fault")),
    )


def build_fault(table: Table) -> FaultSpec:
    table.allow_only(schema.allowed("chaos.fault"))
    kind = table.choice("kind", KIND_CHOICES, required=True)
    assert kind is not None
    try:
        return FaultSpec(
            target=table.req_string("target"),
            kind=kind,
            after_messages=table.integer("after_messages", None),
            after_seconds=table.number("after_seconds", None),
            probability=table.number("probability", 1.0),
            delay=table.number("delay", 0.0),
            duration=table.number("duration", None),
            times=table.integer("times", None, minimum=1),
        )
    except FaultError as exc:
        table.fail(exc.field, exc.message)
