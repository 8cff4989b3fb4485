"""The filter drop counts of this process, and their Prometheus family at /metrics."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from secops.accounting import process_metrics
from secops.detect.filter_drops import FilterDrops


class _DropsCollector(Collector):
    def __init__(self, drops: FilterDrops) -> None:
        self._drops = drops

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "secops_rule_filter_dropped",
            "Events a rule matched that a Sigma filter excluded, by filter and rule",
            labels=["filter", "rule"],
        )
        for (filter_id, rule_id), count in sorted(self._drops.snapshot().items()):
            family.add_metric([filter_id, rule_id], count)
        yield family


@lru_cache(maxsize=1)
def process_filter_drops() -> FilterDrops:
    """The counts the pipeline's detector keeps in this process (registered on first use)."""
    drops = FilterDrops()
    process_metrics().registry.register(_DropsCollector(drops))
    return drops
