"""Several simulated SNMP agents, each on its own loopback address, port 161.

nut-scanner has no port option for SNMP, so to compare with it the agents sit
on the standard port, each on an address of 127.0.19.0/28 (loopback only: the
whole 127.0.0.0/8 is this machine's). One snmpsim process per agent, serving
one recording of tests/drivers/snmp as the community ``public`` and to SNMPv3
(snmpsim's own user ``simulator``: MD5 key ``auctoritas``, DES key ``privatus``),
all started at once. A test that cannot bind port 161 there (not root, address taken) skips.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.drivers.snmp.snmpsim_agent import HERE as SNMP_DIR
from tests.procs import Proc, start, wait_until

__all__ = ["AGENTS", "NETWORK", "V3_USER", "snmp_agents"]

#: snmpsim's built-in SNMPv3 user: (name, auth key MD5, priv key DES)
V3_USER = ("simulator", "auctoritas", "privatus")

NETWORK = "127.0.19.0/28"
#: address -> recording (tests/drivers/snmp/<name>.snmprec) and the MIB snmp-ups picks
AGENTS = {
    "127.0.19.2": ("apc-ups", "apcc"),
    "127.0.19.3": ("mge-ups", "mge"),
    "127.0.19.5": ("ietf-ups", "ietf"),
    "127.0.19.6": ("eaton-epdu", "eaton_epdu"),
    "127.0.19.9": ("apc-pdu", "apc_pdu"),
}


def _can_bind(address: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind((address, 161))
        except OSError:
            return False
    return True


def _answers(address: str) -> bool:
    """An SNMPv1 GET of sysObjectID.0 gets a reply (a hand-made packet: no engine)."""
    oid = bytes([0x06, 0x08, 0x2B, 6, 1, 2, 1, 1, 2, 0])
    varbind = bytes([0x30, len(oid) + 2]) + oid + b"\x05\x00"
    varbinds = bytes([0x30, len(varbind)]) + varbind
    pdu_body = b"\x02\x01\x01\x02\x01\x00\x02\x01\x00" + varbinds
    pdu = bytes([0xA0, len(pdu_body)]) + pdu_body
    body = b"\x02\x01\x00\x04\x06public" + pdu
    packet = bytes([0x30, len(body)]) + body
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        with contextlib.suppress(OSError):
            s.sendto(packet, (address, 161))
            return bool(s.recv(1500))
    return False


@contextlib.contextmanager
def snmp_agents(root: Path) -> Iterator[dict[str, str]]:
    """Start every agent of AGENTS; yields address -> MIB expected."""
    if not all(_can_bind(a) for a in AGENTS):
        pytest.skip("cannot bind UDP port 161 on 127.0.19.x (needs root and a free port)")
    procs: list[Proc] = []
    try:
        for address, (recording, _) in AGENTS.items():
            home = root / address
            (home / "data").mkdir(parents=True)
            (home / "cache").mkdir()
            for served in ("public", "self"):  # self: what SNMPv3 reads without a context
                shutil.copyfile(SNMP_DIR / f"{recording}.snmprec",
                                home / "data" / f"{served}.snmprec")
            procs.append(start([sys.executable, str(SNMP_DIR / "run_snmpsim.py"),
                                f"--data-dir={home / 'data'}", f"--cache-dir={home / 'cache'}",
                                f"--agent-udpv4-endpoint={address}:161"],
                               logdir=home, name="snmpsim"))
        for address, proc in zip(AGENTS, procs, strict=True):
            if not wait_until(lambda a=address, p=proc: _answers(a) or not p.alive(), 60.0):
                raise TimeoutError(f"snmpsim on {address} did not answer")
            assert proc.alive(), proc.describe()
        yield {address: mib for address, (_, mib) in AGENTS.items()}
    finally:
        for proc in procs:
            proc.stop()
