"""Start snmpsim's command responder in the foreground, as whoever runs the tests.

snmpsim refuses to run as root unless it can drop to another user, and the
test machine's root runs Python from a home directory other users cannot
enter. Its privilege switch is replaced by a no-op: the agent serves a
private temp directory on 127.0.0.1 only, for the length of a test.
"""

from __future__ import annotations

import sys
from typing import Self

from snmpsim import daemon


class _SameUser:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> bool:
        return False


daemon.PrivilegesOf = _SameUser  # type: ignore[assignment,misc]

from snmpsim.commands.responder import main

if __name__ == "__main__":
    sys.exit(main())
