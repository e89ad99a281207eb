"""What ``nutrio upsc --watch`` shows: a screen that fits the terminal, or plain blocks.

Pure text, no I/O. On a terminal each refresh is one frame drawn from the
top-left corner over the last one: a title, the status (or the error), a
blank line, then ``name: value`` lines, the ones an operator looks at first
(:data:`FIRST`) ahead of the rest in upsd's order. The frame never has more
lines than the terminal, so nothing scrolls away; when the variables do not
all fit, the last line says how many were left out (the terminal's last
row stays free for the cursor). Lines are cut at the
terminal's width (a wrapped line would take two rows). Values that changed
since the last refresh are shown in reverse video.

On a pipe or a file the same lines come out as a plain block per refresh,
every variable, no escape codes, a blank line after each block.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

__all__ = ["FIRST", "ordered", "render_block", "render_frame"]

#: Shown first, in this order, when the UPS has them.
FIRST = (
    "ups.status",
    "battery.charge",
    "battery.runtime",
    "input.voltage",
    "output.voltage",
    "ups.load",
)

_HOME, _CLEAR, _EOL, _EOS = "\x1b[H", "\x1b[2J", "\x1b[K", "\x1b[J"
_REVERSE, _BOLD, _RESET = "\x1b[7m", "\x1b[1m", "\x1b[0m"
_HEAD_LINES = 3  # title, status, blank; the terminal's last row stays empty for the cursor


def ordered(values: Mapping[str, str]) -> list[str]:
    """The variable names, :data:`FIRST` ones first, then the others in upsd's order."""
    first = [name for name in FIRST if name in values]
    return first + [name for name in values if name not in FIRST]


def _title(target: str, interval: float, now: float) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
    return f"Every {interval:g}s: upsc {target}    {stamp}"


def render_block(
    target: str, interval: float, now: float, values: Mapping[str, str], error: str | None = None
) -> str:
    """One refresh for a pipe or a file: plain lines, every variable, a blank line after."""
    lines = [_title(target, interval, now)]
    lines.append(f"Error: {error}" if error is not None else f"Status: {values.get('ups.status', '')}")
    lines += [f"{name}: {values[name]}" for name in ordered(values)]
    return "\n".join(lines) + "\n\n"


def render_frame(
    target: str,
    interval: float,
    now: float,
    values: Mapping[str, str],
    previous: Mapping[str, str],
    error: str | None = None,
    *,
    size: tuple[int, int] | None = None,
) -> str:
    """One screen for a terminal of *size* (columns, lines); None: no limit.

    Every line ends with erase-to-end-of-line and a newline, and the frame
    with erase-to-end-of-screen, so a shorter frame leaves no leftovers; the
    frame leaves the last row free for the cursor, so it never scrolls.
    """
    width, height = size if size is not None else (None, None)
    lines = [f"{_BOLD}{_fit(_title(target, interval, now), width)}{_RESET}"]
    if error is not None:
        lines.append(_fit(f"Error: {error}", width))
    else:
        status = values.get("ups.status", "")
        lines.append(f"{_BOLD}Status:{_RESET} {_fit(status, _less(width, 8))}")
    lines.append("")
    names = ordered(values)
    room = len(names) if height is None else height - 1 - _HEAD_LINES
    left_out = 0
    if len(names) > room:
        shown = max(room - 1, 0)
        names, left_out = names[:shown], len(names) - shown
    for name in names:
        changed = bool(previous) and previous.get(name) != values[name]
        lines.append(_variable(name, values[name], changed, width))
    if left_out and room > 0:
        lines.append(_fit(f"... {left_out} more not shown (the terminal has {height} lines)", width))
    return "".join(line + _EOL + "\n" for line in lines) + _EOS


def _less(width: int | None, used: int) -> int | None:
    return None if width is None else width - used


def _fit(text: str, width: int | None) -> str:
    """*text* cut to *width* characters (None: as it is)."""
    return text if width is None else text[: max(width, 0)]


def _variable(name: str, value: str, changed: bool, width: int | None) -> str:
    label = f"{name}: "
    if width is not None and len(label) >= width:
        return _fit(label, width)
    shown = _fit(value, _less(width, len(label)))
    return label + (f"{_REVERSE}{shown}{_RESET}" if changed else shown)
