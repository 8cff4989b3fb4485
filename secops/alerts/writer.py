"""The pipeline's alert step: matches in, alerts stored (built, grouped, suppressed), new ones
handed to the notification sink.

A thin binding of `write_alerts` to its context and sink, so the pipeline (which
knows neither) can call it. Store errors propagate: the pipeline retries them
under its `RetryPolicy` and does not acknowledge the batch before its alerts are
stored. A replay writes nothing twice (alert ids are deterministic and events
already held are not counted again).
"""

from __future__ import annotations

from collections.abc import Sequence

from secops.alerts.service import AlertSink, WriteReport, write_alerts
from secops.context import Context
from secops.detect.models import Match


class Alerter:
    """A `secops.pipeline.AlertWriter` writing into the alerts index of ``ctx``."""

    def __init__(self, ctx: Context, *, sink: AlertSink | None = None) -> None:
        self.ctx = ctx
        self.sink = sink

    def write(self, matches: Sequence[Match]) -> WriteReport:
        return write_alerts(self.ctx, matches, sink=self.sink)
