"""`nutrio drivers supported [--json]`: the table matches the drivers it describes."""

from __future__ import annotations

import json
import subprocess
import sys

from nutrio.actors.drivers import DRIVERS
from nutrio.actors.drivers.support import supported
from nutrio.protocol.devices.hid import SUBDRIVERS
from nutrio.protocol.devices.megatec.usb_ids import BLAZER_BRIDGES, QX_BRIDGES
from nutrio.protocol.devices.snmp import SUPPORTED as MIB_MAPPINGS
from tests.paths import DATA, ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nutrio", "drivers", "supported", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_json_has_the_interface_shape() -> None:
    done = _run("--json")
    assert done.returncode == 0 and done.stderr == ""
    document = json.loads(done.stdout)
    names = [d["name"] for d in document["drivers"]]
    assert {"usbhid-ups", "nutdrv_qx", "snmp-ups"} <= set(names)
    for driver in document["drivers"]:
        assert set(driver) <= {"name", "also", "buses", "since", "source_only", "variants"}
        assert driver["buses"] and set(driver["buses"]) <= {"usb", "serial", "network", "i2c"}
        for variant in driver["variants"]:
            assert variant["kind"] in ("subdriver", "protocol", "usb-bridge", "mib")
            assert set(variant["buses"]) <= set(driver["buses"])
    apc = next(v for d in document["drivers"] if d["name"] == "usbhid-ups"
               for v in d["variants"] if v["name"] == "apc")
    assert apc == {"name": "apc", "kind": "subdriver", "version_data": "APC HID",
                   "version": "0.98", "buses": ["usb"],
                   "usb_ids": ["051d:0000", "051d:0002", "051d:0003"],
                   "formerly": ["APC/CyberPower HID"]}


def test_drivers_newer_than_nut_2_8_0_say_so() -> None:
    document = json.loads(_run("--json").stdout)
    since = {d["name"]: d.get("since") for d in document["drivers"]}
    assert since["apc_modbus"] == "2.8.1"
    assert since["usbhid-ups"] is None
    assert "apc_modbus  [usb, serial, network]  (NUT 2.8.1+, not in 2.8.0)" in _run().stdout


def test_drivers_without_a_debian_binary_say_so() -> None:
    document = json.loads(_run("--json").stdout)
    source_only = {d["name"] for d in document["drivers"] if d.get("source_only")}
    assert source_only == {"pijuice"}
    assert "pijuice  [i2c]  (no 2.8.0 binary: checked against NUT's source)" in _run().stdout


def test_the_plain_table_names_every_driver_once() -> None:
    done = _run()
    assert done.returncode == 0
    heads = [line.split()[0] for line in done.stdout.splitlines() if not line.startswith(" ")]
    assert sorted(heads) == sorted(d.name for d in supported())


def test_every_listed_driver_is_one_nutrio_runs_and_the_other_way_round() -> None:
    listed = {d.name for d in supported()} | {n for d in supported() for n in d.also}
    assert listed == set(DRIVERS)


def test_variants_say_what_the_drivers_publish_and_claim() -> None:
    by_name = {d.name: d for d in supported()}
    hid = by_name["usbhid-ups"].variants
    assert [f"{v.version_data} {v.version}" for v in hid] == [s.name for s in SUBDRIVERS]
    for variant, sub in zip(hid, SUBDRIVERS, strict=True):
        claimed = {f"{vid:04x}:{pid:04x}" for vid, pids in sub.devices.items() for pid in pids}
        assert set(variant.usb_ids) == claimed
    mibs = by_name["snmp-ups"].variants
    named = list({m.name: m.version_data for m in MIB_MAPPINGS}.values())  # one per name
    assert [f"{v.version_data} {v.version}" for v in mibs] == named
    assert len(mibs) == 28  # NUT 2.8.0's mib2nut names (apc_pdu's three are one)


