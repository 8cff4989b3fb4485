"""The pipeline worker: spool → normalize → enrich → detect → alerts → store, then commit.

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
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from secops.accounting import Metrics, SourceAccounting
from secops.accounting.service import load_sources, save_sources
from secops.enrich import Enricher
from secops.errors import SecopsError
from secops.pipeline.checkpoint import (
    load_checkpoint,
    load_enrich_checkpoint,
    save_checkpoint,
    save_enrich_checkpoint,
)
from secops.pipeline.deliver import deliver
from secops.pipeline.detection import AlertWriter, Detector, NoDetection
from secops.pipeline.normalizing import PARSE_BUDGET
from secops.pipeline.parse_guard import ParseGuard
from secops.retry import RetryPolicy
from secops.spool import Position, Spool
from secops.store.names import IndexNames

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    batch_size: int = 5000
    read_wait: float = 0.1  # seconds a read waits for the first record
    stats_interval: float = 10.0  # seconds between source_stats writes
    parse_budget: float = PARSE_BUDGET  # CPU seconds per record before it is stored unparsed
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
        alerts: AlertWriter | None = None,
        metrics: Metrics | None = None,
        config: WorkerConfig | None = None,
        enricher: Enricher | None = None,
    ) -> None:
        if detector is not None and alerts is None:
            raise ValueError("a detector needs an alert writer for its matches")
        self.spool = spool
        self.es = es
        self.names = names
        self.accounting = accounting
        self.detector = detector or NoDetection()
        self.enricher = enricher  # None: events go to detection as normalised
        self.alerts = alerts
        self.metrics = metrics
        self.config = config or WorkerConfig()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_stats = time.monotonic()
        # notes the record being normalised, in the spool directory (see parse_guard)
        self.guard = ParseGuard(spool.directory)
        self.delivered = 0  # records whose batch was committed by this worker

    # -- life cycle --------------------------------------------------------------

    def start(self) -> None:
        """Run in a thread: resume saved state (source totals, detector checkpoint), then
        deliver batches until stopped."""
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
        alive = False
        if self._thread is not None:
            self._thread.join(timeout)
            alive = self._thread.is_alive()
            if alive:
                log.error("pipeline worker did not stop within %.0fs", timeout)
            self._thread = None
        if not alive:  # a thread still normalising keeps its guard open
            self.guard.close()
        self._save_stats()

    def drain(self, timeout: float) -> bool:
        """Wait until everything in the spool is delivered and committed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.spool.caught_up():
                return True
            time.sleep(0.02)
        return self.spool.caught_up()

    def _resume(self) -> bool:
        """Load source totals and the detector checkpoint; waits for Elasticsearch,
        since running on without the detector's state would lose its windows."""
        attempt = 0
        while not self._stop.is_set():
            try:
                load_sources(self.es, self.names, self.accounting)
                state = load_checkpoint(self.es, self.names, spool_id=self.spool.id)
                enrich = load_enrich_checkpoint(self.es, self.names, spool_id=self.spool.id)
            except Exception as exc:
                log.warning("pipeline: saved state not loaded yet (%s)", exc)
                self._stop.wait(self.config.retry.delay(attempt))
                attempt += 1
                continue
            if state is not None:
                self.detector.restore(state)
            if enrich is not None and self.enricher is not None:
                self.enricher.restore(enrich)
            return True
        return False

    def _run(self) -> None:
        if not self._resume():
            return
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
        deliver(
            [record for _, record in items],
            es=self.es,
            names=self.names,
            detector=self.detector,
            alerts=self.alerts,
            accounting=self.accounting,
            policy=self.config.retry,
            stop=self._stop,
            metrics=self.metrics,
            guard=self.guard,
            parse_budget=self.config.parse_budget,
            enricher=self.enricher,
        )
        self._checkpoint(items[-1][0])
        self.delivered += len(items)
        if self.metrics is not None:
            self.metrics.batches.inc()
            self.metrics.batch_seconds.observe(time.monotonic() - started)
        return len(items)

    def _checkpoint(self, position: Position) -> None:
        state: dict[str, Any] | None = self.detector.snapshot()
        if state is not None:
            save_checkpoint(
                self.es, self.names, spool_id=self.spool.id, position=position, detector=state
            )
        if self.enricher is not None and self.enricher.state.changed:
            save_enrich_checkpoint(
                self.es,
                self.names,
                spool_id=self.spool.id,
                position=position,
                state=self.enricher.snapshot(),
            )
            self.enricher.state.saved()
        self.spool.commit(position)
