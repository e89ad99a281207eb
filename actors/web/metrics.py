"""Prometheus text exposition of the UPS snapshots and nutrio's own counters.

The UPS metrics use the names of DRuggeri/nut_exporter (namespace
``network_ups_tools``), so dashboards and alerts built on it keep working;
every sample carries a ``ups`` label, because one scrape covers every UPS
(nut_exporter scrapes one UPS at a time, selected by ``?ups=``):

==============================================  ==================================================
NUT                                             metric
==============================================  ==================================================
any numeric variable, e.g. ``battery.charge``   ``network_ups_tools_battery_charge{ups}`` (gauge;
                                                ``.`` and ``-`` become ``_``)
a variable reading on/enabled/true/...          the same name, 1; off/disabled/false/... -> 0
``ups.status`` flags                            ``network_ups_tools_ups_status{ups,flag}`` 1 per
                                                flag set; 0 for the standard flags not set
                                                (OL OB LB HB RB CHRG DISCHRG BYPASS CAL OFF OVER
                                                TRIM BOOST FSD SD). FSD set by a primary counts.
``device.*`` (model mfr serial type ...)        ``network_ups_tools_device_info{ups,model,mfr,
                                                serial,type,description,contact,location,part,
                                                macaddr}`` 1
==============================================  ==================================================

nutrio's own:

- ``nutrio_driver_restarts_total{ups}``: restarts of the driver actor;
- ``nutrio_driver_connected{ups}``: 1 while the driver publishes, else 0;
- ``nutrio_data_stale{ups}``: 1 while upsd would answer DATA-STALE;
- ``nutrio_data_age_seconds{ups}``: seconds since the driver last read the device;
- ``nutrio_clients_connected``: open client connections of the protocol server;
- ``nutrio_requests_total``: protocol requests served;
- ``nutrio_build_info{version}`` 1.

Values of a disconnected or stale UPS are left out (nut_exporter fails the
scrape there); its ``nutrio_*`` series stay. Rendering goes through
prometheus-client's own registry and text writer, so escaping and number
formatting are exactly what Prometheus parses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from prometheus_client.core import CollectorRegistry, CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from nutrio.protocol.common.state import UpsSnapshot

__all__ = ["CONTENT_TYPE", "DEVICE_LABELS", "STANDARD_FLAGS", "NutrioStats", "metric_name", "render_metrics"]

#: The Content-Type for the /metrics response (text format 0.0.4).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
NAMESPACE = "network_ups_tools"
#: nut_exporter's default ``--nut.statuses``: always present, 0 when not set.
STANDARD_FLAGS = ("OL", "OB", "LB", "HB", "RB", "CHRG", "DISCHRG", "BYPASS", "CAL", "OFF",
                  "OVER", "TRIM", "BOOST", "FSD", "SD")
#: nut_exporter's device_info labels, from ``device.<label>``.
DEVICE_LABELS = ("model", "mfr", "serial", "type", "description", "contact", "location", "part", "macaddr")

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_ON = re.compile(r"(enable|enabled|on|true|active|activated)", re.IGNORECASE)
_OFF = re.compile(r"(disable|disabled|off|false|inactive|deactivated)", re.IGNORECASE)
_BAD_CHAR = re.compile(r"[^a-zA-Z0-9_:]")


@dataclass(frozen=True, slots=True, kw_only=True)
class NutrioStats:
    """What the metrics need besides the snapshots.

    ``now`` is on the clock of ``UpsSnapshot.taken_at`` (trio.current_time());
    ``driver_restarts`` maps UPS name -> restarts of ``driver:<ups>``;
    ``fsd`` names the UPSes a primary has set FSD on (served in ups.status);
    ``maxage`` is the server's MAXAGE: older data counts as stale.
    """

    now: float
    driver_restarts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    clients_connected: int = 0
    requests_total: int = 0
    fsd: frozenset[str] = frozenset()
    version: str = ""
    maxage: float = 15.0
    log_write_errors: int = 0  # log lines lost to a full disk, a size limit, ...

    def __post_init__(self) -> None:
        if not isinstance(self.driver_restarts, MappingProxyType):
            object.__setattr__(self, "driver_restarts", MappingProxyType(dict(self.driver_restarts)))


def metric_name(var: str) -> str:
    """``battery.charge`` -> ``network_ups_tools_battery_charge``."""
    return f"{NAMESPACE}_{_BAD_CHAR.sub('_', var.replace('.', '_').replace('-', '_'))}"


def numeric_value(text: str) -> float | None:
    """A NUT value as nut_exporter reads it: a number, on/off words as 1/0, else None."""
    text = text.strip()
    if _NUMBER.fullmatch(text):
        return float(text)
    if _ON.fullmatch(text):
        return 1.0
    if _OFF.fullmatch(text):
        return 0.0
    return None


def render_metrics(snapshots: Iterable[UpsSnapshot], stats: NutrioStats) -> str:
    """The whole /metrics body in Prometheus text format 0.0.4."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(tuple(snapshots), stats))
    return generate_latest(registry).decode("utf-8")


