"""`nutrio scan --snmp`: agents on loopback addresses, their MIBs, and the range limit."""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib

import pytest

from nutrio.scan.snmp import MAX_ADDRESSES, SnmpCredentials, addresses, scan_snmp
from tests.nutriorun import nutrio_env
from tests.scan.agents import NETWORK, V3_USER


def _scan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nutrio", "scan", *args], env=nutrio_env(),
                          capture_output=True, text=True, timeout=120)


def test_ranges_expand_to_hosts_once_each() -> None:
    assert addresses(["127.0.19.0/30"]) == ["127.0.19.1", "127.0.19.2"]
    assert addresses(["127.0.19.7", "127.0.19.6/31", "127.0.19.7/32"]) == [
        "127.0.19.7", "127.0.19.6"]
    assert len(addresses(["127.0.0.0/20"])) == MAX_ADDRESSES - 2


def test_more_than_4096_addresses_needs_force() -> None:
    with pytest.raises(ValueError, match="8192 addresses is more than 4096.*--force"):
        addresses(["127.0.0.0/19"])
    assert len(addresses(["127.0.0.0/19"], force=True)) == 8190
    refused = _scan("--snmp", "127.0.0.0/20", "127.0.16.0/24")
    assert refused.returncode == 2
    assert "4352 addresses is more than 4096" in refused.stderr
    assert refused.stdout == ""


def test_a_bad_range_is_one_line() -> None:
    bad = _scan("--snmp", "127.0.0.300/28")
    assert bad.returncode == 2 and bad.stderr.startswith("nutrio: scan: --snmp 127.0.0.300/28:")


@pytest.mark.e2e
def test_finds_each_agent_with_the_mib_snmp_ups_picks(agents: dict[str, str]) -> None:
    expected = agents
    started = time.monotonic()
    done = _scan("--snmp", NETWORK, "--community", "private", "--community", "public")
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    tables = tomllib.loads(done.stdout)["devices"].values()
    assert {t["port"]: t["mibs"] for t in tables} == expected
    assert all(t["community"] == "public" for t in tables)
    assert took < 15, took  # 14 addresses, 9 silent: they time out together, not in turn


@pytest.mark.e2e
def test_snmpv3_credentials_come_back_as_options(agents: dict[str, str]) -> None:
    user, auth, priv = V3_USER
    found = scan_snmp(["127.0.19.3", "127.0.19.4"], [SnmpCredentials(
        version="v3", sec_name=user, sec_level="authPriv", auth_password=auth,
        priv_password=priv)])
    wrong = scan_snmp(["127.0.19.3"], [SnmpCredentials(
        version="v3", sec_name=user, sec_level="authNoPriv", auth_password="nope-nope")])
    [mge] = found
    assert (mge.port, mge.option("mibs"), mge.desc) == ("127.0.19.3", "mge", "Evolution 850")
    assert dict(mge.options) == {"mibs": "mge", "snmp_version": "v3", "secLevel": "authPriv",
                                 "secName": user, "authPassword": auth, "authProtocol": "MD5",
                                 "privPassword": priv, "privProtocol": "DES"}
    assert wrong == []
