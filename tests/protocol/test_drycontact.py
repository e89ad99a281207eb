"""The dry-contact USB interfaces' packets (richcomm_usb, nutdrv_atcl_usb): pure parsing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices.drycontact import atcl, richcomm


def test_richcomm_contacts_become_status_words() -> None:
    assert richcomm.status_words(richcomm.reply(online=True, battery_low=False)) == ("OL",)
    assert richcomm.status_words(richcomm.reply(online=False, battery_low=False)) == ("OB",)
    assert richcomm.status_words(richcomm.reply(online=False, battery_low=True)) == ("OB", "LB")
    assert richcomm.status_words(richcomm.reply(online=True, battery_low=True)) == ("OL", "LB")


def test_a_richcomm_reply_shorter_than_four_bytes_is_a_failed_update() -> None:
    assert richcomm.status_words(b"\x01\x00\x06") is None
    assert richcomm.status_words(b"\x00\x00\x00\x06") == ("OL",)  # only byte 3 counts


@given(st.binary(max_size=64))
def test_any_richcomm_reply_gives_words_or_none(data: bytes) -> None:
    words = richcomm.status_words(data)
    if len(data) < 4:
        assert words is None
    else:
        assert words is not None and words[0] in ("OL", "OB") and set(words[1:]) <= {"LB"}


def test_atcl_state_byte() -> None:
    assert atcl.status_words(b"\x03" + bytes(7)) == ("OL",)
    assert atcl.status_words(b"\x01" + bytes(7)) == ("OB",)
    assert atcl.status_words(b"\x02" + bytes(7)) == ("LB", "OB")  # NUT's order
    assert atcl.status_words(b"\x07" + bytes(7)) == ()
    assert atcl.status_words(b"\x03" * 7) is None


def test_atcl_notice_only_looks_at_byte_one() -> None:
    assert not atcl.odd_padding(b"\x03\x00\x05\x05\x05\x05\x05\x05")
    assert atcl.odd_padding(b"\x03\x01" + bytes(6))


@given(st.binary(max_size=32))
def test_any_atcl_packet_gives_words_or_none(data: bytes) -> None:
    words = atcl.status_words(data)
    assert (words is None) == (len(data) != atcl.STATUS_SIZE)
    assert words is None or set(words) <= {"OL", "OB", "LB"}


def test_atcl_vendor_matching_follows_nut() -> None:
    assert atcl.vendor_matches("ATCL FOR UPS", None)
    assert not atcl.vendor_matches("Other", None)
    assert atcl.vendor_matches("Other", "Other")
    assert not atcl.vendor_matches(None, None)
    assert atcl.vendor_matches(None, "NULL")
    assert not atcl.vendor_matches("atcl for ups", None)  # an exact comparison
