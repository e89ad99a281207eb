"""The MIB tables, NUT's walk and the SNMP codec, pure (no agent, no trio).

A dict stands in for the agent: ``FakeAgent`` answers the walk's requests as a
v1 agent (a missing OID: no answer) or a v2c one (a missing OID: noSuchObject).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutrio.protocol.devices import snmp
from nutrio.protocol.devices.dummy.devfile import DeviceVars
from nutrio.protocol.devices.snmp import ber, setoid, start, usm
from nutrio.protocol.devices.snmp.ber import Tag, VarBind
from nutrio.protocol.devices.snmp.engine import Get, Set, Walk, drive_sync
from nutrio.protocol.devices.snmp.values import c_format, format_number, octets_text, strtol

IETF = "1.3.6.1.2.1.33.1."


@dataclass
class FakeAgent:
    values: dict[str, VarBind]
    v2c: bool = False
    sets: list[VarBind] = field(default_factory=list)

    def __call__(self, request: object) -> object:
        match request:
            case Get(oid):
                found = self.values.get(oid.strip("."))
                if found is None and self.v2c:
                    return VarBind(oid.strip("."), Tag.NO_SUCH_OBJECT)
                return found
            case Walk(oid):
                return [v for k, v in sorted(self.values.items()) if k.startswith(oid.strip("."))]
            case Set(binding):
                self.sets.append(binding)
                return True
        raise AssertionError(request)


def _int(oid: str, value: int) -> tuple[str, VarBind]:
    return oid, VarBind(oid, Tag.INTEGER, value)


def _text(oid: str, value: str) -> tuple[str, VarBind]:
    return oid, VarBind(oid, Tag.OCTET_STRING, value.encode())


def ietf_agent(**extra: VarBind) -> FakeAgent:
    values = dict([
        ("1.3.6.1.2.1.1.2.0", VarBind("1.3.6.1.2.1.1.2.0", Tag.OID, "1.3.6.1.2.1.33")),
        _text("1.3.6.1.2.1.1.1.0", "test agent"), _text(IETF + "1.1.0", "Acme"),
        _text(IETF + "1.2.0", "PowerBox"), _int(IETF + "2.1.0", 2), _int(IETF + "4.1.0", 3),
        _int(IETF + "2.3.0", 45), _int(IETF + "2.5.0", 273), _int(IETF + "3.2.0", 1),
        _int(IETF + "3.3.1.3.1", 230), _int(IETF + "3.3.1.2.1", 499), _int(IETF + "8.2.0", -1),
        _int(IETF + "9.8.0", 2), _int(IETF + "7.1.0", 1),
    ])
    values.update(extra)
    return FakeAgent(values)


def started(agent: FakeAgent, **options: object) -> snmp.Engine:
    eng = snmp.Engine(snmp.Dstate(DeviceVars()), snmp.Options(**options))  # type: ignore[arg-type]
    drive_sync(start.load_mapping(eng, snmp.MAPPINGS), agent)
    drive_sync(start.init_ups(eng), agent)
    drive_sync(start.init_info(eng), agent)
    drive_sync(start.update_info(eng, lambda: 0), agent)
    return eng


def test_mib_tables_do_not_import_trio() -> None:
    code = ("import sys, nutrio.protocol.devices.snmp; "
            "assert 'trio' not in sys.modules and 'pysnmp' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("raw, multiplier, served", [
    (93, 1, "93"), (256, 0.1, "25.60"), (45, 60, "2700"), (2400, 0.1, "240"), (499, 0.1, "49.90"),
    (2345, 0.1, "234.50"), (-1, 1, "-1"), (123456789, 0.01, "1234567.88"),  # %.2f of a float
    (3_000_000_000, 1, "3000000000.00"),  # too big for C's int: printed as a float
])
def test_numbers_are_served_as_snmp_ups_prints_them(raw: int, multiplier: float, served: str) -> None:
    assert format_number(raw, multiplier) == served


@pytest.mark.parametrize("text, number", [("42", 42), ("0x1F", 31), ("017", 15), ("  -3 V", -3),
                                          ("volts", 0), ("", 0)])
def test_text_read_as_a_number_goes_through_strtol(text: str, number: int) -> None:
    assert strtol(text) == number


def test_binary_octets_are_shown_as_hex_and_text_is_cut_to_the_buffer() -> None:
    assert octets_text(b"\x00\x1a\x2b", 128) == "00 1A 2B "
    assert octets_text(b"abcdef", 4) == "abc"
    assert c_format(".1.2.%i.%i", 0, 7) == ".1.2.0.7"


def test_a_null_lookup_entry_ends_the_search_as_in_nut() -> None:
    cyberpower = next(m for m in snmp.MAPPINGS if m.name == "cyberpower")
    power = next(r for r in cyberpower.rows if r.name == "ups.status" and r.lookup)
    assert power.lookup is not None and power.lookup.text(2) is None  # its table starts with "NULL"


@pytest.mark.parametrize("sysoid, extra, mapping", [
    ("1.3.6.1.2.1.33", {}, "ietf"),
    ("1.3.6.1.4.1.850.1", {}, "tripplite"),
    ("1.3.6.1.4.1.9.1.1", {}, "tripplite"),  # unknown sysObjectID: NUT's order, first model OID
    ("1.3.6.1.4.1.705.1", dict([_text("1.3.6.1.4.1.705.1.1.1.0", "Evolution")]), "mge"),
])
def test_mibs_auto_follows_nuts_order(sysoid: str, extra: dict[str, VarBind], mapping: str) -> None:
    agent = ietf_agent(**{k.replace(".", "_"): v for k, v in {}.items()})
    agent.values["1.3.6.1.2.1.1.2.0"] = VarBind("1.3.6.1.2.1.1.2.0", Tag.OID, sysoid)
    agent.values.update(extra)
    assert started(agent).mapping.name == mapping  # type: ignore[union-attr]


def test_an_agent_without_the_model_oid_is_refused() -> None:
    agent = ietf_agent()
    del agent.values[IETF + "1.2.0"]
    with pytest.raises(snmp.Refused, match="No supported device"):
        started(agent)
    with pytest.raises(snmp.Refused, match="Unknown 'mibs'"):
        started(ietf_agent(), mibs="nosuch")
    assert [m.name for m in snmp.by_name("apc_pdu")] == ["apc_pdu"] * 3


def test_ietf_walk_serves_nuts_values_and_phases() -> None:
    eng = started(ietf_agent())
    state = eng.dstate.vars
    assert state.get("driver.version.data") == "ietf MIB 1.54"
    assert (state.get("ups.status"), state.get("battery.runtime")) == ("OL", "2700")
    assert (state.get("battery.voltage"), state.get("input.frequency")) == ("27.30", "49.90")
    assert state.get("input.phases") == "1" and state.get("input.voltage") == "230"
    assert state.get("input.bypass.phases") == "1"  # bypass rows are judged by input phases
    assert state.get("device.description") == "test agent"
    assert "beeper.disable" in state.freeze().commands and "load.off" in state.freeze().commands
    assert state.info("device.contact") == state.info("ups.timer.shutdown").__class__()


def test_status_words_keep_nuts_order_and_alarm_leads() -> None:
    agent = ietf_agent(a=VarBind(IETF + "2.1.0", Tag.INTEGER, 3))
    agent.values[IETF + "2.1.0"] = VarBind(IETF + "2.1.0", Tag.INTEGER, 3)  # battery low
    agent.values[IETF + "4.1.0"] = VarBind(IETF + "4.1.0", Tag.INTEGER, 5)  # on battery
    assert started(agent).dstate.get("ups.status") == "LB OB"  # table order: battery row first


def test_set_var_and_commands_become_nuts_sets() -> None:
    agent = ietf_agent()
    eng = started(agent)
    assert drive_sync(setoid.instcmd(eng, "beeper.disable"), agent) == setoid.HANDLED
    assert drive_sync(setoid.setvar(eng, "ups.timer.shutdown", "20"), agent) == setoid.HANDLED
    assert drive_sync(setoid.setvar(eng, "battery.charge", "x"), agent) == setoid.UNKNOWN
    assert [(s.oid.strip("."), s.tag, s.value) for s in agent.sets] == [
        (IETF + "9.8.0", Tag.INTEGER, 1), (IETF + "8.2.0", Tag.OCTET_STRING, b"20")]
    assert drive_sync(setoid.instcmd(eng, "no.such"), agent) == setoid.UNKNOWN


def test_outlet_templates_count_and_switch() -> None:
    pdu = "1.3.6.1.4.1.318.1.1.4."
    values = dict([
        ("1.3.6.1.2.1.1.2.0", VarBind("1.3.6.1.2.1.1.2.0", Tag.OID, "1.3.6.1.4.1.318.1.3.4.5")),
        _text(pdu + "1.4.0", "AP7900"), _int(pdu + "4.1.0", 2),
        *(_int(pdu + f"4.2.1.1.{n}", n) for n in (1, 2)),  # the first template finds the base
        *(_int(pdu + f"4.2.1.3.{n}", 1) for n in (1, 2)),
        *(_text(pdu + f"4.2.1.4.{n}", f"out{n}") for n in (1, 2)),
    ])
    agent = FakeAgent(values)
    eng = started(agent)
    state = eng.dstate.vars
    assert state.get("outlet.count") == "2" and state.get("outlet.2.desc") == "out2"
    assert state.get("outlet.1.status") == "on" and state.get("device.type") == "pdu"
    assert eng.dstate.vars.info("outlet.2.status").enums == ("on", "off")
    assert drive_sync(setoid.setvar(eng, "outlet.2.status", "off"), agent) == setoid.HANDLED
    # a STRING row is written as text, lookup or not: NUT 2.8.0 sends "off", not 2
    assert agent.sets[-1] == VarBind("." + pdu + "4.2.1.3.2", Tag.OCTET_STRING, b"off")
    assert not any("load" in c for c in state.freeze().commands)  # apc_pdu 2.8.0 has none
    assert drive_sync(setoid.setvar(eng, "outlet.desc", "x"), agent) == setoid.UNKNOWN


@pytest.mark.parametrize("mapping", snmp.MAPPINGS, ids=lambda m: f"{m.name}:{m.sysoid}")
def test_tables_are_consistent(mapping: snmp.Mapping) -> None:
    assert mapping.version_data == f"{mapping.name} MIB {mapping.version}"
    assert any(r.name.lower() in ("ups.model", "device.model") for r in mapping.rows)
    for row in mapping.rows:
        assert row.oid is not None or row.default is not None or row.flags & snmp.Flag.TYPE_CMD
        if row.oid and "%" not in row.oid:
            assert ber.is_oid(row.oid), row
    listed = [s.version_data for s in snmp.SUPPORTED]
    assert mapping.version_data in listed


def test_supported_lists_every_mapping_once_per_sysobjectid() -> None:
    assert len(snmp.SUPPORTED) == len(snmp.MAPPINGS) == 30
    assert len({s.name for s in snmp.SUPPORTED}) == 28


_TAGS = st.sampled_from([Tag.INTEGER, Tag.OCTET_STRING, Tag.OID, Tag.TIMETICKS, Tag.GAUGE32,
                         Tag.IP_ADDRESS, Tag.NULL, Tag.NO_SUCH_INSTANCE, Tag.COUNTER64])


def _binding(oid: str, tag: int, number: int, raw: bytes) -> VarBind:
    if tag in (Tag.INTEGER, Tag.TIMETICKS, Tag.GAUGE32, Tag.COUNTER64):
        return VarBind(oid, tag, abs(number) if tag != Tag.INTEGER else number)
    if tag == Tag.OID:
        return VarBind(oid, tag, "1.3.6.1.4." + str(abs(number) % 50))
    if tag in (Tag.OCTET_STRING, Tag.IP_ADDRESS):
        return VarBind(oid, tag, raw)
    return VarBind(oid, tag)


@settings(max_examples=60, deadline=None)
@given(mapping=st.sampled_from(snmp.MAPPINGS), tag=_TAGS,
       number=st.integers(-(2**31), 2**32), raw=st.binary(max_size=20), v2c=st.booleans())
def test_any_agent_value_is_served_or_skipped_never_a_crash(mapping, tag, number, raw, v2c) -> None:
    oids = {r.oid.strip(".") for r in mapping.rows if r.oid and "%" not in r.oid}
    values = {oid: _binding(oid, tag, number, raw) for oid in oids}
    model = next(r for r in mapping.rows if r.name.lower() in ("device.model", "ups.model"))
    assert model.oid is not None
    key = c_format(model.oid, 0).strip(".")
    values[key] = VarBind(key, Tag.OCTET_STRING, b"Model")
    try:
        eng = started(FakeAgent(values, v2c=v2c), mibs=mapping.name)
    except snmp.Refused:
        return
    assert eng.dstate.get("driver.version.data") == mapping.version_data


@given(st.lists(st.tuples(st.lists(st.integers(0, 2**32), min_size=1, max_size=8), _TAGS,
                          st.integers(-(2**31), 2**31 - 1), st.binary(max_size=30)), max_size=8),
       st.integers(0, 2**31 - 1))
def test_community_messages_round_trip(binds, rid) -> None:
    varbinds = tuple(_binding("1.3." + ".".join(map(str, arcs)), tag, n, raw)
                     for arcs, tag, n, raw in binds)
    pdu = ber.Pdu(ber.PduType.RESPONSE, rid, varbinds)
    message = ber.encode_community(1, b"public", pdu)
    assert ber.decode_community(message) == ber.CommunityMessage(1, b"public", pdu)


@given(st.binary(max_size=200))
def test_garbage_is_a_ber_error_never_a_crash(data: bytes) -> None:
    try:
        ber.decode_community(data)
    except ber.BerError:
        pass


@pytest.mark.parametrize("auth, priv", [("MD5", "DES"), ("SHA", "AES"), ("SHA256", "AES256")])
def test_v3_messages_sign_encrypt_and_open(auth: str, priv: str) -> None:
    user = usm.UsmUser(name=b"u", level="authPriv", auth_protocol=auth, auth_password=b"authpass1",
                       priv_protocol=priv, priv_password=b"privpass1")
    engine = usm.Engine(b"\x80\x00\x1f\x88\x04test", boots=3, time=1000)
    pdu = ber.Pdu(ber.PduType.GET, 77, (VarBind("1.3.6.1.2.1.1.1.0"),))
    message = usm.wrap(pdu, user, engine, 0.0)
    opened = usm.unwrap(message, user, engine, 0.0)
    assert opened.pdu == pdu and opened.msg_id == 77 and opened.error is None
    tampered = message[:-1] + bytes([message[-1] ^ 1])
    assert usm.unwrap(tampered, user, engine, 0.0).error == "wrong digest"
