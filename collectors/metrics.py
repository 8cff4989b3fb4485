"""The receivers' refusals on ``/metrics``: connections and files turned away, per source.

Dropped and truncated records reach the source accounting with the records; a
refused connection or file carries no record, so it is exposed from here.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from collectors.stats import ReceiverStats


class RefusalsCollector(Collector):
    """``secops_receiver_refused_total{input, address, application}``, read at scrape time."""

    def __init__(self, stats: ReceiverStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "secops_receiver_refused",
            "Connections (over a limit, failed TLS handshake) and files (not regular, "
            "symbolic link) the receivers refused, per source",
            labels=["input", "address", "application"],
        )
        for source, counts in sorted(self._stats.snapshot().items(), key=lambda kv: repr(kv[0])):
            if counts.refused:
                family.add_metric(
                    [source.input, source.address or "", source.application or ""], counts.refused
                )
        yield family
