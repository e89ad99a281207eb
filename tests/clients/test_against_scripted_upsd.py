"""Replies real upsd will not give on demand, answered the same way by NUT's clients and ours.

A scripted upsd (a real socket, see _scripted_upsd) serves ENUM and RANGE
variables, tracking that stays PENDING, broken and hostile replies, and
STARTTLS. NUT 2.8.0's binaries are still the oracle: each case runs both
clients against the same script and compares status, stdout and stderr.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest
import trustme

from tests.clients._compare import Outcome, run_ours, run_real
from tests.clients._scripted_upsd import HANG_UP, Script, scripted_upsd
from tests.realnut import requires_real_nut

pytestmark = [requires_real_nut, pytest.mark.realnut]

TRACK_ID = "0123abcd-4567-89ef-0123-456789abcdef"
STUCK_ID = "ffffffff-4567-89ef-0123-456789abcdef"

# name -> (TYPE words, DESC or None, value or None, ENUM values, RANGE pairs)
RICH_VARS: dict[str, tuple[str, str | None, str | None, list[str], list[tuple[str, str]]]] = {
    "ups.mode": ("RW ENUM STRING:10", "Operating mode", "manual", ["auto", "manual", "eco mode"], []),
    "output.voltage.nominal": ("RW ENUM NUMBER", "Nominal voltage", "230", ["220", "230", "240"], []),
    "ups.delay.shutdown": ("RW RANGE NUMBER", "Delay", "250", [], [("0", "100"), ("200", "300")]),
    "legacy.enum": ("ENUM", None, "b", ["a", "b"], []),
    "weird.type": ("RW FOO STRING:7", "Odd", "v", [], []),
    "notype.var": ("", "No type", "1", [], []),
    "quoted.value": ("RW STRING:64", 'A "quoted" # desc', 'x"y\\z', [], []),
}


def rich_script(line: str) -> list[str] | None:
    """A UPS 'ups' with every kind of writable variable; tracking for commands."""
    w = line.split()
    if w[:2] == ["LIST", "RW"]:
        return ["BEGIN LIST RW ups", *(f'RW ups {n} "{_enc(v[2] or "")}"' for n, v in RICH_VARS.items()),
                "END LIST RW ups"]
    if w[:1] == ["GET"] and len(w) == 4 and w[3] in RICH_VARS:
        types, desc, value, _, _ = RICH_VARS[w[3]]
        if w[1] == "TYPE":
            return [f"TYPE ups {w[3]} {types}"] if types else ["ERR UNKNOWN-TYPE"]
        if w[1] == "DESC":
            return [f'DESC ups {w[3]} "{_enc(desc)}"'] if desc else ["ERR VAR-NOT-SUPPORTED"]
        if w[1] == "VAR":
            return [f'VAR ups {w[3]} "{_enc(value)}"'] if value is not None else ["ERR VAR-NOT-SUPPORTED"]
    if w[:2] == ["LIST", "ENUM"] and w[3] in RICH_VARS:
        return [f"BEGIN LIST ENUM ups {w[3]}", *(f'ENUM ups {w[3]} "{e}"' for e in RICH_VARS[w[3]][3]),
                f"END LIST ENUM ups {w[3]}"]
    if w[:2] == ["LIST", "RANGE"] and w[3] in RICH_VARS:
        return [f"BEGIN LIST RANGE ups {w[3]}", *(f'RANGE ups {w[3]} "{a}" "{b}"' for a, b in RICH_VARS[w[3]][4]),
                f"END LIST RANGE ups {w[3]}"]
    if w[:2] == ["LIST", "CMD"]:
        return ["BEGIN LIST CMD ups", "CMD ups load.off", "CMD ups test.undescribed", "END LIST CMD ups"]
    if w[:2] == ["GET", "CMDDESC"]:
        return ['CMDDESC ups load.off "Turn off the load"'] if w[3] == "load.off" else ["ERR CMD-NOT-SUPPORTED"]
    if w[:1] in (["USERNAME"], ["PASSWORD"]):
        return ["OK"]
    if line == "SET TRACKING ON":
        return ["OK"]
    if w[:1] == ["INSTCMD"]:
        if w[2] == "stuck.cmd":
            return [f"OK TRACKING {STUCK_ID}"]
        _PENDING[TRACK_ID] = 1
        return [f"OK TRACKING {TRACK_ID}"] if w[2] != "plain.ok" else ["OK"]
    if w[:2] == ["SET", "VAR"]:
        _PENDING[TRACK_ID] = 1
        return [f"OK TRACKING {TRACK_ID}"]
    if w[:2] == ["GET", "TRACKING"]:
        if w[2] == STUCK_ID:
            return ["PENDING"]
        if _PENDING.get(w[2], 0) > 0:
            _PENDING[w[2]] -= 1
            return ["PENDING"]
        return ["SUCCESS"]
    return ["ERR UNKNOWN-COMMAND"]


_PENDING: dict[str, int] = {}


def _enc(text: str) -> str:
    return "".join("\\" + c if c in '"\\#' else c for c in text)


def canned(replies: dict[str, list[str] | None]) -> Script:
    """A script answering each request by its first words (longest match wins)."""

    def script(line: str) -> list[str] | None:
        for key in sorted(replies, key=len, reverse=True):
            if line.startswith(key):
                return replies[key]
        return ["ERR FEATURE-NOT-CONFIGURED"] if line == "STARTTLS" else ["ERR UNKNOWN-COMMAND"]

    return script


def compare(prog: str, args: list[str]) -> tuple[Outcome, Outcome]:
    return run_ours(prog, args), run_real(prog, args)


@pytest.fixture(scope="module")
def rich_port() -> Iterator[int]:
    with scripted_upsd(rich_script) as port:
        yield port


def test_upsrw_lists_enum_range_and_odd_types_like_nut(rich_port: int) -> None:
    ours, real = compare("upsrw", [f"ups@127.0.0.1:{rich_port}"])
    assert b'Option: "manual" SELECTED' in real.stdout
    assert b'Option: "200-300" SELECTED' in real.stdout
    assert ours == real


@pytest.mark.parametrize(
    "args",
    [
        ["-l", "ups@{H}"],
        ["-w", "-u", "u", "-p", "p", "ups@{H}", "load.off"],
        ["-u", "u", "-p", "p", "ups@{H}", "load.off"],
        ["-w", "-u", "u", "-p", "p", "ups@{H}", "plain.ok"],
        ["-w", "-t", "1", "-u", "u", "-p", "p", "ups@{H}", "stuck.cmd"],
        ["-w", "-t", "0", "-u", "u", "-p", "p", "ups@{H}", "stuck.cmd"],
    ],
    ids=lambda a: " ".join(a),
)
def test_upscmd_tracking_and_listing_like_nut(rich_port: int, args: list[str]) -> None:
    filled = [a.format(H=f"127.0.0.1:{rich_port}") for a in args]
    ours, real = compare("upscmd", filled)
    assert ours == real


def test_upsrw_waits_for_tracking_result_like_nut(rich_port: int) -> None:
    args = ["-w", "-s", "ups.mode=auto", "-u", "u", "-p", "p", f"ups@127.0.0.1:{rich_port}"]
    ours, real = compare("upsrw", args)
    assert real.stderr == b"SUCCESS\n"
    assert ours == real


BROKEN = {
    "wrong echo": {"GET VAR": ['VAR other x.y "1"']},
    "hash in quotes": {"GET VAR": ['VAR ups x.y "a # b"']},
    "empty reply": {"GET VAR": [""]},
    # (not compared: "VAR ups x.y" with no value, where NUT 2.8.0's upsc segfaults)
    "data stale": {"GET VAR": ["ERR DATA-STALE"]},
    "driver gone": {"GET VAR": ["ERR DRIVER-NOT-CONNECTED"]},
    "unknown error": {"GET VAR": ["ERR SOMETHING-NEW extra words"]},
    "prefix match": {"GET VAR": ["ERR UNKNOWN-UPS-AND-MORE"]},
    "old upsd": {},
    "too long": {"GET VAR": ['VAR ups x.y "' + "v" * 600 + '"']},
    "hang up": {"GET VAR": None},
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_upsc_reports_broken_replies_like_nut(case: str) -> None:
    with scripted_upsd(canned(BROKEN[case])) as port:
        ours, real = compare("upsc", [f"ups@127.0.0.1:{port}", "x.y"])
    assert ours == real


BROKEN_LISTS = {
    "short item": {"LIST VAR": ["BEGIN LIST VAR ups", "VAR ups a.b", "END LIST VAR ups"]},
    "error mid-list": {"LIST VAR": ["BEGIN LIST VAR ups", 'VAR ups a.b "1"', "ERR DATA-STALE"]},
    "foreign item": {"LIST VAR": ["BEGIN LIST VAR ups", 'VAR ups a.b "1"', 'VAR x c.d "2"', 'VAR ups e.f "3"']},
    "bad begin": {"LIST VAR": ["BEGIN LIST RW ups"]},
    "lowercase begin": {"LIST VAR": ["begin list var UPS", 'VAR ups a.b "1"', "END LIST VAR ups"]},
    "long item": {"LIST VAR": ["BEGIN LIST VAR ups", 'VAR ups a.b "' + "w" * 700 + '"', 'VAR ups c.d "2"',
                               "END LIST VAR ups"]},
    "hang up": {"LIST VAR": ["BEGIN LIST VAR ups", 'VAR ups a.b "1"', HANG_UP]},
    "old upsd": {},
}


@pytest.mark.parametrize("case", sorted(BROKEN_LISTS))
def test_upsc_lists_survive_broken_lists_like_nut(case: str) -> None:
    with scripted_upsd(canned(BROKEN_LISTS[case])) as port:
        ours, real = compare("upsc", [f"ups@127.0.0.1:{port}"])
    assert ours == real


@pytest.mark.parametrize(
    ("prog", "args"),
    [
        ("upsc", ["ups@{H}", "x.y"]),
        ("upsc", ["-l", "{H}"]),
        ("upscmd", ["-l", "ups@{H}"]),
        ("upscmd", ["-u", "a", "-p", "b", "ups@{H}", "x.y"]),
        ("upsrw", ["ups@{H}"]),
        ("upsrw", ["-s", "x.y=1", "-u", "a", "-p", "b", "ups@{H}"]),
    ],
)
def test_server_that_hangs_up_at_once_is_reported_like_nut(prog: str, args: list[str]) -> None:
    # upscmd and upsrw die of SIGPIPE here in NUT (status 141); upsc says why
    with scripted_upsd(canned({}), close_on_accept=True) as port:
        ours, real = compare(prog, [a.format(H=f"127.0.0.1:{port}") for a in args])
    assert ours == real


def test_upsc_speaks_tls_after_starttls_like_nut() -> None:
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    with scripted_upsd(canned({"GET VAR": ['VAR ups x.y "over tls"']}), tls=ctx) as port:
        ours, real = compare("upsc", [f"ups@127.0.0.1:{port}", "x.y"])
    assert real.stdout == b"over tls\n"
    assert ours == real
