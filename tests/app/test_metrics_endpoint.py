"""/metrics of a running `nutrio run`: UPS values and the tree's own counters."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.nutriorun import EDGE_DEV, nutrio_run
from tests.realnut import free_port

pytestmark = pytest.mark.e2e


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_count_clients_and_requests_and_show_the_ups(tmp_path: Path) -> None:
    web = free_port()
    with nutrio_run(tmp_path, {"ups1": EDGE_DEV}, extra=f'[web]\nlisten = "127.0.0.1:{web}"\n') as srv:
        with socket.create_connection(("127.0.0.1", srv.port), 5) as held:
            for _ in range(5):
                held.sendall(b"GET VAR ups1 ups.status\n")
                assert held.recv(4096).startswith(b"VAR ups1 ups.status")
            response = httpx.get(f"http://127.0.0.1:{web}/metrics", timeout=10)
            assert response.status_code == 200, srv.proc.stderr and response.text
            text = response.text
    samples = _samples(text)
    assert samples[("nutrio_clients_connected", ())] >= 1
    assert samples[("nutrio_requests_total", ())] >= 5
    assert samples[("network_ups_tools_battery_charge", (("ups", "ups1"),))] == 100
    assert samples[("network_ups_tools_ups_status", (("flag", "OL"), ("ups", "ups1")))] == 1
