"""protocol/client/requests.py: ups names, request lines and reply lines, as NUT's upsclient reads them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nutrio.protocol.client.requests import (
    DEFAULT_PORT,
    AddressError,
    BeginList,
    Client,
    ClientErrorCode,
    Cmd,
    CmdDesc,
    Desc,
    EndList,
    Enum,
    Err,
    NumLogins,
    Ok,
    OkTracking,
    Pending,
    Range,
    Rw,
    Success,
    Type,
    Unrecognized,
    Ups,
    UpsAddress,
    UpsDesc,
    Var,
    build_request,
    error_code_of,
    parse_reply,
    quote_arg,
    reply_words,
    split_host,
    split_ups_name,
)
from nutrio.protocol.common.parseconf import encode_word, split_line

# -- ups names (each expectation checked against NUT 2.8.0's upsc) ---------


@pytest.mark.parametrize(
    ("text", "upsname", "host", "port"),
    [
        ("ups", "ups", "localhost", DEFAULT_PORT),
        ("ups@host", "ups", "host", DEFAULT_PORT),
        ("ups@host:1234", "ups", "host", 1234),
        ("ups@[::1]", "ups", "::1", DEFAULT_PORT),
        ("ups@[::1]:1234", "ups", "::1", 1234),
        ("ups@[fe80::1]junk:99", "ups", "fe80::1", DEFAULT_PORT),  # no ':' right after ']'
        ("ups@[]:5", "ups", ":5", DEFAULT_PORT),  # strtok skips the empty literal
        ("ups@host:1234junk", "ups", "host", 1234),  # strtol stops at the junk
        ("ups@host:+7", "ups", "host", 7),
        ("ups@host: 7", "ups", "host", 7),
        ("ups@host:7:8", "ups", "host", 7),
        ("ups@:3493", "ups", "3493", DEFAULT_PORT),  # leading ':' skipped: host "3493"
        ("@host:5", "host:5", "host", 5),  # leading '@' skipped by strtok
        ("@a@b", "a", "a", DEFAULT_PORT),  # strtok's NUL cuts the host part short
        ("ups@@host", "ups", "@host", DEFAULT_PORT),
        ("u@h@x", "u", "h@x", DEFAULT_PORT),
    ],
)
def test_ups_name_splits_like_upscli_splitname(text: str, upsname: str, host: str, port: int) -> None:
    assert split_ups_name(text) == UpsAddress(upsname=upsname, host=host, port=port)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "upscli_splitname: can't parse empty string"),
        ("ups@", "upscli_splitaddr: can't parse empty string"),
        ("ups@host:", "upscli_splitaddr: no port specified after ':' separator"),
        ("ups@host:0", "upscli_splitaddr: no port specified after ':' separator"),
        ("ups@host:-5", "upscli_splitaddr: no port specified after ':' separator"),
        ("ups@host:65536", "upscli_splitaddr: no port specified after ':' separator"),
        ("ups@host:0x10", "upscli_splitaddr: no port specified after ':' separator"),
        ("ups@host:99999999999999999999999", "upscli_splitaddr: no port specified after ':' separator"),
        ("ups@::1", "upscli_splitaddr: no port specified after ':' separator"),
        ("ups@[::1", "upscli_splitaddr: missing closing bracket in [domain literal]"),
        (None, ""),  # NUT fails silently when there is no argument
        ("@", ""),  # NUT 2.8.0 crashes on these two
        ("ups@[]", ""),
    ],
)
def test_bad_ups_names_carry_nuts_message(text: str | None, message: str) -> None:
    with pytest.raises(AddressError) as caught:
        split_ups_name(text)
    assert caught.value.message == message


def test_bare_host_splits_like_upscli_splitaddr() -> None:
    assert split_host("localhost") == ("localhost", DEFAULT_PORT)
    assert split_host("10.0.0.1:3494") == ("10.0.0.1", 3494)
    assert split_host("[::1]:3494") == ("::1", 3494)
    with pytest.raises(AddressError):
        split_host("host:")


def test_long_names_are_cut_to_nuts_buffer() -> None:
    address = split_ups_name("u" * 600)
    assert address.upsname == "u" * 511


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="@:[]"),
               min_size=1, max_size=40),
       st.from_regex(r"[a-z][a-z0-9.-]{0,30}", fullmatch=True), st.integers(1, 65535))
def test_any_plain_name_host_and_port_come_back(upsname: str, host: str, port: int) -> None:
    assert split_ups_name(f"{upsname}@{host}:{port}") == UpsAddress(upsname=upsname, host=host, port=port)


# -- requests --------------------------------------------------------------


def test_request_quotes_only_arguments_with_spaces_like_build_cmd() -> None:
    assert build_request("GET", "VAR", "ups", "ups.status") == b"GET VAR ups ups.status\n"
    assert build_request("GET", "VAR", "ups", 'a "b"') == b'GET VAR ups "a \\"b\\""\n'
    assert build_request("LIST", "VAR", "we#ird\\") == b"LIST VAR we\\#ird\\\\\n"
    assert build_request("LIST", "UPS") == b"LIST UPS\n"


def test_strict_quoting_keeps_tabs_equals_and_empty_arguments() -> None:
    assert quote_arg("a=b") == "a=b"
    assert quote_arg("a=b", strict=True) == '"a=b"'
    assert quote_arg("", strict=True) == '""'
    assert quote_arg("a\tb", strict=True) == '"a\tb"'


printable = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)


@given(st.from_regex(r"[A-Z]{1,10}", fullmatch=True), st.lists(printable, max_size=20))
def test_strict_request_round_trips_through_upsds_tokenizer(command: str, args: list[str]) -> None:
    assert split_line(build_request(command, *args, strict=True)) == (command, *args)


@given(st.from_regex(r"[A-Z]{1,10}", fullmatch=True),
       st.lists(printable.filter(lambda a: a != "" and "=" not in a), max_size=20))
def test_nut_style_request_round_trips_without_empty_or_equals_arguments(command: str, args: list[str]) -> None:
    # NUT's build_cmd does not quote "" or '=' (a word of its own to upsd); everything else survives
    assert split_line(build_request(command, *args)) == (command, *args)


# -- replies ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("OK", Ok()),
        ("OK Goodbye", Ok(detail="Goodbye")),
        ("OK TRACKING 0123abcd-4567-89ef-0123-456789abcdef",
         OkTracking(id="0123abcd-4567-89ef-0123-456789abcdef")),
        ("ERR ACCESS-DENIED", Err(code="ACCESS-DENIED")),
        ("ERR UNKNOWN-UPS extra words", Err(code="UNKNOWN-UPS", extra="extra words")),
        ('VAR ups ups.status "OL CHRG"', Var(ups="ups", name="ups.status", value="OL CHRG")),
        ('VAR ups ups.vendorid "x\\"y z\\"w"', Var(ups="ups", name="ups.vendorid", value='x"y z"w')),
        ('RW ups ups.id "a\\\\b"', Rw(ups="ups", name="ups.id", value="a\\b")),
        ("TYPE ups ups.id RW STRING:16", Type(ups="ups", name="ups.id", types=("RW", "STRING:16"))),
        ('DESC ups ups.id "UPS system identifier"', Desc(ups="ups", name="ups.id", desc="UPS system identifier")),
        ('CMDDESC ups load.off "Turn off"', CmdDesc(ups="ups", cmd="load.off", desc="Turn off")),
        ('UPSDESC ups "test"', UpsDesc(ups="ups", desc="test")),
        ("NUMLOGINS ups 2", NumLogins(ups="ups", count=2)),
        ("CMD ups load.off", Cmd(ups="ups", cmd="load.off")),
        ('ENUM ups ups.mode "eco"', Enum(ups="ups", name="ups.mode", value="eco")),
        ('RANGE ups ups.delay "0" "100"', Range(ups="ups", name="ups.delay", min="0", max="100")),
        ('UPS eaton "Eaton 5PX"', Ups(ups="eaton", desc="Eaton 5PX")),
        ("CLIENT ups 127.0.0.1", Client(ups="ups", address="127.0.0.1")),
        ("BEGIN LIST VAR ups", BeginList(kind="VAR", args=("ups",))),
        ("END LIST ENUM ups ups.mode", EndList(kind="ENUM", args=("ups", "ups.mode"))),
        ("BEGIN LIST UPS", BeginList(kind="UPS", args=())),
        ("PENDING", Pending()),
        ("SUCCESS", Success()),
        ("VAR ups x", Unrecognized(words=("VAR", "ups", "x"))),
        ("", Unrecognized(words=())),
        ("HELLO there", Unrecognized(words=("HELLO", "there"))),
    ],
)
def test_reply_lines_parse_to_typed_replies(line: str, reply: object) -> None:
    assert parse_reply(line) == reply
    assert parse_reply(line.encode() + b"\n") == reply


def test_hash_inside_quotes_ends_the_reply_like_nut_clients() -> None:
    # NUT 2.8.0's upsc prints "a " for this reply
    assert reply_words('VAR ups x.y "a # b" tail') == ("VAR", "ups", "x.y", "a ")


def test_non_ascii_bytes_vanish_from_replies() -> None:
    assert parse_reply('VAR ups x "caf\u00e9 ok"'.encode()) == Var(ups="ups", name="x", value="caf ok")


@given(st.text().filter(lambda v: "\n" not in v))
@example('a "quoted" # value \\ with \\\\ escapes')
@example("")
def test_any_value_survives_upsds_quoting(value: str) -> None:
    # upsd writes VAR lines as "..." around encode_word(value); NUT's tokenizer
    # drops characters outside 0x20..0x7f, so only those come back
    line = f'VAR ups some.var "{encode_word(value)}"\n'.encode()
    kept = "".join(c for c in value if 0x20 <= ord(c) <= 0x7F)
    assert parse_reply(line) == Var(ups="ups", name="some.var", value=kept)


@given(st.binary(max_size=300))
def test_any_bytes_parse_to_some_reply(data: bytes) -> None:
    parse_reply(data)  # never raises


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("ERR VAR-NOT-SUPPORTED", ClientErrorCode.VARNOTSUPP),
        ("ERR UNKNOWN-UPS", ClientErrorCode.UNKNOWNUPS),
        ("ERR DRIVER-NOT-CONNECTED", ClientErrorCode.DRVNOTCONN),
        ("ERR DATA-STALE", ClientErrorCode.DATASTALE),
        ("ERR FEATURE-NOT-CONFIGURED", ClientErrorCode.UNKNOWN),  # not in upsclient's table
        ("ERR UNKNOWN-UPSX", ClientErrorCode.UNKNOWNUPS),  # prefix match, as in C
        ("ERRATIC", ClientErrorCode.UNKNOWN),
        ("OK", None),
        ('VAR ups x "ERR"', None),
    ],
)
def test_err_lines_map_to_client_errors_like_upscli_errcheck(line: str, code: ClientErrorCode | None) -> None:
    assert error_code_of(line) == code


def test_client_error_texts_are_upscli_strerror() -> None:
    assert ClientErrorCode.UNKNOWNUPS.text == "Unknown UPS"
    assert ClientErrorCode.DRVNOTCONN.text == "Driver not connected"
    assert ClientErrorCode.CONNFAILURE.text == "Connection failure: %s"
    assert Err(code="ACCESS-DENIED").client_code is ClientErrorCode.ACCESSDENIED


def test_protocol_client_does_not_import_trio() -> None:
    code = "import sys, protocol.client.requests; sys.exit('trio' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0
