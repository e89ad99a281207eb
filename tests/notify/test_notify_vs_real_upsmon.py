"""NOTIFYCMD as the real upsmon 2.8.0 runs it, and as the notifier runs it: the same call."""

from __future__ import annotations

import os
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from notify_helpers import calls, event, notifier, recorder

from nutrio.conf.model import NotifyConfig
from tests.procs import running, wait_until
from tests.realnut import real_nut, requires_real_nut

UPSMON = Path("/lib/nut/upsmon")
# On line for 3 s, then on battery: upsmon stays quiet at start-up, then notifies ONBATT.
SEQ = "ups.status: OL\nTIMER 3\nups.status: OB\nTIMER 300\n"
OVERRIDE = "Power cut at %s, running on battery"

pytestmark = [
    requires_real_nut,
    pytest.mark.realnut,
    pytest.mark.skipif(not UPSMON.exists(), reason="needs the real NUT upsmon"),
    pytest.mark.e2e,
]


def run_real_upsmon(tmp_path: Path, notifycmd: Path, record: Path) -> tuple[str, list[Any]]:
    """Real dummy-ups + upsd + upsmon; returns (system name, NOTIFYCMD calls)."""
    seq = tmp_path / "ups.seq"
    seq.write_text(SEQ)
    with real_nut({"ups": seq}) as nut:
        system = f"ups@127.0.0.1:{nut.port}"
        conf = nut.confdir / "upsmon.conf"
        conf.write_text(
            f"MONITOR {system} 0 monuser pass primary\nMINSUPPLIES 0\n"
            "POLLFREQ 1\nPOLLFREQALERT 1\nSHUTDOWNCMD /bin/false\n"
            f'NOTIFYCMD "{notifycmd}"\nNOTIFYFLAG ONBATT SYSLOG+EXEC\n'
            f'NOTIFYMSG ONBATT "{OVERRIDE}"\n'
        )
        os.chmod(conf, 0o640)
        with running([UPSMON, "-F", "-p"], logdir=tmp_path, env=nut.env):
            wait_until(lambda: calls(record), 20)
    return system, calls(record)


@pytest.fixture
def real_calls(tmp_path: Path) -> tuple[str, list[Any]]:
    script, record = recorder(tmp_path, "real-notifycmd")
    return run_real_upsmon(tmp_path, script, record)


async def test_notifycmd_gets_what_the_real_upsmon_gives_it(
    real_calls: tuple[str, list[Any]], tmp_path: Path
) -> None:
    system, theirs = real_calls
    assert [c["NOTIFYTYPE"] for c in theirs] == ["ONBATT"]
    script, record = recorder(tmp_path, "our-notifycmd")
    cfg = NotifyConfig(
        notifycmd=str(script),
        messages=MappingProxyType({"ONBATT": OVERRIDE}),
        flags=MappingProxyType({"ONBATT": frozenset({"SYSLOG", "EXEC"})}),
    )
    async with notifier(cfg) as (inbox, _):
        await inbox.send(event("ONBATT", system))
    assert calls(record) == theirs
