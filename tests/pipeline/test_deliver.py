"""deliver's steps on the real Elasticsearch: normalize → detect → alerts → store.

The alerts of a batch are stored before its events, retried while the store
refuses them; a stop during such a retry ends the worker at once, with nothing
of the batch acknowledged, and its replay stores every event and alert once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from alerts.factories import failed_ssh_records
from elasticsearch import Elasticsearch
from polling import wait_until

from secops.accounting import Metrics, SourceAccounting
from secops.alerts.writer import Alerter
from secops.context import Context
from secops.detect.detector import RuleDetector
from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.detect.models import Match
from secops.pipeline.deliver import deliver
from secops.pipeline.worker import Worker, WorkerConfig
from secops.retry import RetryPolicy
from secops.spool import Spool

RULES = Path(__file__).resolve().parents[2] / "rules" / "linux"


def _detector() -> RuleDetector:
    return RuleDetector(DetectionEngine(load_rules([RULES])))


def _block_alerts(ctx: Context, blocked: bool) -> None:
    """The alerts index refuses writes (403 per document) while blocked."""
    ctx.es.indices.put_settings(index=ctx.names.alerts, settings={"index.blocks.write": blocked})


def _count(es: Elasticsearch, index: str) -> int:
    es.indices.refresh(index=index, ignore_unavailable=True, allow_no_indices=True)
    return int(es.count(index=index, ignore_unavailable=True, allow_no_indices=True)["count"])


def _retries(metrics: Metrics, cause: str) -> float:
    return float(metrics.retries.labels(cause=cause)._value.get())


def _until(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    wait_until(check, timeout=timeout, interval=0.02, what=what)


def test_alerts_wait_out_a_refusing_store_and_the_events_wait_for_them(ctx: Context) -> None:
    _block_alerts(ctx, True)
    metrics = Metrics()
    done: list[Any] = []

    def run() -> None:
        done.append(
            deliver(
                failed_ssh_records(6),
                es=ctx.es,
                names=ctx.names,
                detector=_detector(),
                alerts=Alerter(ctx),
                accounting=SourceAccounting(),
                policy=RetryPolicy(base=0.02, cap=0.1),
                stop=threading.Event(),
                metrics=metrics,
            )
        )

    thread = threading.Thread(target=run)
    thread.start()
    try:
        _until(lambda: _retries(metrics, "alerts") >= 2, "alert writes retried")
        assert _count(ctx.es, ctx.names.events_pattern) == 0  # nothing before its alerts
    finally:
        _block_alerts(ctx, False)
        thread.join(60)
    assert done, "deliver did not return once the store took the alerts"
    ctx.es.indices.refresh(index=ctx.names.alerts)
    (alert,) = ctx.es.search(index=ctx.names.alerts)["hits"]["hits"]
    assert alert["_source"]["count"] == 6
    assert _count(ctx.es, ctx.names.events_pattern) == 6


def test_a_stop_during_an_alert_retry_ends_the_worker_at_once_and_the_replay_is_exact(
    ctx: Context,
) -> None:
    def worker(metrics: Metrics | None = None, retry: RetryPolicy | None = None) -> Worker:
        spool = Spool(ctx.settings.spool_dir, max_bytes=ctx.settings.spool_max_bytes)
        return Worker(
            spool=spool,
            es=ctx.es,
            names=ctx.names,
            accounting=SourceAccounting(),
            detector=_detector(),
            alerts=Alerter(ctx),
            metrics=metrics,
            config=WorkerConfig(retry=retry or RetryPolicy()),
        )

    _block_alerts(ctx, True)
    metrics = Metrics()
    first = worker(metrics, RetryPolicy(base=60.0, cap=60.0, jitter=False))  # a minute apart
    first.start()
    first.spool.append(failed_ssh_records(8))
    try:
        _until(lambda: _retries(metrics, "alerts") >= 1, "an alert write waiting to be retried")
        started = time.monotonic()
        first.stop(timeout=30)
        assert time.monotonic() - started < 10  # the minute's wait was cut short
        assert not first.spool.caught_up()  # the batch was not acknowledged
    finally:
        first.spool.close()
        _block_alerts(ctx, False)

    second = worker()
    assert second.run_once() == 8
    second.spool.close()
    ctx.es.indices.refresh(index=ctx.names.alerts)
    (alert,) = ctx.es.search(index=ctx.names.alerts)["hits"]["hits"]
    assert alert["_source"]["count"] == 8
    assert _count(ctx.es, ctx.names.events_pattern) == 8


class BrokenDetector:
    """A detection bug: it raises on every batch."""

    def detect(self, events: Sequence[dict[str, Any]]) -> list[Match]:
        raise RuntimeError("a bug in a rule")

    def snapshot(self) -> dict[str, Any] | None:
        return None

    def restore(self, state: dict[str, Any]) -> None:
        return None


def test_a_detection_bug_does_not_hold_back_the_events(ctx: Context) -> None:
    metrics = Metrics()
    _, report = deliver(
        failed_ssh_records(5),
        es=ctx.es,
        names=ctx.names,
        detector=BrokenDetector(),
        alerts=Alerter(ctx),
        accounting=SourceAccounting(),
        policy=RetryPolicy(),
        stop=threading.Event(),
        metrics=metrics,
    )
    assert report.created == 5
    assert _retries(metrics, "detection_error") == 1
    assert _count(ctx.es, ctx.names.alerts) == 0
