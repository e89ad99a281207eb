"""clip(): a peer's text in a log line is a short prefix with its length."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nutrio.protocol.common.logtext import CLIP, clip


def test_short_text_is_kept_whole() -> None:
    assert clip("monuser") == "monuser"
    assert clip(None) is None


def test_long_text_becomes_a_prefix_with_its_length() -> None:
    assert clip("x" * 16384) == "x" * 64 + "...(16384 chars)"


def test_control_characters_are_escaped() -> None:
    assert clip("ab\x1b[2Jc\n") == "ab\\x1b[2Jc\\n"


@given(st.text())
def test_a_clipped_field_is_always_short(text: str) -> None:
    out = clip(text)
    assert out is not None
    assert len(out) <= CLIP * 10 + len("...( chars)") + 20  # each char escapes to <= 10
    assert out == text or out.startswith(clip(text[:CLIP]) or "")
