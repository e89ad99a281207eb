"""Pieces for notify tests on real `nutrio run` processes: a threaded HTTP receiver and configs.

The receiver stands in for a webhook endpoint, an ntfy server and the
Telegram Bot API at once (any path, any POST), on 127.0.0.1; the test
process is synchronous, so it serves from a thread.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.paths import ROOT

#: seconds a `nutrio run` may take to start on two busy cores
START = 20
BOT_TOKEN = "4242:test-bot-token"


@dataclass
class Receiver:
    """What each path was sent, and the status each path answers (200 unless told)."""

    port: int = 0
    posts: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def bodies(self, path: str) -> list[Any]:
        return [body for where, _, body in self.posts if where == path]

    def headers(self, path: str) -> list[dict[str, str]]:
        return [headers for where, headers, _ in self.posts if where == path]


@contextmanager
def receiver() -> Iterator[Receiver]:
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            headers = {k.lower(): v for k, v in self.headers.items()}
            found.posts.append((self.path, headers, body))
            self.send_response(found.statuses.get(self.path, 200))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


def channels(rx: Receiver, *, ntfy_events: str = "") -> str:
    """[notify.webhook], [notify.ntfy] and [notify.telegram], all pointing at *rx*."""
    fast = "retries = 1\nbackoff = 0.05\ntimeout = 5\n"
    return (f'[notify.webhook]\nurl = "{rx.base}/hook"\n{fast}\n'
            f'[notify.ntfy]\nserver = "{rx.base}"\ntopic = "ups"\ntoken = "tk_1"\n{fast}'
            f"{ntfy_events}\n"
            f'[notify.telegram]\ntoken = "{BOT_TOKEN}"\nchat_id = 77\napi_url = "{rx.base}"\n'
            f"{fast}\n")


def primary_monitor(port: int) -> str:
    """[monitor] watching our own ``ups`` as its primary (on line: nothing happens)."""
    return ('[monitor]\nshutdowncmd = "/bin/true"\npollfreq = 1\npollfreqalert = 1\n\n'
            f'[[monitor.ups]]\nsystem = "ups@127.0.0.1:{port}"\npowervalue = 1\n'
            'user = "monuser"\npassword = "pass"\nrole = "primary"\n\n')


def nutrio_upsmon(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nutrio", "upsmon", "--config", str(config), *args],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60, check=False,
    )  # fmt: skip
