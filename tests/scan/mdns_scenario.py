"""The mDNS scenario of test_mdns.py, run inside a private network namespace.

``python -m tests.scan.mdns_scenario WORKDIR`` expects to be alone in its
network namespace (the test starts it under ``unshare --net`` with loopback up
and multicast on), so the multicast it sends and the ports it takes stay
inside: nothing reaches the machine's real interfaces. It writes what it saw
to WORKDIR/result.json for the test to judge.

1. `nutrio run` listening on 127.0.0.1:3493 with ``announce = true``, and a
   second one on 127.0.0.1:3494 with announce unset (loopback only: off);
2. a zeroconf browser, as Home Assistant's, looks for ``_nut._tcp.local.``;
3. aionut (Home Assistant's NUT library) connects to what it found;
4. `nutrio scan --nut` finds the same server by mDNS;
5. the announcing nutrio stops while a browser watches: its goodbye removes
   the service.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from aionut import AIONUTClient
from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf

from tests.nutriorun import NUTRIO, nutrio_env, start_nutrio, wait_ready
from tests.procs import wait_until

SERVICE = "_nut._tcp.local."
DEV = "ups.status: OL\nups.mfr: Scenario\nups.model: MDNS-1\nbattery.charge: 91\n"


def _config(workdir: Path, name: str, port: int, announce: str) -> Path:
    (workdir / f"{name}.dev").write_text(DEV)
    path = workdir / f"{name}.toml"
    path.write_text(f'[server]\nlisten = ["127.0.0.1:{port}"]\n{announce}\n'
                    f'[devices.{name}]\ndriver = "dummy-ups"\nport = "{name}.dev"\n'
                    f'desc = "announced by {name}"\n')
    return path


def _browse(seconds: float, meanwhile: Callable[[], object] | None = None
            ) -> dict[str, dict[str, object]]:
    """Every service seen within *seconds*, with its addresses and port; ``removed``
    tells whether its goodbye came. *meanwhile* (a stop) runs half way through."""
    zc = Zeroconf(interfaces=["127.0.0.1"])
    seen: dict[str, dict[str, object]] = {}

    def changed(zeroconf: Zeroconf, service_type: str, name: str,
                state_change: ServiceStateChange) -> None:
        entry = seen.setdefault(name, {"removed": False})
        entry["removed"] = entry["removed"] or state_change is ServiceStateChange.Removed

    try:
        browser = ServiceBrowser(zc, SERVICE, handlers=[changed])
        time.sleep(seconds / 2)
        if meanwhile is not None:
            wait_until(lambda: bool(seen), timeout=8.0)  # a loaded machine answers late
            meanwhile()
        time.sleep(seconds / 2)
        if meanwhile is not None:
            # a goodbye is handled within a second, later on a loaded machine
            wait_until(lambda: any(entry["removed"] for entry in seen.values()), timeout=8.0)
        browser.cancel()
        for name, entry in seen.items():
            if entry["removed"]:
                continue
            info = zc.get_service_info(SERVICE, name, 2000)
            if info is not None:
                entry.update(addresses=info.parsed_addresses(), port=info.port,
                             properties={k.decode(): (v or b"").decode()
                                         for k, v in info.properties.items()})
    finally:
        zc.close()
    return seen


async def _aionut(host: str, port: int) -> dict[str, object]:
    client = AIONUTClient(host=host, port=port, persistent=False)
    try:
        upses = await client.list_ups()
        return {"upses": upses, "vars": await client.list_vars(next(iter(upses)))}
    finally:
        client.shutdown()


def main(workdir: Path) -> None:
    result: dict[str, object] = {}
    loud = start_nutrio(_config(workdir, "loud", 3493, "announce = true"), listen=None)
    quiet = start_nutrio(_config(workdir, "quiet", 3494, ""), listen=None)
    try:
        wait_ready(loud), wait_ready(quiet)
        loud.wait_for_event("announce.registered")
        started = time.monotonic()
        result["browse"] = _browse(3.0)
        found = next(iter(result["browse"].values()))  # type: ignore[attr-defined]
        result["aionut"] = asyncio.run(_aionut(found["addresses"][0], found["port"]))
        result["browse_seconds"] = time.monotonic() - started
        scan = subprocess.run([*NUTRIO, "scan", "--nut", "--mdns-wait", "3"], env=nutrio_env(),
                              capture_output=True, text=True, timeout=60)
        result["scan"] = {"code": scan.returncode, "out": scan.stdout, "err": scan.stderr}
        quiet_events = [e["event"] for e in quiet.events()]
        result["quiet_announced"] = "announce.registered" in quiet_events
        result["during_stop"] = _browse(4.0, meanwhile=loud.stop)
        result["loud_stopping"] = loud.describe(2000)  # for a failure message
    finally:
        loud.stop()
        quiet.stop()
    (workdir / "result.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
