"""Text a peer chose, made safe to log: :func:`clip`.

A client picks its USERNAME, the UPS and variable names it asks for, its
command words; a remote upsd picks its ERR words. Logged whole, a 16 kB
USERNAME sent 300 times writes megabytes (issue 13), and a control
character can forge a line on a console. So every such field goes through
:func:`clip` first: a short prefix, its full length, control characters
escaped. Passwords are never logged at all.
"""

from __future__ import annotations

__all__ = ["CLIP", "clip"]

#: Characters of a peer's text kept in a log line.
CLIP = 64


def clip(text: str | None, limit: int = CLIP) -> str | None:
    """*text* as a log field: at most *limit* characters, then ``...(N chars)``
    with its full length; non-printable characters escaped (``\\x1b``).
    None stays None (a field that was never set)."""
    if text is None:
        return None
    size = len(text)
    head = text[:limit]
    if not head.isprintable():
        head = head.encode("unicode_escape").decode("ascii")
    return head if size <= limit else f"{head}...({size} chars)"
