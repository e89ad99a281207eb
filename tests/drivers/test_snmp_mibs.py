"""The MIB tables and their conversions, pure (no agent, no trio)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices import snmp as mibs
from nutrio.protocol.devices.snmp import SnmpSet, encode_set, format_value, join_status
from nutrio.protocol.devices.snmp.model import var

ALL_ROWS = [row for mib in mibs.MIBS.values() for row in mib.vars]


def test_mib_tables_do_not_import_trio() -> None:
    code = "import sys, protocol.devices.snmp; assert 'trio' not in sys.modules and 'pysnmp' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "row, raw, served",
    [
        (var("battery.charge", "1.2"), 93, "93.00"),  # numbers print with two decimals
        (var("battery.voltage", "1.2", 0.1), 256, "25.60"),
        (var("battery.runtime", "1.2", 60.0), 45, "2700.00"),  # RFC 1628 minutes
        (var("battery.runtime", "1.2"), 70680.0, "70680.00"),  # TimeTicks already in seconds
        (var("input.transfer.high", "1.2", string_len=3, as_int=True), 253, "253"),
        (var("input.sensitivity", "1.2", lookup={3: "medium"}), 3, "medium"),
        (var("input.sensitivity", "1.2", lookup={3: "medium"}), 9, None),  # unknown code
        (var("ups.load", "1.2", 0.1, neg_invalid=True), -1, None),
        (var("battery.packs.bad", "1.2"), -1, "-1.00"),
        (var("ups.model", "1.2", string_len=32), "Smart-UPS 1000", "Smart-UPS 1000"),
    ],
)
def test_values_are_served_as_snmp_ups_prints_them(row, raw, served) -> None:
    assert format_value(row, raw) == served


def test_status_words_join_in_table_order_once_each() -> None:
    assert join_status(["OL", "BYPASS", "", "OL", "LB"]) == "OL BYPASS LB"
    ietf_source = mibs.MIBS["ietf"].vars[4]
    assert ietf_source.status and mibs.status_tokens(ietf_source, 4) == ("OL", "BYPASS")


@pytest.mark.parametrize(
    "sysoid, name",
    [
        ("1.3.6.1.2.1.33", "ietf"),
        (".1.3.6.1.4.1.318.1.3.2.12", "apcc"),
        ("1.3.6.1.4.1.318.1.3.4.5", "apc_pdu"),
        ("1.3.6.1.4.1.705.1", "mge"),
        ("1.3.6.1.4.1.534.6.6.7", "eaton_epdu"),
        ("1.3.6.1.4.1.318.1.3.28", None),  # arcs compare whole: 28 is not 2
        ("1.3.6.1.4.1.9.1.1", None),
    ],
)
def test_sysobjectid_picks_the_mapping(sysoid: str, name: str | None) -> None:
    mib = mibs.pick_by_sysoid(sysoid)
    assert (mib.name if mib else None) == name


def test_mibs_option_names_and_aliases() -> None:
    assert mibs.mib_named("apcc") is mibs.MIBS["apcc"] and mibs.mib_named("apc") is mibs.MIBS["apcc"]
    assert mibs.mib_named("auto") is None and mibs.mib_named("nosuch") is None


def test_set_var_encodings() -> None:
    enum = var("input.sensitivity", "1.5", string_len=1, lookup={1: "auto", 4: "high"}, rw=True)
    assert encode_set(enum, "high") == SnmpSet("1.5", 4)
    with pytest.raises(ValueError):
        encode_set(enum, "loud")
    text = var("outlet.%i.desc", "1.4.%i", string_len=8, rw=True)
    assert encode_set(text, "nas", "1.4.2") == SnmpSet("1.4.2", "nas", "str")
    with pytest.raises(ValueError):
        encode_set(text, "a much too long name", "1.4.2")
    with pytest.raises(ValueError):
        encode_set(text, "nas")  # a template has no OID of its own
    assert encode_set(var("x", "1.9", 0.1, rw=True), "23.4") == SnmpSet("1.9", 234)


def test_outlet_templates_expand_per_outlet() -> None:
    pdu = mibs.MIBS["apc_pdu"]
    names = [r.name for r in mibs.expand_vars(pdu, 2)]
    assert "outlet.2.desc" in names and not any("%i" in n for n in names)
    commands = mibs.expand_commands(pdu, 2)
    assert commands["outlet.2.load.off"] == (SnmpSet("1.3.6.1.4.1.318.1.1.4.4.2.1.3.2", 2),)
    assert mibs.expand_vars(pdu, 0) and not any(r.row.outlet for r in mibs.expand_vars(pdu, 0))


@pytest.mark.parametrize("mib", list(mibs.MIBS.values()), ids=list(mibs.MIBS))
def test_tables_are_consistent(mib: mibs.Mib) -> None:
    for row in mib.vars:
        assert row.oid is not None or row.default is not None, row.name
        if row.oid:
            mibs.oid_parts(row.oid.replace("%i", "1"))
        assert not row.rw or row.oid, row.name
    names = [c.name for c in mib.commands]
    assert len(names) == len(set(names))
    assert mib.probe_oid and mib.version_data.startswith(mib.name)


@given(row=st.sampled_from(ALL_ROWS), raw=st.one_of(st.integers(-(2**31), 2**32), st.text(max_size=40),
                                                     st.floats(allow_nan=False, allow_infinity=False)))
def test_any_value_from_an_agent_is_served_or_skipped_never_a_crash(row, raw) -> None:
    served = format_value(row, raw)
    assert served is None or isinstance(served, str)
    if row.status:
        assert all(isinstance(w, str) for w in mibs.status_tokens(row, raw))
