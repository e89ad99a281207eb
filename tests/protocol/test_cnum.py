"""C number parsing: hypothesis against a literal model of atoi/strtod's rules."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.common.cnum import c_atoi, c_strtod


def test_examples() -> None:
    assert [c_atoi(t) for t in ("42", "  -7x", "+3", "", "x1", " \t\v12 34", "٣")] == \
        [42, -7, 3, 0, 0, 12, 0]
    assert [c_strtod(t) for t in ("1.5V", " -.5", "2e3x", "e3", "")] == [1.5, -0.5, 2000.0, 0, 0]


@given(st.text(alphabet=" \t+-0123456789.eEx٣", max_size=12))
def test_atoi_takes_the_leading_ascii_integer(text: str) -> None:
    match = re.match(r"[ \t]*([+-]?[0-9]+)", text)
    assert c_atoi(text) == (int(match.group(1)) if match else 0)