def test_nutdrv_qx_lists_its_usb_bridges_with_the_ids_nut_gives_them() -> None:
    by_name = {d.name: d for d in supported()}
    qx, blazer = by_name["nutdrv_qx"], by_name["blazer_usb"]
    assert qx.buses == ("serial", "usb") and "megatec_usb" in qx.also
    bridges = {v.name: v for v in qx.variants if v.kind == "usb-bridge"}
    assert tuple(bridges) == QX_BRIDGES
    assert bridges["cypress"].usb_ids[:2] == ("05b8:0000", "0665:5161")
    assert bridges["fabula"].usb_ids == bridges["hunnox"].usb_ids == ("0001:0000",)
    assert bridges["snr"].usb_ids == ("0001:0000",)  # a row NUT never reaches: named only
    assert all(v.buses == ("serial", "usb") for v in qx.variants if v.kind == "protocol")
    assert [v.name for v in blazer.variants] == list(BLAZER_BRIDGES)
    assert {v.name: v.usb_ids for v in blazer.variants}["krauler"] == ("0001:0000", "ffff:0000")


def test_coverage_of_the_device_dump_library_only_grows() -> None:
    """bench/coverage.py's count: raise the floor as drivers land, never lower it."""
    from bench.coverage import covered, read_dumps

    dumps = read_dumps()
    assert len(dumps) == 718
    count = sum(covered(d, supported()) for d in dumps)
    assert count >= 718, count  # + hand-written names (usbhid_ups, nutdrv-qx), eaton_ats MIB;
    # genericups, liebert (five); belkinunv, huawei-ups2000; pijuice (seven), richcomm_usb
    # (two), nutdrv_atcl_usb; netxml-ups (two); safenet, gamatronic, ivtscd;
    # optiups, masterguard, apcsmart-old


def test_the_eaton_ats_mib_of_nut_2_7_is_the_legacy_nmc_table() -> None:
    """NUT 2.7.4's eaton_ats (sysObjectID .705.1, model OID .534.10.2.1.2.0) is 2.8.0's
    eaton_ats16_nmc: a 2.7 dump of that ATS counts for it."""
    from nutrio.protocol.devices.snmp.mibs.eaton_ats import EATON_ATS16_NMC as table

    snmp = next(d for d in supported() if d.name == "snmp-ups")
    nmc = next(v for v in snmp.variants if v.name == "eaton_ats16_nmc")
    assert nmc.formerly == ("eaton_ats MIB", "eaton_ats16 MIB")
    assert table.auto_check == ".1.3.6.1.4.1.534.10.2.1.2.0" and table.sysoid == ".1.3.6.1.4.1.705.1"


#: subdriver names of older NUT releases -> the 2.8.0 subdriver that took their units over
_OLD_HID_NAMES = {"APC/CyberPower HID": ("apc", "cps"), "Belkin HID": ("belkin",),
                  "Liebert HID": ("liebert", "belkin"), "LiebertPSP HID": ("belkin",)}


def test_every_usbhid_dump_of_a_2_8_0_subdriver_is_covered() -> None:
    """The coverage bar: each usbhid-ups (newhidups, hidups) dump of ../shared/data/ddl counts
    when a listed subdriver claims its USB ids, or, for dumps without ids, when the
    subdriver that made it (by driver.version.data, older names mapped) is listed."""
    import csv

    from nutrio.protocol.devices.hid import ClaimContext, DeviceInfo, claim_subdriver
    from tests.drivers.hid.recordings import DDL, nut_dump

    hid = next(d for d in supported() if d.name == "usbhid-ups")
    listed = {v.version_data: v.name for v in hid.variants}
    index = DATA / "ddl-index.tsv"
    rows = [r for r in csv.DictReader(index.open(), delimiter="\t")
            if r["driver"].strip("_") in ("usbhid-ups", "usbhid_ups", "newhidups", "hidups")]
    covered, left = [], []
    for row in rows:
        dump = nut_dump(row["file"])
        vid, pid = dump.get("ups.vendorid", ""), dump.get("ups.productid", "")
        name = row["driver.version.data"].split(" (")[0].rsplit(" ", 1)[0]
        found = None
        if vid and pid:
            found = claim_subdriver(DeviceInfo(
                vendor_id=int(vid, 16), product_id=int(pid, 16), vendor=dump.get("device.mfr"),
                product=dump.get("device.model")),
                ClaimContext(productid_given="driver.parameter.productid" in dump))
        if found is not None or name in listed or name in _OLD_HID_NAMES:
            covered.append(row["file"])
        else:
            left.append(row)
    assert (DDL / rows[0]["file"]).exists()
    assert len(covered) >= 262
    # what is left is NUT's hidups of 2.0, from before subdrivers (no driver.version.data)
    assert all(r["driver"] == "hidups" and not r["driver.version.data"] for r in left), left
