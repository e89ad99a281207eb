"""Hostile input to the pure parsers: each raises only its declared error, or none.

Config text gives a Config or a ConfigError; .dev/.seq bytes always parse;
megatec/apcsmart replies raise only ReplyError/ValueError where documented;
HID descriptors never raise; SNMP values always format.
"""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from nutrio import conf
from nutrio.protocol.common.parseconf import split_line
from nutrio.protocol.devices import megatec
from nutrio.protocol.devices.apcsmart import protocol as apcsmart
from nutrio.protocol.devices.dummy.devfile import parse_items, read_device_file
from nutrio.protocol.devices.hid.descriptor import parse_descriptor
from nutrio.protocol.devices.hid.values import get_value, set_value, to_physical
from nutrio.protocol.devices.snmp import MAPPINGS, Dstate, Engine
from nutrio.protocol.devices.snmp import reads as snmp_reads
from nutrio.protocol.devices.snmp.ber import Tag, VarBind
from nutrio.protocol.devices.snmp.engine import drive_sync
from nutrio.protocol.devices.snmp.values import format_number
from tests.fuzz._settings import fuzz
from tests.paths import DATA

ROOT = Path(__file__).resolve().parents[2]
REAL_CONFIGS = sorted((ROOT / "conf").rglob("*.toml"))
DEV_FILES = sorted(DATA.rglob("*.dev")) + sorted(DATA.rglob("*.seq"))
HID_DUMPS = sorted((ROOT / "tests/drivers/hid").glob("*.hex"))

TOML_BITS = st.sampled_from([
    "[server]\n", "[devices.ups]\n", "[users.admin]\n", "[monitor]\n", "[web]\n", "[chaos]\n",
    "[[chaos.faults]]\n", 'driver = "dummy-ups"\n', 'port = "x.dev"\n', "listen = [\"127.0.0.1:0\"]\n",
    'password = "p"\n', 'actions = ["SET", "FSD"]\n', 'instcmds = ["all"]\n', 'upsmon = "primary"\n',
    "maxage = -1\n", "maxconn = 0\n", "pollinterval = \"fast\"\n", "= 3\n", "x = \n", "\"\n",
    "[server.tls]\n", 'certfile = "/nope"\n', "require = true\n", "a.b.c = 1\n", "[[x]]\n",
    "\x00", "\ud7ff", "#", "\n", "1e999\n", "inf\n", "[devices.\"\"]\n",
])


def _load(text: str) -> None:
    try:
        conf.loads(text)
    except conf.ConfigError as error:
        assert str(error)  # a readable message, never a traceback


@fuzz
@given(st.text(max_size=400))
@example("[devices]\nx = 1\n")
@example("[users.a]\npassword_hash = \"scrypt$1$1$1$$\"\n")
def test_random_text_gives_a_config_or_a_config_error(text):
    _load(text)


@fuzz
@given(st.lists(TOML_BITS, max_size=30))
def test_toml_shaped_text_gives_a_config_or_a_config_error(parts):
    _load("".join(parts))


@fuzz
@given(st.sampled_from(REAL_CONFIGS or [None]), st.randoms(use_true_random=False), st.integers(1, 8))
def test_mutated_real_configs_give_a_config_or_a_config_error(path, rng: random.Random, edits):
    if path is None:
        return
    lines = path.read_text().splitlines(keepends=True)
    for _ in range(edits):
        if not lines:
            break
        i = rng.randrange(len(lines))
        choice = rng.randrange(5)
        if choice == 0:
            del lines[i]
        elif choice == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif choice == 2:
            cut = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:cut] + "\n"
        elif choice == 3:
            lines[i] = lines[i].replace("=", "= -", 1)
        else:
            lines[i] = lines[i].replace('"', "", 1)
    _load("".join(lines))


@fuzz
@given(st.binary(max_size=600))
@example(b'ups.status: "OL\n')
@example(b"TIMER -5\nups.status OL\n")
@example(b"\xff\xfe: \\\n")
def test_random_dev_bytes_always_parse(data):
    parse_items(data)
    read_device_file(data)


@fuzz
@given(st.sampled_from(DEV_FILES or [None]), st.binary(max_size=40), st.integers(0, 10**6))
def test_mutated_real_dev_files_always_parse(path, junk, where):
    if path is None:
        return
    data = bytearray(path.read_bytes())
    where %= len(data) + 1
    data[where:where] = junk
    read_device_file(bytes(data))


@fuzz
@given(st.binary(max_size=300))
def test_nut_tokenizer_never_raises_on_a_line(data):
    split_line(data)  # a parse error yields the words before it


