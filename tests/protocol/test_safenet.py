"""NUT 2.8.0 safenet's protocol: status lines, the "random" status requests, the shutdown
requests and the ups.conf delays."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.devices import safenet as sn


def test_the_protocol_package_is_pure() -> None:
    code = "import sys, nutrio.protocol.devices.safenet; assert 'trio' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_glibc_random_gives_the_c_library_sequence_for_seed_1() -> None:
    rng = sn.GlibcRandom()
    assert [rng.random() for _ in range(3)] == [1804289383, 846930886, 1681692777]


def test_status_requests_are_the_real_drivers_first_ones() -> None:
    # what NUT 2.8.0's safenet sent first on tests/drivers/test_safenet_vs_real_nut.py
    rng = sn.GlibcRandom()
    assert [sn.status_request(rng) for _ in range(3)] == [
        b"ZDGHFLFGCJBC\r", b"ZHAJDGAGCLBI\r", b"ZHJCACDHFLCC\r"]


@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_every_status_request_has_the_shape_units_check(seed: int) -> None:
    rng = sn.GlibcRandom(seed)
    for _ in range(5):
        assert sn.is_status_request(sn.status_request(rng))


@pytest.mark.parametrize("request_", [sn.INITIALIZE, sn.BATTERY_TEST, sn.TOGGLE_BEEP,
                                      b"ZAAAAAAAAAAA\r", b"ZJAAAAAAAAAL"])
def test_other_requests_are_not_status_requests(request_: bytes) -> None:
    assert not sn.is_status_request(request_)


def test_a_status_line_gives_its_flags_and_status() -> None:
    status = sn.parse_status(b"$BABBAABBBA\r")
    assert status is not None and status.onbattery and not status.silenced
    assert sn.status_words(status) == ["OB", "LB", "OVER", "RB", "CAL"]
    assert sn.alarms(status) == ["System selftest fail!"]
    assert sn.parse_status(b"$AAAAAAAAAA\n") == sn.SafenetStatus(frozenset())


@pytest.mark.parametrize("line", [b"$AAAAAAAAAA", b"$AAAAAAAAAAA\r", b"$AAAAAAAAAX\r",
                                  b"#AAAAAAAAAA\r", b"$AAAAAAAAAAX", b"$AAAA\0AAAAA\r", b""])
def test_lines_nut_refuses(line: bytes) -> None:
    assert sn.parse_status(line) is None


@given(st.binary(max_size=40))
def test_any_reply_is_a_status_or_refused(line: bytes) -> None:
    status = sn.parse_status(line)
    if status is not None:
        assert len(line) == 12 and set(line[1:11]) <= set(b"AB")
        assert sn.status_words(status)[0] in ("OB", "OL")


def test_shutdown_requests_carry_the_delays_as_letters() -> None:
    assert sn.return_request(30) == b"ZBASADAWLPGE\r"
    assert sn.reboot_request(999, 9999) == b"ZAFJJJRJJJJO\r"
    assert sn.reboot_request(0, 0) == b"ZAFAAARAAAAO\r"


def test_options_as_nut_reads_them() -> None:
    setup = sn.configure({"ondelay": "3x", "offdelay": " 45", "modelname": "P600E"})
    assert (setup.ondelay, setup.offdelay, setup.model, setup.manufacturer) == (
        3, 45, "P600E", "unknown")
    with pytest.raises(ValueError, match=r"Start delay '10000' out of range \[0..9999\]"):
        sn.configure({"ondelay": "10000"})
    with pytest.raises(ValueError, match=r"Shutdown delay '-1' out of range \[0..999\]"):
        sn.configure({"offdelay": "-1"})
