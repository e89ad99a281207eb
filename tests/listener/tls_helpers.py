"""TLS test pieces shared by tests/listener/test_tls.py and tests/acl/test_tls_acl.py."""

from __future__ import annotations

from pathlib import Path

import trio
import trustme

from nutrio.actors.registry import Registry
from nutrio.protocol.upsd.session import ServerSettings, TlsSettings
from tests.listener.conftest import small_data, start_device, start_listener


def write_tls_files(ca: trustme.CA, directory: Path, *hostnames: str) -> tuple[str, str, str]:
    """A server certificate for *hostnames* signed by *ca*: (certfile, keyfile, cafile) paths."""
    cert = ca.issue_cert(*hostnames)
    certfile, keyfile, cafile = directory / "cert.pem", directory / "key.pem", directory / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(certfile), append=True)
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(cafile))
    return str(certfile), str(keyfile), str(cafile)


async def serve_tls(nursery: trio.Nursery, tls: TlsSettings, transport: str | None = None) -> int:
    """A listener with these TLS settings serving one UPS, "edge"; its port."""
    registry = Registry()
    await start_device(nursery, registry, "edge", small_data())
    return await start_listener(nursery, registry, ServerSettings(tls=tls, send_timeout=3),
                                transport=transport)
