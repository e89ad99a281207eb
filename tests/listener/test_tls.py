"""STARTTLS with trustme certificates: Python's ssl client, weak protocols, client certs."""

from __future__ import annotations

import shutil
import ssl

import pytest
import structlog
import trio
import trustme

from nutrio.protocol.upsd.session import TlsSettings
from tests.listener.conftest import TrioClient
from tests.listener.tls_helpers import serve_tls, write_tls_files

VER = b"Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\n"


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def tls_files(ca, tmp_path):
    return write_tls_files(ca, tmp_path, "127.0.0.1", "localhost")


async def starttls(port: int, context: ssl.SSLContext) -> TrioClient:
    client = await TrioClient.connect(port)
    assert await client.ask("STARTTLS") == "OK STARTTLS\n"
    tls = trio.SSLStream(client.stream, context, server_hostname="127.0.0.1")
    await tls.do_handshake()
    return TrioClient(tls)


async def test_starttls_then_protocol_runs_encrypted(nursery, ca, tls_files, transport):
    certfile, keyfile, _ = tls_files
    port = await serve_tls(nursery, TlsSettings(certfile=certfile, keyfile=keyfile), transport)
    context = ssl.create_default_context()
    ca.configure_trust(context)
    with trio.fail_after(5):
        client = await starttls(port, context)
        assert await client.ask("VER") == VER.decode()
        assert await client.ask("STARTTLS") == "ERR ALREADY-SSL-MODE\n"
        assert await client.ask("GET VAR edge ups.status") == 'VAR edge ups.status "OL CHRG"\n'
        assert await client.ask("LOGOUT") == "OK Goodbye\n"


async def test_tls_older_than_1_2_is_refused(nursery, ca, tls_files, transport):
    certfile, keyfile, _ = tls_files
    port = await serve_tls(nursery, TlsSettings(certfile=certfile, keyfile=keyfile), transport)
    context = ssl.create_default_context()
    ca.configure_trust(context)
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.maximum_version = ssl.TLSVersion.TLSv1_1
    with trio.fail_after(5):
        with pytest.raises(trio.BrokenResourceError):
            await starttls(port, context)


async def test_required_client_certificate(nursery, ca, tls_files, transport):
    certfile, keyfile, cafile = tls_files
    port = await serve_tls(
        nursery, TlsSettings(certfile=certfile, keyfile=keyfile, client_ca=cafile), transport)
    anonymous = ssl.create_default_context()
    ca.configure_trust(anonymous)
    with trio.fail_after(5):
        with pytest.raises(trio.BrokenResourceError):
            client = await starttls(port, anonymous)
            await client.ask("VER")  # TLS 1.3 reports the refusal on first read
    known = ssl.create_default_context()
    ca.configure_trust(known)
    ca.issue_cert("upsmon@example").configure_cert(known)
    with trio.fail_after(5):
        client = await starttls(port, known)
        assert await client.ask("VER") == VER.decode()


async def test_required_tls_refuses_credentials_in_clear(nursery, tls_files, transport):
    certfile, keyfile, _ = tls_files
    port = await serve_tls(nursery, TlsSettings(certfile=certfile, keyfile=keyfile, require=True),
                           transport)
    with trio.fail_after(5):
        client = await TrioClient.connect(port)
        assert await client.ask("USERNAME admin") == "ERR ACCESS-DENIED\n"
        assert await client.ask("VER") == VER.decode()


def test_settings_reject_tls_below_1_2(tls_files):
    from nutrio.actors.upsd.tls import make_tls_context

    certfile, keyfile, _ = tls_files
    with pytest.raises(ValueError):
        make_tls_context(TlsSettings(certfile=certfile, keyfile=keyfile, min_version="TLSv1.1"))
    context = make_tls_context(TlsSettings(certfile=certfile, keyfile=keyfile, min_version="TLSv1.3"))
    assert context.minimum_version is ssl.TLSVersion.TLSv1_3


@pytest.mark.skipif(shutil.which("upsc") is None, reason="real upsc absent")
async def test_real_upsc_reads_through_a_tls_enabled_listener(nursery, tls_files, transport):
    certfile, keyfile, _ = tls_files
    port = await serve_tls(nursery, TlsSettings(certfile=certfile, keyfile=keyfile), transport)
    with structlog.testing.capture_logs() as logs, trio.fail_after(20):
        done = await trio.run_process(["upsc", f"edge@127.0.0.1:{port}", "ups.status"],
                                      capture_stdout=True, capture_stderr=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"OL CHRG\n"
    # Debian's upsc (NSS) tries STARTTLS by itself; it took it.
    assert [e["version"] for e in logs if e["event"] == "client.tls"] in (["TLSv1.3"], ["TLSv1.2"])


class _Pipelined(trio.abc.Stream):
    """Sends STARTTLS glued to the ClientHello (one write) and hides 'OK STARTTLS'."""

    def __init__(self, inner: trio.abc.Stream) -> None:
        self.inner = inner
        self.first = True
        self.pending = b""
        self.answer = b""

    async def send_all(self, data) -> None:
        if self.first:
            self.first = False
            data = b"STARTTLS\n" + bytes(data)
        await self.inner.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self.inner.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes=None):
        while len(self.answer) < len(b"OK STARTTLS\n"):
            self.answer += await self.inner.receive_some(1)
        return await self.inner.receive_some(max_bytes)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_client_hello_sent_with_starttls_in_one_packet_is_not_lost(nursery, ca, tls_files,
                                                                        transport):
    certfile, keyfile, _ = tls_files
    port = await serve_tls(nursery, TlsSettings(certfile=certfile, keyfile=keyfile), transport)
    context = ssl.create_default_context()
    ca.configure_trust(context)
    with trio.fail_after(5):
        raw = _Pipelined(await trio.open_tcp_stream("127.0.0.1", port))
        tls = trio.SSLStream(raw, context, server_hostname="127.0.0.1")
        await tls.do_handshake()
        assert raw.answer == b"OK STARTTLS\n"
        client = TrioClient(tls)
        assert await client.ask("NETVER") == "1.3\n"
