"""THE comparison: every agent behind the real snmp-ups 2.8.0 + upsd and behind `nutrio run`.

One snmpsim serves every walk: one per MIB mapping of NUT 2.8.0 made from its
tables (walks/, make_walks.py), the LibreNMS recordings (shared/data/snmp,
four of which NUT refuses) and the hand-made recordings. A UDP proxy in
front of it records the SETs each manager sends. Each walk is a device on
both sides, over v2c, and the mapping walks over v1 too; two v3 users (SHA +
AES, MD5 + DES) read the default context. Both upsds are read by the same
raw client; then every writable variable is written and every instant
command run on both sides, and the SETs that reached the agent compared.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from snmpsim_agent import LIBRENMS, RECORDINGS, V3_USERS, WALKS, snmp_agent
from udp_proxy import Proxy, ProxyThread
from upsd_pair import SNMP_UPS, Conn, Served, nutrio_snmp, real_snmp, wait_settled

from tests.realnut import have_real_nut

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.realnut,
    pytest.mark.skipif(not (have_real_nut() and SNMP_UPS.exists()),
                       reason="real NUT 2.8 with snmp-ups absent (apt-get install nut-snmp)"),
]
pytest.importorskip("snmpsim", reason="the SNMP agent simulator: pip install snmpsim pysmi")

#: these LibreNMS recordings lack the model OID NUT 2.8.0 checks: it refuses them
REFUSED = {"eatonups", "netagent2", "powerwalker", "riello"}
#: without outlet.count (or ambient.count) NUT counts instances until a GET fails: over v2c
#: none does and the real driver never starts (nutrio stops at the first noSuchInstance)
V1_ONLY = {"pulizzi_switched1", "pulizzi_switched2", "eaton-epdu"}
#: walks with templates (outlets, groups, sensors, daisy chains): v1 and v2c read them apart
#: (a v2c agent answers every GET, so NUT's index probe settles on 0)
TEMPLATED = {"apc_ats", "apc_pdu_4", "apc_pdu_5", "apc_pdu_6", "baytech", "cpqpower",
             "eaton_epdu", "eaton_epdu_3phase", "emerson_avocent_pdu", "aphel_revelation",
             "hpe_epdu", "pw", "raritan", "raritan_px2"}
#: one walk per device at start-up, none while the sides are compared (the agent is slow)
SLOW_POLL = {"pollfreq": "3600"}


def _name(path: Path, version: str) -> str:
    prefix = "rec_" if path in RECORDINGS else ""  # the hand-made ones share stems with walks
    return f"{prefix}{path.stem.replace('-', '_')}_{version}"


def _devices(port: int) -> dict[str, dict[str, str]]:
    address = f"127.0.0.1:{port}"
    devices: dict[str, dict[str, str]] = {}
    for path in [*WALKS, *LIBRENMS, *RECORDINGS]:
        versions = ["v1"] if path.stem in V1_ONLY else ["v2c", "v1"] if path.stem in TEMPLATED \
            else ["v2c"]
        for version in versions:
            devices[_name(path, version)] = {
                "port": address, "community": path.stem, "snmp_version": version, **SLOW_POLL}
    for user, (akey, aproto, pkey, pproto) in V3_USERS.items():
        devices[f"v3_{user}"] = {
            "port": address, "snmp_version": "v3", "secLevel": "authPriv", "secName": user,
            "authPassword": akey, "authProtocol": aproto, "privPassword": pkey,
            "privProtocol": pproto, **SLOW_POLL}
    return devices


DEVICES = _devices(0)


@dataclass
class Side:
    """What one side served before any write, and the SETs its writes sent."""

    served: dict[str, Served]
    sets: list[tuple[str, str, int, object]]
    seconds: float


@dataclass
class Both:
    real: Side
    ours: Side


def _side(start: object, proxy: Proxy, devices: dict[str, dict[str, str]]) -> Side:
    """Start one side, read it, write through it, stop it."""
    began = time.monotonic()
    with start(devices) as port:  # type: ignore[operator]
        served = wait_settled(port, list(devices))
        up = time.monotonic() - began
        names = [n for n, s in served.items()
                 if s.error is None and devices[n]["snmp_version"] != "v3"]
        proxy.sets.clear()
        _drive(port, served, names)
        _quiet(proxy)  # NUT's upsd answers OK before its driver has sent the SET
        sets = sorted(proxy.sets, key=repr)
    return Side(served, sets, up)


def _quiet(proxy: Proxy, quiet: float = 3.0, limit: float = 90.0) -> None:
    """Until no SET has reached the agent for *quiet* seconds (a busy real driver works
    through its queue of writes well after upsd said OK)."""
    deadline = time.monotonic() + limit
    count, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        if len(proxy.sets) != count:
            count, since = len(proxy.sets), time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.2)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Both]:
    """The real side first, then nutrio, each alone, on a fresh agent (the writes of one
    side would show in the other's readings)."""
    root = tmp_path_factory.mktemp("snmpsim")
    with snmp_agent(root, extra=[*WALKS, *LIBRENMS]) as agent:
        proxy = Proxy(upstream=("127.0.0.1", agent.port))
        with ProxyThread(proxy):
            devices = _devices(proxy.port)
            real = _side(lambda d: real_snmp(d, start_timeout=240), proxy, devices)
            agent.stop()
            agent.start()  # a fresh writecache
            ours = _side(lambda d: nutrio_snmp(tmp_path_factory.mktemp("nutrio"), d), proxy,
                         devices)
    print(f"\n[snmp vs real nut, {len(devices)} devices: real up in {real.seconds:.1f} s, "
          f"nutrio up in {ours.seconds:.1f} s]")
    yield Both(real, ours)


def _comparable(served: Served) -> dict[str, str]:
    values = served.masked()
    # the real driver in "auto" turns synchronous on once a big dump fills its socket to
    # upsd; nutrio has no such socket
    if values.get("driver.parameter.synchronous") == "yes":
        values["driver.parameter.synchronous"] = "auto"
    return values


@pytest.mark.parametrize("name", list(DEVICES))
def test_nutrio_serves_each_agent_as_real_snmp_ups(name: str, both: Both) -> None:
    real, ours = both.real.served[name], both.ours.served[name]
    stem = name.rsplit("_", 1)[0]
    if stem in REFUSED:
        assert real.error == ours.error == "DRIVER-NOT-CONNECTED"
        return
    assert real.error is None, f"the real driver does not serve {name}"
    assert ours.values.get("driver.version.data") == real.values["driver.version.data"]
    assert _comparable(ours) == _comparable(real)
    assert list(ours.values) == list(real.values)  # same listing order
    assert ours.rw == real.rw
    assert ours.types == real.types
    assert ours.commands == real.commands


def test_every_2_8_0_mapping_is_detected_on_some_agent(both: Both) -> None:
    from nutrio.protocol.devices.snmp import SUPPORTED
    detected = {s.values.get("driver.version.data") for s in both.real.served.values()}
    ours = {s.values.get("driver.version.data") for s in both.ours.served.values()}
    wanted = {s.version_data for s in SUPPORTED if s.oracle}
    assert wanted <= detected and wanted <= ours


def _login(port: int) -> Conn:
    conn = Conn(port)
    for line in conn.ask(["USERNAME admin", "PASSWORD secret"], lists=False):
        assert line[0][0] == "OK", line
    return conn


def _value_for(conn: Conn, ups: str, var: str, kind: str) -> str:
    if "ENUM" in kind:
        reply = conn.ask([f"LIST ENUM {ups} {var}"], lists=True)[0]
        values = [w[3] for w in reply if w[0] == "ENUM"]
        return values[-1] if values else "1"
    if "STRING" in kind:
        return "nutrio"[: int(kind.rsplit(":", 1)[1])]
    return "12"


#: an outlet name that is no template instance: NUT 2.8.0's su_setOID follows a template it
#: did not find and the real driver dies (SET VAR ups outlet.desc); nutrio refuses it
CRASHES_NUT = re.compile(r"outlet\.(group\.)?(?!\d+\.)")


def _drive(port: int, served: dict[str, Served], names: list[str]) -> None:
    conn = _login(port)
    try:
        for ups in names:
            for var in [v for v in served[ups].rw if not CRASHES_NUT.match(v)]:
                value = _value_for(conn, ups, var, served[ups].types.get(var, ""))
                conn.ask([f'SET VAR {ups} {var} "{value}"'], lists=False)
            for cmd in [c for c in served[ups].commands if not CRASHES_NUT.match(c)]:
                conn.ask([f"INSTCMD {ups} {cmd}"], lists=False)
    finally:
        conn.close()


def test_set_var_and_instant_commands_send_the_same_sets(both: Both) -> None:
    assert len(both.real.sets) > 300  # every mapping's writable variables and commands
    only_ours = [s for s in both.ours.sets if s not in both.real.sets]
    only_real = [s for s in both.real.sets if s not in both.ours.sets]
    assert (only_ours, only_real) == ([], [])
    assert both.ours.sets == both.real.sets
