"""Side by side with the real upsd 2.8.0: the same requests, the same replies.

The real upsd serves edge-cases.dev through real dummy-ups; ours serves a
copy of what that upsd reports (values, RW flags, types, commands) through
a fake driver, so only upsd's own behaviour is compared. Version strings
and TRACKING ids are masked.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path

import pytest
import trio

from nutrio.actors.registry import Registry
from tests.listener.conftest import fetch_ups_data, start_device, start_listener
from tests.paths import DATA
from tests.realnut import real_nut, requires_real_nut

pytestmark = [requires_real_nut, pytest.mark.e2e]

EDGE = DATA / "edge/edge-cases.dev"
if not EDGE.exists():
    EDGE = Path(__file__).resolve().parents[3] / "shared/data/edge/edge-cases.dev"

SILENT = object()  # upsd sends nothing back (parse error, open quote)

# One inner list per connection, run in order; a tuple (request, SILENT) expects no reply.
TRANSCRIPT: list[list[object]] = [
    [
        "VER", "NETVER", "PROTVER", "HELP", "HELP x", "STARTTLS", "LIST UPS",
        "GET UPSDESC edge", "GET UPSDESC nope", "GET NUMLOGINS edge", "GET NUMLOGINS nope",
        "GET VAR edge ups.status", "GET VAR EDGE UPS.STATUS", "GET VAR edge ups.id",
        "GET VAR edge ups.vendorid", 'GET VAR edge def\\"', "GET VAR edge nosuch",
        "GET VAR nope ups.status", "GET VAR nope server.version", "GET VAR edge server.info",
        "GET VAR edge ups.status extra", "GET VAR edge", "GET VAR", "GET", "GET FOO edge x",
        "GET TYPE edge ups.load", "GET TYPE edge Init", "GET TYPE edge driver.name",
        "GET TYPE edge nosuch", "GET TYPE nope x", "GET DESC edge ups.load", "GET DESC edge nosuch",
        "GET CMDDESC edge load.off", "GET CMDDESC edge nosuch", "GET TRACKING", "GET TRACKING abc",
        "LIST VAR edge", "LIST RW edge", "LIST CMD edge", "LIST VAR EDGE",
        "LIST ENUM edge ups.status", "LIST RANGE edge ups.load", "LIST ENUM edge nosuch",
        "LIST RANGE nope x", "LIST CLIENT edge", "LIST CLIENT nope", "LIST", "LIST FOO",
        "LIST VAR", "LIST VAR nope", "", "   ", "foo", "ATTACH edge", "DETACH",
        'GET VAR "edge" "ups.status"', "GET VAR edge ups.st\\atus", "get var edge ups.status # c",
        ('GET VAR edge "a#b"', SILENT), "VER",
        # a reply over 512 bytes is cut, newline included: it runs into the next one
        ("GET DESC edge " + "v" * 490, SILENT), "VER",
    ],
    [('GET VAR "edge', SILENT), ("VER", SILENT), '" ups.status', "VER \\", "NETVER"],
    [
        "LOGIN edge", "FSD edge", "SET VAR edge ups.id x", "INSTCMD edge load.off",
        "SET TRACKING ON", "USERNAME admin", "LOGIN edge", "PASSWORD wrong", "FSD edge",
        "SET VAR edge battery.type PbAc", "INSTCMD edge load.off", "USERNAME again",
        "PASSWORD again", "USERNAME", "PASSWORD a b", "LOGOUT x", "LOGOUT",
    ],
    [
        "USERNAME helper", "PASSWORD help", "LOGIN edge", "PRIMARY edge", "FSD edge",
        "SET VAR edge battery.type PbAc", "INSTCMD edge load.off",
        "INSTCMD edge test.battery.start", "INSTCMD edge nosuch",
    ],
    [
        "USERNAME admin", "PASSWORD secret", "LOGIN edge", "PRIMARY edge", "MASTER edge",
        "SET", "SET FOO", "SET VAR", "SET VAR edge battery.type", "SET VAR nope a b",
        "SET VAR edge nosuch 1", "SET VAR edge Init " + "x" * 33, "SET VAR edge server.version 1",
        "SET VAR edge battery.type PbAc", "SET VAR EDGE BATTERY.TYPE PbAc extra",
        "SET TRACKING", "SET TRACKING maybe", "SET TRACKING ON", "GET TRACKING",
        "GET TRACKING abc", "SET VAR edge battery.type PbAc", "INSTCMD edge load.off",
        "INSTCMD edge nosuch", "INSTCMD nope load.off", "INSTCMD edge", "INSTCMD",
        "SET TRACKING OFF", "GET TRACKING", "GET TRACKING abc", "INSTCMD edge load.off 5",
        "INSTCMD edge LOAD.OFF 5 6",
    ],
    [
        "USERNAME monuser", "PASSWORD pass", "LOGIN nope", "LOGIN", "LOGIN edge", "LOGIN edge",
        "GET NUMLOGINS edge", "LIST CLIENT edge", "LIST CLIENT EDGE", "PRIMARY edge",
        "MASTER edge", "PRIMARY nope", "PRIMARY", "FSD nope", "FSD", "SET VAR edge ups.id x",
        "FSD edge", "GET VAR edge ups.status", "LIST VAR edge", "LIST RW edge", "LOGOUT",
    ],
]

MASKS = [
    (re.compile(r"OK TRACKING [0-9A-F-]{36}"), "OK TRACKING <id>"),
    (re.compile(r"upsd [^ ]+ - "), "upsd <v> - "),
    (re.compile(r'server\.version "[^"]*"'), 'server.version "<v>"'),
]


def _mask(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def _read_reply(sock: socket.socket, buffer: bytearray) -> list[str]:
    def line() -> str:
        while b"\n" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise EOFError(bytes(buffer))
            buffer.extend(chunk)
        end = buffer.index(b"\n") + 1
        text = buffer[:end].decode("latin-1")
        del buffer[:end]
        return text

    lines = [line()]
    if lines[0].startswith("BEGIN LIST"):
        while not lines[-1].startswith("END LIST"):
            lines.append(line())
    return lines


def run_transcript(port: int) -> list[str]:
    """Play TRANSCRIPT against 127.0.0.1:port; one entry per request: request => reply."""
    record: list[str] = []
    for connection in TRANSCRIPT:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        buffer = bytearray()
        try:
            for item in connection:
                request, silent = (item if isinstance(item, tuple) else (item, None))
                sock.sendall(f"{request}\n".encode())
                if silent is SILENT:
                    time.sleep(0.1)  # a reply, if any, shows up in the next entry
                    record.append(f"{request} => (nothing)")
                    continue
                if request.endswith("\\"):
                    time.sleep(0.1)
                    record.append(f"{request} => (waits)")
                    continue
                record.append(f"{request} => " + _mask("".join(_read_reply(sock, buffer))))
        finally:
            sock.close()
        time.sleep(0.1)  # let the server see the close before the next connection counts logins
    return record


def _their_side(nut_port: int) -> tuple[object, list[str]]:
    data = fetch_ups_data(nut_port, "edge")
    return data, run_transcript(nut_port)


async def test_transcript_matches_real_upsd(nursery, transport):
    with real_nut({"edge": EDGE}) as nut:
        data, theirs = await trio.to_thread.run_sync(_their_side, nut.port)
    registry = Registry()
    await start_device(nursery, registry, "edge", data)  # type: ignore[arg-type]
    port = await start_listener(nursery, registry, descriptions=None, transport=transport)
    ours = await trio.to_thread.run_sync(run_transcript, port)
    assert len(ours) == len(theirs) >= 140
    for mine, real in zip(ours, theirs):
        assert mine == real


CLIENT_RUNS = [
    ["upsc", "edge@{H}"],
    ["upsc", "edge@{H}", "ups.status"],
    ["upsc", "edge@{H}", "nosuch.var"],
    ["upsc", "nope@{H}"],
    ["upsc", "-l", "{H}"],
    ["upsc", "-L", "{H}"],
    ["upsc", "-c", "edge@{H}"],
    ["upscmd", "-l", "edge@{H}"],
    ["upscmd", "-u", "admin", "-p", "secret", "edge@{H}", "load.off"],
    ["upscmd", "-u", "admin", "-p", "wrong", "edge@{H}", "load.off"],
    ["upscmd", "-u", "helper", "-p", "help", "edge@{H}", "load.off"],
    ["upscmd", "-u", "admin", "-p", "secret", "edge@{H}", "no.such.cmd"],
    ["upsrw", "edge@{H}"],
    ["upsrw", "-s", "battery.type=PbAc", "-u", "admin", "-p", "secret", "edge@{H}"],
    ["upsrw", "-s", "battery.type=PbAc", "-u", "helper", "-p", "help", "edge@{H}"],
    ["upsrw", "-s", "Init=" + "y" * 40, "-u", "admin", "-p", "secret", "edge@{H}"],
]


def run_clients(port: int) -> list[tuple[str, str, int]]:
    results = []
    for args in CLIENT_RUNS:
        argv = [a.replace("{H}", f"127.0.0.1:{port}") for a in args]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        results.append((_mask(done.stdout).replace(str(port), "PORT"),
                        done.stderr.replace(str(port), "PORT"), done.returncode))
    return results


async def test_real_nut_clients_see_the_same_as_with_real_upsd(nursery, transport):
    with real_nut({"edge": EDGE}) as nut:
        data = await trio.to_thread.run_sync(fetch_ups_data, nut.port, "edge")
        theirs = await trio.to_thread.run_sync(run_clients, nut.port)
    registry = Registry()
    await start_device(nursery, registry, "edge", data)
    port = await start_listener(nursery, registry, descriptions=None, transport=transport)
    ours = await trio.to_thread.run_sync(run_clients, port)
    for args, mine, real in zip(CLIENT_RUNS, ours, theirs):
        assert mine == real, args
    assert "ups.status: OL CHRG" in ours[0][0]
