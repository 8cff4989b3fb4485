"""Prometheus metrics of this process, in a registry of our own (not the library's global one).

``process_metrics()`` is the one instance a process exposes at ``/metrics``; the
pipeline counts into it, and source accounting is read at scrape time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from secops.accounting.counters import OUTCOMES, SourceAccounting

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _SourcesCollector(Collector):
    def __init__(self, accounting: SourceAccounting) -> None:
        self._accounting = accounting

    def collect(self) -> Iterator[Metric]:
        labels = ["input", "host", "application"]
        records = CounterMetricFamily(
            "secops_source_records", "Records per source and outcome", labels=[*labels, "outcome"]
        )
        last_seen = GaugeMetricFamily(
            "secops_source_last_seen_timestamp_seconds",
            "When a source last sent a record",
            labels=labels,
        )
        for key, counts in self._accounting.snapshot().items():
            for outcome in OUTCOMES:
                records.add_metric([*key, outcome], getattr(counts, outcome))
            if counts.last_seen is not None:
                last_seen.add_metric(list(key), counts.last_seen)
        yield records
        yield last_seen


class _GaugesCollector(Collector):
    """Gauges read from callables at scrape time (spool size, lag)."""

    def __init__(self) -> None:
        self.sources: dict[str, tuple[str, Callable[[], float]]] = {}

    def collect(self) -> Iterator[Metric]:
        for name, (doc, read) in sorted(self.sources.items()):
            family = GaugeMetricFamily(name, doc)
            family.add_metric([], read())
            yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.accounting = SourceAccounting()
        self.registry.register(_SourcesCollector(self.accounting))
        self._gauges = _GaugesCollector()
        self.registry.register(self._gauges)
        self.batches = Counter(
            "secops_pipeline_batches", "Batches delivered to the store", registry=self.registry
        )
        self.retries = Counter(
            "secops_pipeline_retries",
            "Bulk requests retried, by cause",
            ["cause"],
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "secops_pipeline_batch_seconds",
            "Time from reading a batch to committing it",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )

    def gauge(self, name: str, doc: str, read: Callable[[], float]) -> None:
        """Expose ``read()`` as gauge ``name`` (replacing an earlier one of that name)."""
        self._gauges.sources[name] = (doc, read)

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)


@lru_cache(maxsize=1)
def process_metrics() -> Metrics:
    """The metrics of this process, created on first use."""
    return Metrics()
