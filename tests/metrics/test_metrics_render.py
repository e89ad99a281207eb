"""/metrics as Prometheus (its own text parser) and nut_exporter users see it."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from nutrio.actors.web.metrics import STANDARD_FLAGS, NutrioStats, metric_name, render_metrics
from nutrio.protocol.common.state import EMPTY_DATA, UpsData, UpsSnapshot, freeze_vars
from nutrio.protocol.devices.dummy.devfile import (
    DeviceVars,
    SetStatus,
    SetVar,
    apply_item,
    parse_items,
)
from tests.paths import DATA

DUMPS = sorted((DATA / "ddl").glob("*.dev"))


def snapshot_of(dump: Path, name: str, taken_at: float = 100.0) -> UpsSnapshot:
    state = DeviceVars()
    for item in parse_items(dump.read_bytes()):
        if isinstance(item, SetVar | SetStatus):
            apply_item(state, item)
    return UpsSnapshot(ups=name, seq=1, taken_at=taken_at, data=state.freeze())


def parse(text: str) -> dict[str, list[Sample]]:
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def value(samples: list[Sample], **labels: str) -> float:
    found = [s.value for s in samples if all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) == 1, (labels, samples)
    return found[0]


STATS = NutrioStats(now=102.5, driver_restarts={"ups1": 3}, clients_connected=4, requests_total=1234,
                    version="0.1.0")


def test_every_real_dump_renders_text_prometheus_parses() -> None:
    snaps = [snapshot_of(d, f"ups{i}") for i, d in enumerate(DUMPS)]
    families = parse(render_metrics(snaps, STATS))
    assert len(families["network_ups_tools_device_info"]) == len(DUMPS)
    assert len(families["network_ups_tools_battery_charge"]) >= len(DUMPS) // 2


def test_exporter_names_values_and_status_flags() -> None:
    dump = DATA / "ddl/APC__APC__Smart-UPS_5000_RM__apcsmart__2.6.3__01.dev"
    snap = snapshot_of(dump, "ups1")
    families = parse(render_metrics([snap], STATS))
    assert value(families["network_ups_tools_ups_load"], ups="ups1") == float(snap.data.get("ups.load") or "nan")
    assert value(families["network_ups_tools_input_voltage"], ups="ups1") == 224.9
    status = families["network_ups_tools_ups_status"]
    assert value(status, ups="ups1", flag="OL") == 1.0
    assert value(status, ups="ups1", flag="OB") == 0.0
    assert {s.labels["flag"] for s in status} >= set(STANDARD_FLAGS)
    info = families["network_ups_tools_device_info"][0]
    assert info.value == 1.0 and info.labels["ups"] == "ups1"
    assert info.labels["mfr"] == (snap.data.get("device.mfr") or "")


def test_nutrio_own_metrics() -> None:
    up = UpsSnapshot(ups="ups1", seq=5, taken_at=100.0, data=UpsData(vars=freeze_vars({"ups.status": "OB LB"})))
    down = UpsSnapshot(ups="ups2", seq=0, taken_at=0.0, data=EMPTY_DATA, connected=False)
    stats = NutrioStats(now=102.5, driver_restarts={"ups1": 3}, clients_connected=4, requests_total=1234,
                        fsd=frozenset({"ups1"}), version="0.1.0", log_write_errors=7)
    families = parse(render_metrics([up, down], stats))
    assert value(families["nutrio_driver_restarts"], ups="ups1") == 3.0
    assert value(families["nutrio_driver_restarts"], ups="ups2") == 0.0
    assert value(families["nutrio_data_age_seconds"], ups="ups1") == 2.5
    assert value(families["nutrio_driver_connected"], ups="ups2") == 0.0
    assert value(families["nutrio_data_stale"], ups="ups2") == 1.0
    assert value(families["nutrio_clients_connected"]) == 4.0
    assert value(families["nutrio_requests"]) == 1234.0
    assert value(families["nutrio_log_write_errors"]) == 7.0
    assert value(families["network_ups_tools_ups_status"], ups="ups1", flag="FSD") == 1.0
    assert not [s for s in families["network_ups_tools_ups_status"] if s.labels["ups"] == "ups2"]


def test_data_older_than_maxage_is_left_out() -> None:
    snap = UpsSnapshot(ups="ups1", seq=1, taken_at=0.0, data=UpsData(vars=freeze_vars({"ups.load": "5"})))
    families = parse(render_metrics([snap], NutrioStats(now=16.0, maxage=15.0)))
    assert "network_ups_tools_ups_load" not in families
    assert value(families["nutrio_data_stale"], ups="ups1") == 1.0


@given(st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=20), max_size=8), st.text(min_size=1, max_size=10))
def test_any_names_and_values_still_parse(vars_: dict[str, str], ups: str) -> None:
    snap = UpsSnapshot(ups=ups, seq=1, taken_at=1.0, data=UpsData(vars=freeze_vars(vars_)))
    parse(render_metrics([snap], NutrioStats(now=1.0)))


def test_metric_names_follow_nut_exporter() -> None:
    assert metric_name("battery.charge") == "network_ups_tools_battery_charge"
    assert metric_name("input.L1-N.voltage") == "network_ups_tools_input_L1_N_voltage"


def test_variables_named_like_the_special_families_do_not_clash() -> None:
    snap = UpsSnapshot(ups="u", seq=1, taken_at=1.0,
                       data=UpsData(vars=freeze_vars({"device.info": "1", "ups_status": "2", "ups.status": "OL"})))
    families = parse(render_metrics([snap], NutrioStats(now=1.0)))
    assert value(families["network_ups_tools_device_info"], ups="u") == 1.0
    assert value(families["network_ups_tools_ups_status"], ups="u", flag="OL") == 1.0