@fuzz
@given(st.sampled_from([megatec.Q1, megatec.F, megatec.I]), st.binary(max_size=80))
@example(megatec.Q1, b"(" + b"x" * 46)
def test_megatec_replies_raise_only_reply_error(query, reply):
    try:
        text = megatec.check_reply(query, reply)
    except megatec.ReplyError:
        return
    fields = {megatec.Q1: megatec.Q1_FIELDS, megatec.F: megatec.F_FIELDS, megatec.I: megatec.I_FIELDS}
    values = megatec.read_fields(text, fields[query])
    if query == megatec.Q1:
        bits = megatec.status_bits(text)
        try:
            flags = megatec.apply_status_bits(
                frozenset(), bits, input_voltage=megatec.c_strtod(values.get("input.voltage", "0")),
                output_voltage=megatec.c_strtod(values.get("output.voltage", "0")))
        except megatec.ReplyError:
            return
        megatec.status_words(flags)
        megatec.alarms(bits, flags)
        megatec.ups_type(bits)
        megatec.beeper_status(bits)


@fuzz
@given(st.binary(max_size=80), st.booleans())
def test_blazer_replies_never_raise(reply, _):
    text = reply.decode("latin-1")
    try:
        _words, pos = megatec.blazer_words(text, 7)
        megatec.blazer_status_word(text, pos)
    except megatec.ReplyError:
        pass
    megatec.blazer_vendor(text)


@fuzz
@given(st.binary(max_size=80), st.booleans(), st.sampled_from(apcsmart.VARS))
def test_apcsmart_replies_raise_only_value_error(raw, alert_aware, var):
    reply = apcsmart.filter_reply(raw, alert_aware=alert_aware)
    status = apcsmart.parse_status(reply.text)
    for alert in reply.alerts:
        status = apcsmart.apply_alert(status, alert)
    apcsmart.status_words(status)
    apcsmart.convert(var, reply.text)
    apcsmart.pack_values(var, reply.text)
    apcsmart.parse_cmdset(reply.text)
    try:
        apcsmart.parse_caps(reply.text)
    except ValueError:
        pass


@fuzz
@given(st.binary(max_size=400), st.binary(max_size=64))
@example(b"\x85\x01\x75\x20\x95\xff\x15\x80\x25\x7f\x81\x02", b"\x01" + b"\xff" * 8)
@example(b"\x27\xff\xff\xff\xff\x17\x00\x00\x00\x80\x75\x40\x95\x01\x81\x02", b"\x00" * 9)
def test_hid_descriptors_and_reports_never_raise(descriptor, report):
    parsed = parse_descriptor(descriptor)
    for field in parsed.fields[:50]:
        value = get_value(report, field)
        to_physical(field, value)
        set_value(report, field, value)


@fuzz
@given(st.sampled_from(HID_DUMPS or [None]), st.binary(max_size=16), st.integers(0, 10**6))
def test_mutated_real_hid_descriptors_never_raise(path, junk, where):
    if path is None:
        return
    data = bytearray(bytes.fromhex(path.read_text()))
    where %= len(data) + 1
    data[where:where + len(junk)] = junk
    parsed = parse_descriptor(bytes(data))
    for field in parsed.fields:
        to_physical(field, get_value(junk * 8, field))


SNMP_ROWS = [row for mapping in MAPPINGS for row in mapping.rows]
_OID = "1.3.6.1.4.1.99.1.0"
SNMP_BINDING = st.one_of(
    st.builds(VarBind, st.just(_OID), st.sampled_from([Tag.INTEGER, Tag.GAUGE32, Tag.TIMETICKS]),
              st.integers(0, 2**32 - 1)),
    st.builds(VarBind, st.just(_OID), st.just(Tag.INTEGER), st.integers(-2**31, 2**31 - 1)),
    st.builds(VarBind, st.just(_OID), st.sampled_from([Tag.OCTET_STRING, Tag.OPAQUE, Tag.IP_ADDRESS]),
              st.binary(max_size=60)),
    st.builds(VarBind, st.just(_OID), st.just(Tag.OID), st.just(_OID)),  # an OID pointing at itself
    st.builds(VarBind, st.just(_OID), st.sampled_from([Tag.NULL, Tag.NO_SUCH_OBJECT, Tag.COUNTER64])),
)


@fuzz
@given(st.sampled_from(SNMP_ROWS), SNMP_BINDING)
def test_snmp_values_always_format(row, binding):
    """Whatever an agent answers, each way snmp-ups reads it gives text, a number or nothing."""
    eng = Engine(Dstate(read_device_file(b"")))
    text = drive_sync(snmp_reads.get_str(eng, _OID, row.lookup, 128), lambda _: binding)
    number = drive_sync(snmp_reads.get_int(eng, _OID), lambda _: binding)
    assert text is None or (isinstance(text, str) and len(text) < 128)
    if number is not None:
        assert isinstance(format_number(number, row.length), str)
