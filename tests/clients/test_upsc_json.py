"""`upsc -j`: NUT 2.8.5's JSON output, byte for byte.

There is no NUT 2.8.5 binary here (the installed clients are 2.8.0, which
has no -j), so the expected bytes are written out below from the format
strings of clients/upsc.c and common/strjson.c at tag v2.8.5: ``{``/``[``
and a newline, items ``  "name": "value"`` joined by a comma and a newline,
a newline and ``}``/``]``; ``"value"`` alone for one variable;
``{"error": "..."}`` for an error before any output, and the error item
glued to the last item when a list breaks off. Stderr and the exit status
are upsc's own, so they are compared with NUT 2.8.0's upsc without -j.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from nutrio.protocol.client.upsc_json import Shape, error_object, escape, listing, value
from tests.clients._compare import Outcome, mask_versions, run_ours, run_real
from tests.clients._scripted_upsd import Script, scripted_upsd
from tests.paths import DATA
from tests.realnut import RealNut, free_port, real_nut, requires_real_nut

EATON = DATA / "ddl" / "Eaton__Eaton__5PX_2000__usbhid-ups__2.7.4__01.dev"


# -- the text itself (pure) ------------------------------------------------------


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain 1.0", "plain 1.0"),
    ('say "hi"', 'say \\"hi\\"'),
    ("back\\slash", "back\\\\slash"),
    ("\b\f\n\r\t", "\\b\\f\\n\\r\\t"),
    ("\x01\x1b\x1f", "\\u0001\\u001b\\u001f"),
    ("\x7f café /", "\x7f café /"),  # DEL, UTF-8 and '/' go through
    (None, "null"),
])
def test_escape_follows_json_print_esc(raw: str | None, shown: str) -> None:
    assert escape(raw) == shown


def test_listings_have_nuts_layout() -> None:
    assert listing(Shape.OBJECT, [("a.b", "1"), ("c.d", 'x"y')]) == '{\n  "a.b": "1",\n  "c.d": "x\\"y"\n}\n'
    assert listing(Shape.ARRAY, [("ups1",), ("ups2",)]) == '[\n  "ups1",\n  "ups2"\n]\n'
    assert listing(Shape.OBJECT, []) == "{\n\n}\n"
    assert listing(Shape.ARRAY, []) == "[\n\n]\n"
    assert value("OL CHRG") == '"OL CHRG"\n'
    assert value(None) == '"null"\n'
    assert error_object("Unknown UPS") == '{"error": "Unknown UPS"}\n'
    assert error_object("invalid.\nRequired") == '{"error": "invalid.\\nRequired"}\n'


def test_a_list_that_breaks_off_keeps_nuts_unbalanced_text() -> None:
    """NUT writes the error item right after the last item, without a comma."""
    short = "insufficient data (got 2 args, need at least 4)"
    assert listing(Shape.OBJECT, [("a.b", "1")], short) == '{\n  "a.b": "1"  "error": "' + short + '"\n}\n'
    assert listing(Shape.OBJECT, [], "Unknown UPS") == '{\n  "error": "Unknown UPS"\n}\n'
    assert listing(Shape.ARRAY, [("u",)], "x") == '[\n  "u"  {"error": "x"\n}\n]\n'


# -- against a real upsd ---------------------------------------------------------


@pytest.fixture(scope="module")
def nut() -> Iterator[RealNut]:
    with real_nut({"eaton": EATON, "edge": DATA / "edge" / "edge-cases.dev"}) as running:
        yield running


def text_lines(nut: RealNut, *args: str) -> list[str]:
    out = run_real("upsc", list(args), env=nut.env)
    assert out.status == 0
    return out.stdout.decode().splitlines()


@pytest.mark.e2e
@requires_real_nut
def test_all_variables_as_one_object(nut: RealNut) -> None:
    host = f"eaton@127.0.0.1:{nut.port}"
    pairs = [line.split(": ", 1) for line in text_lines(nut, host)]
    assert not any(set('"\\') & set(n + v) for n, v in pairs)  # nothing to escape in this device
    expected = "{\n" + ",\n".join(f'  "{n}": "{v}"' for n, v in pairs) + "\n}\n"
    ours = run_ours("upsc", ["-j", host])
    assert ours == Outcome(0, expected.encode(), run_real("upsc", [host], env=nut.env).stderr)


@pytest.mark.e2e
@requires_real_nut
def test_one_variable_upses_and_clients(nut: RealNut) -> None:
    h = f"127.0.0.1:{nut.port}"
    status = text_lines(nut, f"eaton@{h}", "ups.status")[0]
    assert run_ours("upsc", ["-j", f"eaton@{h}", "ups.status"]).stdout == f'"{status}"\n'.encode()
    assert run_ours("upsc", ["-jl", h]).stdout == b'[\n  "eaton",\n  "edge"\n]\n'
    assert run_ours("upsc", ["-j", "-L", h]).stdout == b'{\n  "eaton": "test",\n  "edge": "test"\n}\n'
    clients = run_ours("upsc", ["-jc", f"eaton@{h}"]).stdout
    listed = text_lines(nut, "-c", f"eaton@{h}")
    assert clients == ("[\n" + ",\n".join(f'  "{a}"' for a in listed) + "\n]\n").encode()


def raw_list_var(port: int, ups: str) -> list[tuple[str, str]]:
    """LIST VAR straight off the wire, parsed by the protocol layer."""
    from nutrio.protocol.client.requests import Var, parse_reply

    with socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(f"LIST VAR {ups}\n".encode())
        data = b""
        while not data.endswith(f"END LIST VAR {ups}\n".encode()):
            data += sock.recv(65536)
    replies = [parse_reply(line) for line in data.decode("utf-8", "surrogateescape").split("\n")[1:-2]]
    return [(r.name, r.value) for r in replies if isinstance(r, Var)]


@pytest.mark.e2e
@requires_real_nut
def test_odd_values_are_escaped_and_parse_back(nut: RealNut) -> None:
    """The edge-case device serves quotes, backslashes and a name with a newline in it."""
    ours = run_ours("upsc", ["-j", f"edge@127.0.0.1:{nut.port}"])
    assert ours.status == 0
    pairs = json.loads(ours.stdout, object_pairs_hook=list)
    assert pairs == [(n, mask_versions(v.encode()).decode()) for n, v in raw_list_var(nut.port, "edge")]
    assert b'"ups.id": "A \\\\ B  C"' in ours.stdout


ERROR_CASES = [
    # (upsc -j arguments, stdout); stderr and status must be 2.8.0 upsc's without -j
    (["nosuch@{H}"], '{\n  "error": "Unknown UPS"\n}\n'),
    (["nosuch@{H}", "ups.status"], '{"error": "Unknown UPS"}\n'),
    (["eaton@{H}", "no.such"], '{"error": "Variable not supported by UPS"}\n'),
    (["eaton@{H}", "nodot"], '{"error": "old-style variable names are not supported"}\n'),
    (["-c", "nosuch@{H}"], '{"error": "Unknown UPS"}\n'),
    (["eaton@127.0.0.1:{DEAD}"], '{"error": "Connection failure: Connection refused"}\n'),
    (["-l", "127.0.0.1:{DEAD}"], '{"error": "Connection failure: Connection refused"}\n'),
    (["eaton@"], '{"error": "invalid UPS definition.\\nRequired format: upsname[@hostname[:port]]"}\n'),
    (["-l", "127.0.0.1:"], '{"error": "invalid hostname.\\nRequired format: [hostname[:port]]"}\n'),
]


@pytest.mark.e2e
@requires_real_nut
@pytest.mark.parametrize(("args", "stdout"), ERROR_CASES, ids=lambda c: " ".join(c) if isinstance(c, list) else "")
def test_errors_are_json_on_stdout_and_upscs_line_on_stderr(nut: RealNut, args: list[str], stdout: str) -> None:
    filled = [a.format(H=f"127.0.0.1:{nut.port}", DEAD=free_port()) for a in args]
    real = run_real("upsc", filled, env=nut.env)
    ours = run_ours("upsc", ["-j", *filled])
    assert ours == Outcome(real.status, stdout.encode(), real.stderr)
    assert ours.status == 1 and b"Error: " in ours.stderr


# -- lists that break off (scripted upsd) ----------------------------------------


def short_lines(line: str) -> list[str] | None:
    if line == "LIST VAR ups":
        return ["BEGIN LIST VAR ups", 'VAR ups a.b "say \\"hi\\""', 'VAR ups c.d "1"', "VAR ups", "END LIST VAR ups"]
    if line == "LIST UPS":
        return ["BEGIN LIST UPS", 'UPS ups "desc"', "UPS", "END LIST UPS"]
    if line == "LIST CLIENT ups":
        return ["BEGIN LIST CLIENT ups", "CLIENT ups 10.0.0.1", "CLIENT ups", "END LIST CLIENT ups"]
    return ["ERR UNKNOWN-COMMAND"]


VAR_SHORT = "insufficient data (got 2 args, need at least 4)"
UPS_SHORT = "insufficient data (got 1 args, need at least 3)"
CLIENT_SHORT = "insufficient data (got 2 args, need at least 3)"
SHORT_CASES = [
    (["ups@{H}"], '{\n  "a.b": "say \\"hi\\"",\n  "c.d": "1"  "error": "' + VAR_SHORT + '"\n}\n', VAR_SHORT),
    (["-L", "{H}"], '{\n  "ups": "desc"  "error": "' + UPS_SHORT + '"\n}\n', UPS_SHORT),
    (["-l", "{H}"], '[\n  "ups"  {"error": "' + UPS_SHORT + '"\n}\n]\n', UPS_SHORT),
    (["-c", "ups@{H}"], '[\n  "10.0.0.1"  {"error": "' + CLIENT_SHORT + '"\n}\n]\n', CLIENT_SHORT),
]


@requires_real_nut
@pytest.mark.parametrize(("args", "stdout", "message"), SHORT_CASES,
                         ids=lambda c: " ".join(c) if isinstance(c, list) else "")
def test_a_short_line_ends_the_document_as_nut_does(args: list[str], stdout: str, message: str) -> None:
    script: Script = short_lines
    with scripted_upsd(script) as port:
        filled = [a.format(H=f"127.0.0.1:{port}") for a in args]
        real = run_real("upsc", filled)
        ours = run_ours("upsc", ["-j", *filled])
    assert ours == Outcome(real.status, stdout.encode(), real.stderr)
    assert ours.status == 1 and ours.stderr.endswith(f"Error: {message}\n".encode())


@pytest.mark.e2e
@requires_real_nut
@pytest.mark.parametrize("ups", ["eaton", "edge"])
def test_json_extension_and_j_print_the_same_bytes_for_a_whole_ups(nut: RealNut, ups: str) -> None:
    """`--json UPS` is kept (one object for one variable, stdout empty on errors); for a whole UPS
    it already prints 2.8.5's bytes, odd values included."""
    host = f"{ups}@127.0.0.1:{nut.port}"
    assert run_ours("upsc", ["--json", host]).stdout == run_ours("upsc", ["-j", host]).stdout
