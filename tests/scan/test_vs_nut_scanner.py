"""nutrio scan and the real nut-scanner 2.8.0 on the same simulated devices.

Both must find the same devices with the same drivers and the same match
values. What nutrio adds, by design, is checked as such:

- ``subdriver`` for the Q1 bridges (NUT's nutdrv_qx needs it only when its own
  choice is wrong; nutrio names the bridge it would use);
- comments: where the device is, the subdriver/bridge, the other candidates and,
  for a colliding id, what the read-only probes saw;
- the Q1 bridge tables commented out, since nutrio does not drive them over USB
  yet (nut-scanner prints them as live sections);
- strings with regex characters escaped (both drivers read them as regexes);
- SNMP: the same agents, MIB and community; ``desc`` is the model as the MIB
  reads it (``ups.model``/``device.model``), where nut-scanner reads one object
  per MIB: the same text, except for RFC 1628 agents (it reads the manufacturer).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.nutriorun import nutrio_env
from tests.scan.agents import NETWORK
from tests.scan.lab import plug_six
from tests.scan.realscanner import nut_scanner, nut_scanner_usb, parse_ups_conf, requires_nut_scanner
from tests.usblab.server import UsbLab

pytestmark = [pytest.mark.e2e, pytest.mark.realnut, requires_nut_scanner]

NUTRIO_ONLY = {"subdriver"}


def _nutrio(*args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run([sys.executable, "-m", "nutrio", "scan", "--format", "ups.conf",
                           *args], env=env or nutrio_env(), capture_output=True, text=True,
                          timeout=120, check=True).stdout


def _by(sections: dict[str, dict[str, str]], *keys: str) -> dict[tuple[str, ...], dict[str, str]]:
    return {tuple(s[k] for k in keys): s for s in sections.values()}


def test_usb_same_devices_drivers_and_match_values(usblab: UsbLab) -> None:
    plug_six(usblab)
    theirs = _by(parse_ups_conf(nut_scanner_usb(usblab)), "vendorid", "productid")
    text = _nutrio("--usb", env=nutrio_env(**usblab.env(client="nutrio-scan")))
    ours = _by(parse_ups_conf(text), "vendorid", "productid")
    assert len(theirs) == 6
    assert ours.keys() == theirs.keys()
    for key, section in theirs.items():
        extra = {k: v for k, v in ours[key].items() if k not in section}
        assert set(extra) <= NUTRIO_ONLY, (key, extra)
        assert {k: ours[key][k] for k in section} == section, key
    bridges = {k: s["subdriver"] for k, s in ours.items() if "subdriver" in s}
    assert bridges == {("0665", "5161"): "cypress", ("0001", "0000"): "krauler",
                       ("06DA", "0002"): "cypress"}


def test_snmp_same_agents_and_mibs(agents: dict[str, str]) -> None:
    theirs = _by(parse_ups_conf(nut_scanner("-S", "-m", NETWORK, "-t", "1")), "port")
    ours = _by(parse_ups_conf(_nutrio("--snmp", NETWORK)), "port")
    assert ours.keys() == theirs.keys() == {(a,) for a in agents}
    for key, section in theirs.items():
        same = {k: v for k, v in section.items() if k != "desc"}
        assert {k: ours[key][k] for k in same} == same, key
        assert set(ours[key]) == set(section), key
    descs = {k[0]: (ours[k]["desc"], theirs[k]["desc"]) for k in theirs}
    # RFC 1628: nut-scanner writes upsIdentManufacturer, nutrio the model (upsIdentModel)
    assert descs.pop("127.0.19.5") == ("PowerBox 1500", "Acme")
    assert all(a == b for a, b in descs.values()), descs
