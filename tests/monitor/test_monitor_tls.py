"""STARTTLS from the monitor to upsd ([monitor.tls], upsmon's CERTPATH/CERTVERIFY/FORCESSL).

Our monitor actor polls our own listener with [server.tls] (trustme
certificates), a plain-TCP listener, and the real NUT 2.8.0 upsd, whose
Debian build does TLS with NSS (a certificate database made with certutil
and pk12util). Real sockets and real time throughout.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import structlog
import trio
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from monitor_helpers import ACCOUNTS, monitor_config, start_driver, start_host

from nutrio import conf
from nutrio.actors.registry import Registry
from nutrio.actors.upsd.listener import run_listener
from nutrio.actors.upsmon.monitor import (
    MonitorCommand,
    MonitorEvent,
    PollFailed,
    PollTiming,
    StatusRead,
    run_ups_monitor,
)
from nutrio.conf.model import MonitorTls, MonitorTlsHost
from nutrio.protocol.upsd.replies import Descriptions
from nutrio.protocol.upsd.session import ServerSettings, TlsSettings
from nutrio.protocol.upsd.users import FixedAccounts
from tests.listener.tls_helpers import write_tls_files
from tests.realnut import real_nut, requires_real_nut

SEQ = "ups.status: OL\nTIMER 100000\n"
FAST = PollTiming(pollfreq=0.5, pollfreqalert=0.5)
#: Fields bound to every line of a monitor actor, as nutrio's log setup merges them.
BOUND = [structlog.contextvars.merge_contextvars]


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def files(ca: trustme.CA, tmp_path: Path) -> tuple[str, str, str]:
    """(certfile, keyfile, cafile): a server certificate for 127.0.0.1 and localhost."""
    return write_tls_files(ca, tmp_path, "127.0.0.1", "localhost")


async def serve(nursery: trio.Nursery, tmp_path: Path, tls: TlsSettings | None) -> int:
    """Our upsd (listener + dummy-ups driver "ups" at OL) on 127.0.0.1; its port."""
    registry = Registry()
    await start_driver(nursery, registry, tmp_path, "ups", SEQ)

    async def listener(task_status: trio.TaskStatus[int]) -> None:
        await run_listener(("127.0.0.1", 0), registry, ServerSettings(tls=tls),
                           FixedAccounts(ACCOUNTS),
                           descriptions=Descriptions(), task_status=task_status)

    port: int = await nursery.start(listener)
    return port


def entry(port: int, host: str = "127.0.0.1") -> conf.MonitorUps:
    return conf.MonitorUps(system=f"ups@{host}:{port}", user="monuser", password="pass",
                           role="primary")  # fmt: skip


async def poll(ups: conf.MonitorUps, tls: MonitorTls | None, count: int = 1) -> list[MonitorEvent]:
    """Run one monitor actor until it reported ``count`` polls; those reports."""
    events_in, events = trio.open_memory_channel[MonitorEvent](10)
    _commands_out, commands = trio.open_memory_channel[MonitorCommand](10)
    got: list[MonitorEvent] = []
    async with trio.open_nursery() as nursery:
        await nursery.start(partial(run_ups_monitor, ups, FAST, events_in, commands, tls=tls))
        with trio.fail_after(20):
            while len(got) < count:
                got.append(await events.receive())
        nursery.cancel_scope.cancel()
    return got


def named(logs: list[Mapping[str, Any]], event: str) -> list[Mapping[str, Any]]:
    return [line for line in logs if line["event"] == event]


# -- our monitor, our upsd ------------------------------------------------------------------


async def test_verified_tls_carries_the_status(nursery, tmp_path: Path, files):
    certfile, keyfile, cafile = files
    port = await serve(nursery, tmp_path, TlsSettings(certfile=certfile, keyfile=keyfile))
    tls = MonitorTls(ca_path=Path(cafile), verify=True)
    with structlog.testing.capture_logs(processors=BOUND) as logs:
        [event] = await poll(entry(port), tls)
    assert isinstance(event, StatusRead) and event.status == "OL"
    [started] = named(logs, "monitor.tls_started")
    assert started["ups"] == f"ups@127.0.0.1:{port}" and started["verify"] is True
    assert started["version"] in ("TLSv1.2", "TLSv1.3")
    # the server saw the handshake before the login: the password went encrypted
    order = [line["event"] for line in logs
             if line["event"] in ("client.tls", "monitor.logged_in")]  # fmt: skip
    assert order == ["client.tls", "monitor.logged_in"]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl command absent")
async def test_ca_directory_with_hashed_names(nursery, tmp_path: Path, files):
    """CERTPATH as a directory: the CA is found by its subject hash, as OpenSSL looks it up."""
    certfile, keyfile, cafile = files
    port = await serve(nursery, tmp_path, TlsSettings(certfile=certfile, keyfile=keyfile))
    cadir = tmp_path / "cas"
    cadir.mkdir()
    digest = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", cafile],
                            capture_output=True, text=True, check=True).stdout.strip()
    shutil.copyfile(cafile, cadir / f"{digest}.0")
    [event] = await poll(entry(port), MonitorTls(ca_path=cadir, verify=True))
    assert isinstance(event, StatusRead) and event.status == "OL"
    (cadir / f"{digest}.0").unlink()  # the same directory without the CA: refused
    [event] = await poll(entry(port), MonitorTls(ca_path=cadir, verify=True))
    assert isinstance(event, PollFailed) and "CERTIFICATE_VERIFY_FAILED" in event.reason


async def test_wrong_ca_fails_before_any_login(nursery, tmp_path: Path, files):
    certfile, keyfile, _ = files
    port = await serve(nursery, tmp_path, TlsSettings(certfile=certfile, keyfile=keyfile))
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    with structlog.testing.capture_logs(processors=BOUND) as logs:
        events = await poll(entry(port), MonitorTls(ca_path=stranger, verify=True), count=2)
    # no status, and it keeps trying at each poll (upsmon retries at the next POLLFREQ)
    assert all(isinstance(e, PollFailed) for e in events)
    assert "TLS handshake failed" in events[0].reason  # type: ignore[union-attr]
    assert "CERTIFICATE_VERIFY_FAILED" in events[0].reason  # type: ignore[union-attr]
    failed = named(logs, "monitor.tls_failed")
    assert len(failed) == 2 and failed[0]["ups"] == f"ups@127.0.0.1:{port}"
    assert not named(logs, "monitor.logged_in")


async def test_verify_checks_the_host_name(nursery, tmp_path: Path, ca):
    certfile, keyfile, cafile = write_tls_files(ca, tmp_path, "nut.example")
    port = await serve(nursery, tmp_path, TlsSettings(certfile=certfile, keyfile=keyfile))
    [event] = await poll(entry(port), MonitorTls(ca_path=Path(cafile), verify=True))
    assert isinstance(event, PollFailed) and "CERTIFICATE_VERIFY_FAILED" in event.reason
    # CERTVERIFY 0: the same certificate is taken, the link still encrypted
    with structlog.testing.capture_logs() as logs:
        [event] = await poll(entry(port), MonitorTls(ca_path=Path(cafile), verify=False))
    assert isinstance(event, StatusRead)
    assert named(logs, "monitor.tls_started")[0]["verify"] is False


async def test_force_against_a_plain_server_fails(nursery, tmp_path: Path):
    port = await serve(nursery, tmp_path, None)
    with structlog.testing.capture_logs(processors=BOUND) as logs:
        events = await poll(entry(port), MonitorTls(force=True), count=2)
    assert all(isinstance(e, PollFailed) for e in events)
    reason = events[0].reason  # type: ignore[union-attr]
    assert reason == "STARTTLS refused: FEATURE-NOT-CONFIGURED"
    refused = named(logs, "monitor.tls_refused")
    assert refused[0]["log_level"] == "error" and refused[0]["force"] is True
    assert refused[0]["ups"] == f"ups@127.0.0.1:{port}"
    assert not named(logs, "monitor.logged_in")


async def test_without_force_a_plain_server_is_polled_in_plain_text(nursery, tmp_path: Path):
    port = await serve(nursery, tmp_path, None)
    with structlog.testing.capture_logs(processors=BOUND) as logs:
        [event] = await poll(entry(port), MonitorTls())
    assert isinstance(event, StatusRead) and event.status == "OL"
    [refused] = named(logs, "monitor.tls_refused")
    assert refused["log_level"] == "warning" and refused["fallback"] == "plaintext"
    assert refused["ups"] == f"ups@127.0.0.1:{port}"
    assert not named(logs, "monitor.tls_started")


async def test_verify_alone_makes_a_refusal_fatal(nursery, tmp_path: Path, files):
    """upsclient disconnects when STARTTLS is refused and a certificate is needed."""
    port = await serve(nursery, tmp_path, None)
    [event] = await poll(entry(port), MonitorTls(ca_path=Path(files[2]), verify=True))
    assert isinstance(event, PollFailed) and event.reason.startswith("STARTTLS refused")


async def test_certhost_rules_apply_per_host(nursery, tmp_path: Path):
    port = await serve(nursery, tmp_path, None)
    strict = MonitorTls(hosts=(MonitorTlsHost(name="127.0.0.1", force=True),))
    [event] = await poll(entry(port), strict)
    assert isinstance(event, PollFailed)
    [event] = await poll(entry(port, host="localhost"), strict)  # another host: the default
    assert isinstance(event, StatusRead)
    lenient = MonitorTls(force=True, hosts=(MonitorTlsHost(name="127.0.0.1", force=False),))
    [event] = await poll(entry(port), lenient)
    assert isinstance(event, StatusRead)


async def test_client_certificate_for_a_server_that_requires_one(nursery, tmp_path: Path, ca,
                                                                 files):
    certfile, keyfile, cafile = files
    port = await serve(nursery, tmp_path,
                       TlsSettings(certfile=certfile, keyfile=keyfile, client_ca=cafile))
    mine = ca.issue_cert("upsmon.example")
    mycert, mykey = tmp_path / "me.pem", tmp_path / "me.key"
    mine.cert_chain_pems[0].write_to_path(str(mycert))
    mine.private_key_pem.write_to_path(str(mykey))
    with_cert = MonitorTls(ca_path=Path(cafile), verify=True, certfile=mycert, keyfile=mykey)
    [event] = await poll(entry(port), with_cert)
    assert isinstance(event, StatusRead) and event.status == "OL"
    # without one the server ends the session (TLS 1.3 tells at the first read)
    [event] = await poll(entry(port), MonitorTls(ca_path=Path(cafile), verify=True))
    assert isinstance(event, PollFailed)


async def test_missing_ca_file_is_logged_and_retried(nursery, tmp_path: Path, files):
    certfile, keyfile, cafile = files
    port = await serve(nursery, tmp_path, TlsSettings(certfile=certfile, keyfile=keyfile))
    later = tmp_path / "later-ca.pem"
    tls = MonitorTls(ca_path=later, verify=True)
    with structlog.testing.capture_logs() as logs:
        [event] = await poll(entry(port), tls)
    assert isinstance(event, PollFailed) and event.reason.startswith("TLS setup failed")
    assert named(logs, "monitor.tls_setup_failed")
    shutil.copyfile(cafile, later)  # fixed on disk: the next connection reads it
    [event] = await poll(entry(port), tls)
    assert isinstance(event, StatusRead)


async def test_monitor_tls_from_nutrio_toml_reaches_every_monitor(nursery, tmp_path: Path,
                                                                  files):
    """The loaded [monitor.tls] (ca_path relative to the file) goes through monitor_children."""
    certfile, keyfile, cafile = files
    port = await serve(nursery, tmp_path, TlsSettings(certfile=certfile, keyfile=keyfile))
    toml = tmp_path / "nutrio.toml"
    toml.write_text(
        f'[monitor]\npollfreq = 0.5\npollfreqalert = 0.5\n'
        f'[[monitor.ups]]\nsystem = "ups@127.0.0.1:{port}"\nuser = "monuser"\n'
        f'password = "pass"\nrole = "primary"\n'
        f'[monitor.tls]\nca_path = "{Path(cafile).name}"\nverify = true\nforce = true\n'
    )
    loaded = conf.load(toml)
    assert loaded.monitor is not None and loaded.monitor.tls is not None
    assert loaded.monitor.tls.ca_path == Path(cafile)
    config = monitor_config(*loaded.monitor.ups, pollfreq=0.5, pollfreqalert=0.5,
                            tls=loaded.monitor.tls)  # fmt: skip
    with structlog.testing.capture_logs(processors=BOUND) as logs:
        await start_host(nursery, "tls", config)
        with trio.fail_after(10):
            while not named(logs, "monitor.logged_in"):
                await trio.sleep(0.05)
    assert named(logs, "monitor.tls_started")[0]["ups"] == f"ups@127.0.0.1:{port}"


# -- the [monitor.tls] table ----------------------------------------------------------------

MONITOR = ('[[monitor.ups]]\nsystem = "ups@nut.example"\nuser = "u"\npassword = "p"\n'
           'role = "primary"\n')


@pytest.mark.parametrize(("table", "complaint"), [
    ("verify = true", "monitor.tls.ca_path: missing required key"),
    ('keyfile = "k.pem"', "keyfile needs certfile"),
    ('[[monitor.tls.host]]\nname = "h"\nverify = true', "monitor.tls.ca_path: missing"),
    ('[[monitor.tls.host]]\nname = "h"\n[[monitor.tls.host]]\nname = "H"', "listed twice"),
    ("certpath = 1", "unknown"),
])  # fmt: skip
def test_bad_monitor_tls_tables_are_refused(table: str, complaint: str) -> None:
    with pytest.raises(conf.ConfigError, match=complaint):
        conf.loads(f"{MONITOR}[monitor.tls]\n{table}\n")


def test_monitor_tls_defaults_and_host_rules() -> None:
    loaded = conf.loads(f'{MONITOR}[monitor.tls]\ncertfile = "me.pem"\n'
                        '[[monitor.tls.host]]\nname = "[2001:DB8::1]"\nforce = true\n',
                        Path("/etc/nutrio/nutrio.toml"))  # fmt: skip
    assert loaded.monitor is not None and loaded.monitor.tls is not None
    tls = loaded.monitor.tls
    assert (tls.verify, tls.force, tls.ca_path) == (False, False, None)  # NUT's defaults
    assert tls.certfile == tls.keyfile == Path("/etc/nutrio/me.pem")
    assert tls.rule("2001:db8::1") == (False, True) and tls.rule("nut.example") == (False, False)
    assert conf.loads(MONITOR).monitor.tls is None  # type: ignore[union-attr]


# -- our monitor, the real upsd 2.8 (NSS) -----------------------------------------------------

NSS_TOOLS = shutil.which("certutil") is not None and shutil.which("pk12util") is not None


def nss_database(cert: trustme.LeafCert, directory: Path, password: str) -> None:
    """An NSS certificate database holding ``cert`` and its key as "upsd" (for CERTIDENT)."""
    key = serialization.load_pem_private_key(cert.private_key_pem.bytes(), None)
    chain = [x509.load_pem_x509_certificate(pem.bytes()) for pem in cert.cert_chain_pems]
    locked = serialization.BestAvailableEncryption(b"p12")
    bundle = pkcs12.serialize_key_and_certificates(b"upsd", key, chain[0], chain[1:], locked)
    directory.mkdir()
    (directory.parent / "upsd.p12").write_bytes(bundle)
    (directory.parent / "dbpass").write_text(password + "\n")
    db, pwfile = f"sql:{directory}", str(directory.parent / "dbpass")
    subprocess.run(["certutil", "-N", "-d", db, "-f", pwfile], check=True, capture_output=True)
    subprocess.run(["pk12util", "-i", str(directory.parent / "upsd.p12"), "-d", db,
                    "-k", pwfile, "-W", "p12"], check=True, capture_output=True)  # fmt: skip


@requires_real_nut
@pytest.mark.skipif(not NSS_TOOLS, reason="Debian's upsd 2.8 does TLS with NSS; its database "
                    "needs certutil and pk12util (apt-get install libnss3-tools)")
@pytest.mark.e2e
async def test_real_upsd_over_verified_tls(tmp_path: Path, ca):
    nssdir = tmp_path / "nss"
    nss_database(ca.issue_cert("127.0.0.1", "localhost"), nssdir, "dbpass")
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    seq = tmp_path / "ups.seq"
    seq.write_text(SEQ)
    upsd_tls = f'CERTPATH {nssdir}\nCERTIDENT "upsd" "dbpass"\n'
    with real_nut({"ups": seq}, upsd_extra=upsd_tls) as nut:
        with structlog.testing.capture_logs() as logs:
            [event] = await poll(entry(nut.port),
                                 MonitorTls(ca_path=cafile, verify=True, force=True))
        assert isinstance(event, StatusRead) and event.status == "OL"
        assert named(logs, "monitor.tls_started")
        # and a CA the real upsd's certificate does not chain to is refused
        stranger = tmp_path / "other.pem"
        trustme.CA().cert_pem.write_to_path(str(stranger))
        [event] = await poll(entry(nut.port), MonitorTls(ca_path=stranger, verify=True))
        assert isinstance(event, PollFailed) and "CERTIFICATE_VERIFY_FAILED" in event.reason
