"""`nutrio scan --usb` on the virtual USB lab: six devices at once (tests/scan/lab.py)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from nutrio.scan import render
from nutrio.scan.usb import scan_usb
from tests.nutriorun import nutrio_env, start_nutrio, wait_ready
from tests.scan.lab import plug_six
from tests.usblab.server import UsbLab

pytestmark = pytest.mark.e2e


def _scan(lab: UsbLab, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "nutrio", "scan", "--usb", *args],
                            env=nutrio_env(**lab.env(client="nutrio-scan")), capture_output=True,
                            text=True, timeout=60, check=True)
    return result.stdout


def _tables(text: str) -> dict[str, dict[str, str]]:
    return tomllib.loads(text).get("devices", {})


def test_usb_scan_names_each_device_its_driver_and_subdriver(usblab: UsbLab) -> None:
    plug_six(usblab)
    found = scan_usb()
    by_id = {(f.option("vendorid"), f.option("productid")): f for f in found}
    assert set(by_id) == {("051D", "0002"), ("0764", "0501"), ("0463", "FFFF"),
                          ("0665", "5161"), ("0001", "0000"), ("06DA", "0002")}
    for key, subdriver in ((("051D", "0002"), "apc"), (("0764", "0501"), "cps"),
                           (("0463", "FFFF"), "mge")):
        assert by_id[key].driver == "usbhid-ups" and by_id[key].driven
        assert f"driver: usbhid-ups (subdriver {subdriver})" in by_id[key].notes
    for key, bridge in ((("0665", "5161"), "cypress"), (("0001", "0000"), "krauler"),
                        (("06DA", "0002"), "cypress")):
        assert (by_id[key].driver, by_id[key].option("subdriver")) == ("nutdrv_qx", bridge)
    apc = by_id[("051D", "0002")]
    assert apc.option("serial") == "9B2019A14274"
    assert apc.option("vendor") == "American Power Conversion"
    assert apc.option("bus") == "001"
    assert "at bus 001 device 002, port 1:" in apc.notes[0]


def test_colliding_id_is_probed_and_the_answer_named(usblab: UsbLab) -> None:
    """06da is a HID UPS vendor (usbhid-ups: "possibly supported") and 06da:0002 a Q1
    bridge id: the probes read the HID descriptor and ask Q1, and say who answered."""
    six = plug_six(usblab)
    collide = next(f for f in scan_usb() if f.option("vendorid") == "06DA")
    assert "HID probe: HID, but no Power Device usages" in collide.notes
    assert any(n.startswith("Q1 probe through the cypress bridge: answered '(230.4")
               for n in collide.notes), collide.notes
    assert "answered: nutdrv_qx (bridge cypress)" in collide.notes
    assert six.collide_ups.received == [b"Q1\r"]  # one status query, nothing else
    assert six.cypress_ups.received == []  # no collision: no probe
    # 0001:0000 is nutdrv_atcl_usb's id too: one Q1 query (string 3) through the krauler
    # bridge tells a Q1 UPS from an ATCL unit
    assert six.krauler.asked == [(3, 1033)]
    krauler = next(f for f in scan_usb() if f.option("vendorid") == "0001")
    assert "answered: nutdrv_qx (bridge krauler)" in krauler.notes, krauler.notes
    detached = usblab.calls(client="nutrio-test", op="detach")
    attached = usblab.calls(client="nutrio-test", op="attach")
    assert len(detached) == len(attached) > 0  # the kernel driver is given back


def test_scan_output_is_a_config_nutrio_runs_unchanged(usblab: UsbLab, tmp_path: Path) -> None:
    plug_six(usblab)
    text = _scan(usblab)
    tables = _tables(text)
    # the Q1 bridges are nutdrv_qx's now (tests/usblab/test_qx_usb_*.py): live tables too
    assert sorted(t["driver"] for t in tables.values()) == ["nutdrv_qx"] * 3 + ["usbhid-ups"] * 3
    assert text.count("# [devices.") == 0
    config = tmp_path / "scanned.toml"
    config.write_text(text)
    check = subprocess.run([sys.executable, "-m", "nutrio", "check-config", str(config)],
                           env=nutrio_env(), capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    proc = start_nutrio(config, env=nutrio_env(**usblab.env(client="nutrio")))
    try:
        port = wait_ready(proc)[0]
        for name, table in tables.items():
            out = subprocess.run([sys.executable, "-m", "nutrio", "upsc",
                                  f"{name}@127.0.0.1:{port}", "ups.vendorid"],
                                 env=nutrio_env(), capture_output=True, text=True, timeout=30)
            assert out.stdout.strip().lower() == table["vendorid"].lower(), (name, out.stderr)
    finally:
        proc.stop()


def test_ups_conf_format_is_nut_scanners_layout(usblab: UsbLab) -> None:
    plug_six(usblab)
    text = _scan(usblab, "--format", "ups.conf")
    first = text[text.index("[nutdev1]"):].splitlines()[:4]
    assert first == ["[nutdev1]", '\tdriver = "usbhid-ups"', '\tport = "auto"',
                     '\tvendorid = "051D"']


def test_a_device_that_refuses_access_is_reported_with_the_fix(usblab: UsbLab) -> None:
    plugged = usblab.plug(load_apc(), bus=3, ports=(4,))
    plugged.deny_open()
    [found] = scan_usb()
    assert found.driver == "usbhid-ups"
    assert any("permission denied" in n and "udev" in n for n in found.notes), found.notes
    table = _tables(render([found]))["nutdev1"]  # still a table: the ids are enough to match
    assert (table["vendorid"], table["productid"]) == ("051D", "0002")


def load_apc():  # type: ignore[no-untyped-def]
    from tests.drivers.hid.recordings import load
    from tests.usblab.hid import HidDevice

    return HidDevice.from_recording(load("apc_bk650m2"))


def test_no_usb_library_is_one_note(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-libusb.so"
    done = subprocess.run([sys.executable, "-m", "nutrio", "scan", "--usb"],
                          env=nutrio_env(NUTRIO_LIBUSB=str(missing)), capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (f"# USB not scanned: NUTRIO_LIBUSB={missing}: "
                           "not a usable libusb-1.0 library\n")
