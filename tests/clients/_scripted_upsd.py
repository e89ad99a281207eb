"""A tiny scripted upsd on a real socket, for replies real upsd cannot be made to give.

dummy-ups serves every variable as a plain RW STRING/NUMBER and never says
PENDING, so ENUM and RANGE listings, tracking, odd replies and STARTTLS are
served from a script: a function from the request line to reply lines.
Both NUT's real clients and ours talk to it, and their output is compared.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator

Script = Callable[[str], list[str] | None]  # None: hang up
#: put last in a reply list: send the lines before it, then hang up
HANG_UP = "\0hang-up"


@contextlib.contextmanager
def scripted_upsd(
    script: Script, *, tls: ssl.SSLContext | None = None, close_on_accept: bool = False
) -> Iterator[int]:
    """Serve *script* on 127.0.0.1; yields the port. Requests are logged to ``.seen``."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.05)  # closing a socket does not wake accept(): poll the stop flag
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            if close_on_accept:
                conn.close()
                continue
            threading.Thread(target=_session, args=(conn, script, tls), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def _session(conn: socket.socket, script: Script, tls: ssl.SSLContext | None) -> None:
    stream: socket.socket = conn
    buf = b""
    try:
        while True:
            while b"\n" not in buf:
                chunk = stream.recv(4096)
                if not chunk:
                    return
                buf += chunk
            raw, buf = buf.split(b"\n", 1)
            line = raw.decode("utf-8", "surrogateescape")
            if line == "STARTTLS" and tls is not None:
                stream.sendall(b"OK STARTTLS\n")
                stream = tls.wrap_socket(stream, server_side=True)
                continue
            if line == "LOGOUT":
                stream.sendall(b"OK Goodbye\n")
                return
            replies = script(line)
            if replies is None:
                return
            lines = [r for r in replies if r != HANG_UP]
            stream.sendall("".join(r + "\n" for r in lines).encode("utf-8", "surrogateescape"))
            if HANG_UP in replies:
                return
    except OSError:
        return
    finally:
        with contextlib.suppress(OSError):
            stream.close()
