"""The pipeline worker: spool → normalize → detect → store, then commit the spool position.

One thread. A batch is committed only after Elasticsearch has decided on every
document of it (created, already there, or dead-lettered); while Elasticsearch
is unreachable or throttling, the batch is retried with backoff and the spool
keeps filling (up to its bound). Stopping in the middle of a retry leaves the
batch uncommitted: the next run replays it, and deterministic ids make that a no-op.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from secops.accounting import Metrics, SourceAccounting, source_key
from secops.accounting.service import load_sources, save_sources
from secops.errors import SecopsError
from secops.pipeline.checkpoint import load_checkpoint, save_checkpoint
from secops.pipeline.detection import Detector, NoDetection
from secops.pipeline.normalizing import Group, is_unparsed, normalize_batch
from secops.spool import Position, Spool
from secops.store.bulk import Doc, RetryPolicy
from secops.store.events import DeliveryReport, write_events
from secops.store.names import IndexNames

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    batch_size: int = 5000
    read_wait: float = 0.1  # seconds a read waits for the first record
    stats_interval: float = 10.0  # seconds between source_stats writes
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class Worker:
    def __init__(
        self,
        *,
        spool: Spool,
        es: Elasticsearch,
        names: IndexNames,
        accounting: SourceAccounting,
        detector: Detector | None = None,
        metrics: Metrics | None = None,
        config: WorkerConfig | None = None,
    ) -> None:
        self.spool = spool
        self.es = es
        self.names = names
        self.accounting = accounting
        self.detector = detector or NoDetection()
        self.metrics = metrics
        self.config = config or WorkerConfig()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_stats = time.monotonic()
        self.delivered = 0  # records whose batch was committed by this worker

    # -- life cycle --------------------------------------------------------------

    def start(self) -> None:
        """Resume saved state (source totals, detector checkpoint) and run in a thread."""
        self._resume()
        if self.metrics is not None:
            self.metrics.gauge(
                "secops_spool_used_bytes",
                "Bytes held by the spool",
                lambda: self.spool.stats()["used_bytes"],
            )
        self._thread = threading.Thread(target=self._run, name="secops-pipeline", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the batch in hand (or its retries), then save the source totals."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("pipeline worker did not stop within %.0fs", timeout)
            self._thread = None
        self._save_stats()

    def drain(self, timeout: float) -> bool:
        """Wait until everything in the spool is delivered and committed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.spool.caught_up():
                return True
            time.sleep(0.02)
        return self.spool.caught_up()

    def _resume(self) -> None:
        try:
            load_sources(self.es, self.names, self.accounting)
            state = load_checkpoint(self.es, self.names, spool_id=self.spool.id)
        except Exception as exc:  # Elasticsearch down at start: run on, state comes later
            log.warning("pipeline: saved state not loaded (%s); counters start at zero", exc)
            return
        if state is not None:
            self.detector.restore(state)

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                self.run_once()
                attempt = 0
            except Exception as exc:
                # Nothing was committed: read the batch again after a pause.
                if not isinstance(exc, SecopsError):
                    log.exception("pipeline batch failed")
                self.spool.rewind()
                if self._stop.wait(self.config.retry.delay(attempt)):
                    break
                attempt += 1
            if time.monotonic() - self._last_stats >= self.config.stats_interval:
                self._save_stats()

    def _save_stats(self) -> None:
        self._last_stats = time.monotonic()
        try:
            save_sources(self.es, self.names, self.accounting)
        except Exception as exc:
            log.warning("source accounting not saved: %s", exc)

    # -- one batch ---------------------------------------------------------------

    def run_once(self) -> int:
        """Read, process and deliver one batch; the number of records it held."""
        items = self.spool.read(self.config.batch_size, wait=self.config.read_wait)
        if not items:
            return 0
        started = time.monotonic()
        groups = normalize_batch([record for _, record in items])
        events = [(records[0].record_id(), event) for records, event in groups]
        for doc_id, event in events:  # detectors key their state by it
            secops = event.get("secops")
            if not isinstance(secops, dict):
                secops = event["secops"] = {}
            secops["record_id"] = doc_id
        alerts = self._detect(groups)
        report = write_events(
            self.es,
            self.names,
            events,
            extra=alerts,
            policy=self.config.retry,
            stop=self._stop,
            on_retry=self._count_retry,
        )
        self._account(groups, report)
        self._checkpoint(items[-1][0])
        self.delivered += len(items)
        if self.metrics is not None:
            self.metrics.batches.inc()
            self.metrics.batch_seconds.observe(time.monotonic() - started)
        return len(items)

    def _detect(self, groups: list[Group]) -> list[Doc]:
        try:
            found = self.detector.detect([event for _, event in groups])
        except Exception:
            # A detection bug must not hold back the events: store them, report it.
            log.exception("detection failed on a batch of %d events", len(groups))
            if self.metrics is not None:
                self.metrics.retries.labels(cause="detection_error").inc()
            return []
        return [Doc(index=self.names.alerts, id=a.id, source=a.document) for a in found]

    def _checkpoint(self, position: Position) -> None:
        state: dict[str, Any] | None = self.detector.snapshot()
        if state is not None:
            save_checkpoint(
                self.es, self.names, spool_id=self.spool.id, position=position, detector=state
            )
        self.spool.commit(position)

    def _account(self, groups: list[Group], report: DeliveryReport) -> None:
        deltas: dict[tuple[str, str, str], dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(("parsed", "unparsed", "indexed", "deadlettered"), 0)
        )
        dead = report.deadlettered
        for records, event in groups:
            parse = "unparsed" if is_unparsed(event) else "parsed"
            store = "deadlettered" if dead and records[0].record_id() in dead else "indexed"
            for record in records:
                delta = deltas[source_key(record.source)]
                delta[parse] += 1
                delta[store] += 1
        self.accounting.add(deltas)

    def _count_retry(self, cause: str) -> None:
        if self.metrics is not None:
            self.metrics.retries.labels(cause=cause).inc()
        if cause != "documents":
            log.debug("store unavailable (%s); batch kept in the spool", cause)
