"""mDNS: `nutrio run` announces ``_nut._tcp``; Home Assistant's way of finding it works.

Everything multicast happens in a network namespace the test creates
(``unshare --net``, loopback up with multicast on and the multicast route on
it): nothing is sent beyond this machine, and the ports taken there are private
to the namespace. The scenario itself is tests/scan/mdns_scenario.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from nutrio.actors.announce import announce_wanted, service_name
from tests.nutriorun import nutrio_env
from tests.paths import ROOT

NETNS_SETUP = ("ip link set lo up && ip link set lo multicast on && "
               "ip route add 224.0.0.0/4 dev lo && ")


def test_default_announces_only_beyond_loopback() -> None:
    assert not announce_wanted(None, [("127.0.0.1", 3493), ("::1", 3493)])
    assert not announce_wanted(None, [("localhost", 3493)])
    assert announce_wanted(None, [("127.0.0.1", 3493), ("192.0.2.7", 3493)])
    assert announce_wanted(None, [("0.0.0.0", 3493)]) and announce_wanted(None, [("::", 3493)])
    assert announce_wanted(True, [("127.0.0.1", 3493)])
    assert not announce_wanted(False, [("0.0.0.0", 3493)])


def test_service_names_carry_the_port_only_when_there_are_several() -> None:
    assert service_name("box", 3493, 1) == "nutrio on box._nut._tcp.local."
    assert service_name("box", 3494, 2) == "nutrio on box port 3494._nut._tcp.local."


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs root, unshare and ip for a private network namespace")
    workdir = tmp_path_factory.mktemp("mdns")
    command = NETNS_SETUP + f'exec "{sys.executable}" -m tests.scan.mdns_scenario "{workdir}"'
    done = subprocess.run(["unshare", "--net", "sh", "-c", command], cwd=ROOT,
                          env=nutrio_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((workdir / "result.json").read_text())  # type: ignore[no-any-return]


@pytest.mark.e2e
def test_a_zeroconf_browser_finds_nutrio_and_aionut_reads_it(scenario: dict) -> None:
    [(name, seen)] = scenario["browse"].items()  # the quiet one (loopback only) is silent
    assert name.startswith("nutrio on ") and name.endswith("._nut._tcp.local.")
    assert (seen["addresses"], seen["port"]) == (["127.0.0.1"], 3493)
    assert seen["properties"] == {"server": "nutrio"}
    assert scenario["aionut"]["upses"] == {"loud": "announced by loud"}
    assert scenario["aionut"]["vars"]["ups.model"] == "MDNS-1"
    assert not scenario["quiet_announced"]


@pytest.mark.e2e
def test_nutrio_scan_nut_finds_the_announced_server(scenario: dict) -> None:
    scan = scenario["scan"]
    assert scan["code"] == 0, scan["err"]
    devices = tomllib.loads(scan["out"])["devices"]
    assert devices == {"loud": {"driver": "dummy-ups", "port": "loud@127.0.0.1",
                                "desc": "announced by loud"}}
    assert "(announced by mDNS)" in scan["out"]


@pytest.mark.e2e
def test_stopping_nutrio_withdraws_the_service(scenario: dict) -> None:
    [(name, seen)] = scenario["during_stop"].items()
    assert name.startswith("nutrio on ")
    assert seen["removed"] is True, scenario["loud_stopping"]  # its goodbye came