class _Snapshot(Collector):
    """One scrape's worth of metric families, built from frozen values."""

    def __init__(self, snapshots: tuple[UpsSnapshot, ...], stats: NutrioStats) -> None:
        self._snapshots = snapshots
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        yield from _ups_families(self._snapshots, self._stats)
        yield from _nutrio_families(self._snapshots, self._stats)


def _usable(snap: UpsSnapshot, stats: NutrioStats) -> bool:
    return snap.connected and not snap.stale and stats.now - snap.heard_at(stats.now) <= stats.maxage


def _ups_families(snapshots: tuple[UpsSnapshot, ...], stats: NutrioStats) -> Iterator[Metric]:
    families: dict[str, GaugeMetricFamily] = {}
    status = GaugeMetricFamily(metric_name("ups.status"), "UPS status flags (ups.status)",
                               labels=("ups", "flag"))
    info = GaugeMetricFamily(f"{NAMESPACE}_device_info", "UPS Device information",
                             labels=("ups", *DEVICE_LABELS))
    for snap in snapshots:
        if not _usable(snap, stats):
            continue
        device = {label: "" for label in DEVICE_LABELS}
        for var, text in snap.data.vars.items():
            head, _, rest = var.partition(".")
            if head == "device" and rest in device:
                device[rest] = text
            if var == "ups.status":
                continue
            value = numeric_value(text)
            name = metric_name(var)
            if value is None or name in (status.name, info.name):
                continue
            family = families.get(name)
            if family is None:
                family = families[name] = GaugeMetricFamily(name, f"NUT variable {var}", labels=("ups",))
            if not any(s.labels["ups"] == snap.ups for s in family.samples):  # first spelling wins
                family.add_metric((snap.ups,), value)
        _add_status(status, snap, stats)
        info.add_metric((snap.ups, *(device[label] for label in DEVICE_LABELS)), 1.0)
    yield from families.values()
    yield status
    yield info


def _add_status(family: GaugeMetricFamily, snap: UpsSnapshot, stats: NutrioStats) -> None:
    flags = list(dict.fromkeys((snap.data.vars.get("ups.status") or "").split()))
    if snap.ups in stats.fsd and "FSD" not in flags:
        flags.insert(0, "FSD")
    for flag in flags:
        family.add_metric((snap.ups, flag), 1.0)
    for flag in STANDARD_FLAGS:
        if flag not in flags:
            family.add_metric((snap.ups, flag), 0.0)


def _nutrio_families(snapshots: tuple[UpsSnapshot, ...], stats: NutrioStats) -> Iterator[Metric]:
    restarts = CounterMetricFamily("nutrio_driver_restarts", "Restarts of the driver actor",
                                   labels=("ups",))
    connected = GaugeMetricFamily("nutrio_driver_connected", "1 while the driver publishes data",
                                  labels=("ups",))
    stale = GaugeMetricFamily("nutrio_data_stale", "1 while upsd would answer DATA-STALE",
                              labels=("ups",))
    age = GaugeMetricFamily("nutrio_data_age_seconds", "Seconds since the driver last published",
                            labels=("ups",))
    for snap in snapshots:
        restarts.add_metric((snap.ups,), float(stats.driver_restarts.get(snap.ups, 0)))
        connected.add_metric((snap.ups,), 1.0 if snap.connected else 0.0)
        stale.add_metric((snap.ups,), 0.0 if _usable(snap, stats) else 1.0)
        if snap.taken_at > 0:
            age.add_metric((snap.ups,), max(0.0, stats.now - snap.taken_at))
    yield restarts
    yield connected
    yield stale
    yield age
    yield GaugeMetricFamily("nutrio_clients_connected", "Open client connections",
                            value=float(stats.clients_connected))
    yield CounterMetricFamily("nutrio_requests", "Protocol requests served",
                              value=float(stats.requests_total))
    yield CounterMetricFamily("nutrio_log_write_errors", "Log lines lost to write errors",
                              value=float(stats.log_write_errors))
    build = GaugeMetricFamily("nutrio_build_info", "nutrio version", labels=("version",))
    build.add_metric((stats.version,), 1.0)
    yield build
