"""Prometheus view of a dispatcher's counters: register it on any registry."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from secops.alerts.notify.dispatcher import Dispatcher

_COUNTERS = (
    ("sent", "secops_notifications_sent", "Notifications delivered"),
    ("failed_attempts", "secops_notifications_failed", "Delivery attempts that failed"),
    ("gave_up", "secops_notifications_gave_up", "Notifications abandoned after every retry"),
    ("dropped", "secops_notifications_dropped", "Notifications dropped: queue full"),
)


class NotificationCollector(Collector):
    """``registry.register(NotificationCollector(dispatcher))`` exposes its counters."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def collect(self) -> Iterator[Metric]:
        stats = list(self.dispatcher.stats.values())
        for attr, name, doc in _COUNTERS:
            family = CounterMetricFamily(name, doc, labels=["channel"])
            for s in stats:
                family.add_metric([s.channel], getattr(s, attr))
            yield family
