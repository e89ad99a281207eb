"""TLS as an access control: required TLS refuses plaintext, weak versions and strangers' certificates.

Extends tests/listener/test_tls.py: every command that reads or needs
rights is refused in clear text when TLS is required (the session stays
usable for STARTTLS), a TLS 1.2 client meets a TLS 1.3-only server, a
client certificate from another CA or an expired one is refused, and the
config's [server.tls] reaches the listener.
"""

from __future__ import annotations

import datetime
import ssl

import pytest
import trio
import trustme

from nutrio import conf
from nutrio.tree import server_settings
from nutrio.protocol.upsd.session import TlsSettings
from tests.listener.conftest import TrioClient
from tests.listener.tls_helpers import serve_tls, write_tls_files

PLAIN_REFUSED = [
    "GET VAR edge ups.status", "LIST UPS", "LIST VAR edge", "GET NUMLOGINS edge", "GET TRACKING",
    "USERNAME admin", "PASSWORD secret", "LOGIN edge", "PRIMARY edge", "MASTER edge", "FSD edge",
    "SET VAR edge ups.id x", "SET TRACKING ON", "INSTCMD edge load.off", "INSTCMD edge load.off 5",
]
REFUSALS = {"ERR ACCESS-DENIED\n", "ERR USERNAME-REQUIRED\n"}
PLAIN_ALLOWED = {"VER": "Network UPS Tools upsd", "NETVER": "1.3", "HELP": "Commands:"}


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def files(ca, tmp_path):
    return write_tls_files(ca, tmp_path, "127.0.0.1")


async def starttls(port: int, context: ssl.SSLContext) -> TrioClient:
    client = await TrioClient.connect(port)
    assert await client.ask("STARTTLS") == "OK STARTTLS\n"
    tls = trio.SSLStream(client.stream, context, server_hostname="127.0.0.1")
    await tls.do_handshake()
    secure = TrioClient(tls)
    assert (await secure.ask("NETVER")) == "1.3\n"  # TLS 1.3 reports a refused cert on first read
    return secure


def client_context(ca: trustme.CA, cert: trustme.LeafCert | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    if cert is not None:
        cert.configure_cert(context)
    return context


async def test_required_tls_refuses_every_command_in_clear_then_serves_over_tls(nursery, ca, files):
    certfile, keyfile, cafile = files
    port = await serve_tls(nursery, TlsSettings(certfile=certfile, keyfile=keyfile, require=True,
                                            client_ca=cafile))
    with trio.fail_after(10):
        plain = await TrioClient.connect(port)
        for request in PLAIN_REFUSED:
            # USERNAME/PASSWORD were refused, so commands needing them say so first
            assert await plain.ask(request) in REFUSALS, request
        for request, start in PLAIN_ALLOWED.items():
            assert (await plain.ask(request)).startswith(start)
        await plain.aclose()
        secure = await starttls(port, client_context(ca, ca.issue_cert("upsmon@example")))
        for request in ["USERNAME admin", "PASSWORD secret", "SET VAR edge ups.id x"]:
            assert await secure.ask(request) == "OK\n"
        assert await secure.ask("GET VAR edge ups.load") == 'VAR edge ups.load "23"\n'


async def test_tls_1_2_client_is_refused_by_a_tls_1_3_server(nursery, ca, files):
    certfile, keyfile, _ = files
    port = await serve_tls(nursery, TlsSettings(certfile=certfile, keyfile=keyfile, min_version="TLSv1.3"))
    old = client_context(ca)
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    with trio.fail_after(5), pytest.raises(trio.BrokenResourceError):
        await starttls(port, old)
    with trio.fail_after(5):
        await starttls(port, client_context(ca))  # TLS 1.3 gets in


@pytest.mark.parametrize("who", ["other-ca", "expired", "none"])
async def test_wrong_client_certificate_is_refused(nursery, ca, files, who):
    certfile, keyfile, cafile = files
    port = await serve_tls(nursery, TlsSettings(certfile=certfile, keyfile=keyfile, client_ca=cafile))
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    cert = {"other-ca": trustme.CA().issue_cert("upsmon@example"),
            "expired": ca.issue_cert("upsmon@example", not_before=past - datetime.timedelta(days=2),
                                     not_after=past),
            "none": None}[who]
    with trio.fail_after(5), pytest.raises(trio.BrokenResourceError):
        await starttls(port, client_context(ca, cert))
    with trio.fail_after(5):  # the server still serves a client with a good certificate
        await starttls(port, client_context(ca, ca.issue_cert("upsmon@example")))


def test_config_tls_section_reaches_the_listener(files):
    certfile, keyfile, cafile = files
    text = (f'[server]\nlisten = ["127.0.0.1:3493"]\nallow_no_device = true\n'
            f'[server.tls]\ncertfile = "{certfile}"\nkeyfile = "{keyfile}"\n'
            f'require = true\nclient_ca = "{cafile}"\nmin_version = "1.3"\n')
    tls = server_settings(conf.loads(text)).tls
    assert (tls.require, str(tls.client_ca), tls.min_version) == (True, cafile, "TLSv1.3")
    with pytest.raises(conf.ConfigError, match="client_ca"):
        conf.loads(text.replace(f'client_ca = "{cafile}"\n', ""))
    with pytest.raises(conf.ConfigError, match="min_version"):
        conf.loads(text.replace('"1.3"', '"1.1"'))
