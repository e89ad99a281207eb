"""nutdrv_qx's "mecer" protocol (nutdrv_qx_mecer.c, NUT 2.8.0: Mecer 0.07).

Megatec's queries, but commands are confirmed with "(ACK" and refused with
"(NAK". The claim asks QPI: a Voltronic Power P98 unit answers "(PI98"
(served as ups.firmware.aux, and its battery test then goes down to 12 s);
another unit answers "(NAK", which also claims it (and QPI is not asked
again). Anything else, an echo included, is not a Mecer.
"""

from __future__ import annotations

from nutrio.protocol.common.cnum import c_atoi
from nutrio.protocol.devices.megatec import blazer_common as bc
from nutrio.protocol.devices.megatec.megatec_family import (
    blazer_commands,
    delay_items,
    rating_items,
    status_items,
    vendor_items,
)
from nutrio.protocol.devices.megatec.qx_item import Exchange, Item, Qx, Subdriver, item
from nutrio.protocol.devices.megatec.qx_session import (
    Session,
    c_format,
    cstr,
    infoval_set,
    is_numeric,
    process,
)

__all__ = ["MECER", "test_battery_text"]


def _p98(s: Session, entry: Item, value: str) -> str | None:
    if entry.value.lower() != "pi98":
        s.note("driver.qx_protocol_unsupported", protocol=entry.value)
        return None
    return c_format(entry.dfl or "%s", "Voltronic Power P98")


def test_battery_text(value: str, minimum: int) -> str | None:
    """The "n" of Tn for a test of ``value`` seconds (default 600): ".n" below a minute."""
    if not is_numeric(value, "0123456789"):
        return None
    seconds = c_atoi(value) if value else 600
    if not minimum <= seconds <= 5940:
        return None
    return f".{seconds // 6}" if seconds < 60 else f"{seconds // 60:02d}"


def _test_battery(s: Session, entry: Item, value: str) -> str | None:
    protocol = s.state.get("ups.firmware.aux") or ""
    text = test_battery_text(value, 12 if protocol.lower() == "voltronic power p98" else 60)
    return None if text is None else c_format(entry.command or "", text)


def _table() -> list[Item]:
    commands = blazer_commands(reply=(5, "(", (1, 3)))
    for cmd in commands:
        if cmd.name == "test.battery.start":
            cmd.command, cmd.preprocess = "T%s\r", _test_battery
    return [
        item("ups.firmware.aux", "QPI\r", 6, "(", (1, 4), "%s", Qx.STATIC, _p98),
        *status_items("Q1\r"), *rating_items(), *vendor_items(), *commands, *delay_items(),
    ]


def _claim(s: Session) -> Exchange[bool]:
    """Q1, then QPI: "(PI98" or "(NAK" makes it a Mecer."""
    if not (yield from bc.claim_item(s, "input.voltage")):
        return False
    entry = s.find("ups.firmware.aux")
    assert entry is not None
    if not (yield from process(s, entry)):
        if cstr(entry.answer).lower() != "(nak\r":
            s.state.delete("input.voltage")
            return False
        entry.flags |= Qx.SKIP  # an ACK/NAK unit without QPI
        return True
    if infoval_set(s, entry) != 1:
        s.state.delete("input.voltage")
        return False
    return True


MECER = Subdriver(
    version="Mecer 0.07", claim=_claim, table=_table, initups=bc.initups, accepted="ACK",
    rejected="(NAK\r", flags=bc.BLAZER_FLAGS,
)
