"""The running pipeline of ``secops up``: the spool receivers append to, and its worker."""

from __future__ import annotations

from dataclasses import dataclass

from secops.accounting import Metrics, process_metrics
from secops.alerts.writer import Alerter
from secops.context import Context
from secops.enrich.live import build_enricher
from secops.pipeline.detection import AlertWriter, Detector
from secops.pipeline.worker import Worker, WorkerConfig
from secops.spool import Spool


@dataclass
class Pipeline:
    spool: Spool  # the RecordSink of every receiver
    worker: Worker
    metrics: Metrics

    def stop(self) -> None:
        """Stop the worker after its batch in hand, then close the spool."""
        self.worker.stop()
        self.spool.close()


def start_pipeline(
    ctx: Context,
    *,
    detector: Detector | None = None,
    alerts: AlertWriter | None = None,
    config: WorkerConfig | None = None,
    metrics: Metrics | None = None,
) -> Pipeline:
    """Open the spool of ``ctx.settings`` and start delivering it to the store.

    The matches of ``detector`` go to ``alerts``, by default the alerts index of
    ``ctx`` with no notifications.

    ``metrics`` defaults to the process's own (what ``/metrics`` serves); a caller
    running several pipelines in one process gives each its own.
    """
    metrics = metrics or process_metrics()
    settings = ctx.settings
    spool = Spool(
        settings.spool_dir, max_bytes=settings.spool_max_bytes, accounting=metrics.accounting
    )
    worker = Worker(
        spool=spool,
        es=ctx.es,
        names=ctx.names,
        accounting=metrics.accounting,
        detector=detector,
        alerts=alerts or (Alerter(ctx) if detector is not None else None),
        metrics=metrics,
        config=config,
        enricher=build_enricher(ctx),
    )
    worker.start()
    return Pipeline(spool=spool, worker=worker, metrics=metrics)
