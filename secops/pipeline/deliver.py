"""One batch of records through normalize → enrich → detect → store, counted per source.

Shared by the worker (records from the spool) and ``secops ingest`` (records
from a file). Returns once Elasticsearch has decided on every document.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Sequence

from elasticsearch import ApiError, Elasticsearch, TransportError

from secops.accounting import Metrics, SourceAccounting, source_key
from secops.enrich import Enricher
from secops.errors import StoreError, UnavailableError
from secops.pipeline.detection import Detector
from secops.pipeline.normalizing import PARSE_BUDGET, Group, is_unparsed, normalize_batch
from secops.pipeline.parse_guard import ParseGuard
from secops.records import TRUNCATED, RawRecord
from secops.store.bulk import Doc, RetryPolicy
from secops.store.events import DeliveryReport, write_events
from secops.store.names import IndexNames

log = logging.getLogger(__name__)


def deliver(
    records: Sequence[RawRecord],
    *,
    es: Elasticsearch,
    names: IndexNames,
    detector: Detector,
    accounting: SourceAccounting,
    policy: RetryPolicy,
    stop: threading.Event,
    metrics: Metrics | None = None,
    guard: ParseGuard | None = None,
    parse_budget: float = PARSE_BUDGET,
    enricher: Enricher | None = None,
) -> tuple[list[Group], DeliveryReport]:
    groups = normalize_batch(records, guard=guard, budget=parse_budget)
    if enricher is not None:  # the enrich stage: context for the rules (secops.enrich)
        enricher.enrich([event for _, event in groups])
    events = [(recs[0].record_id(), event) for recs, event in groups]
    for doc_id, event in events:  # detectors key their state by it
        secops = event.get("secops")
        if not isinstance(secops, dict):
            secops = event["secops"] = {}
        secops["record_id"] = doc_id
    alerts = _detect(detector, groups, names, metrics)

    def on_retry(cause: str) -> None:
        if metrics is not None:
            metrics.retries.labels(cause=cause).inc()

    report = write_events(
        es, names, events, extra=alerts, policy=policy, stop=stop, on_retry=on_retry
    )
    _account(accounting, groups, report)
    return groups, report


def _detect(
    detector: Detector, groups: list[Group], names: IndexNames, metrics: Metrics | None
) -> list[Doc]:
    try:
        found = detector.detect([event for _, event in groups])
    except (StoreError, UnavailableError, ApiError, TransportError):
        # The alerts could not be stored: the batch is retried (ids make it a no-op).
        raise
    except Exception:
        # A detection bug must not hold back the events: store them, report it.
        log.exception("detection failed on a batch of %d events", len(groups))
        if metrics is not None:
            metrics.retries.labels(cause="detection_error").inc()
        return []
    return [Doc(index=names.alerts, id=a.id, source=a.document) for a in found]


def _account(accounting: SourceAccounting, groups: list[Group], report: DeliveryReport) -> None:
    fresh = dict.fromkeys(("parsed", "unparsed", "indexed", "deadlettered", "truncated"), 0)
    deltas: dict[tuple[str, str, str], dict[str, int]] = defaultdict(fresh.copy)
    dead = report.deadlettered
    for records, event in groups:
        parse = "unparsed" if is_unparsed(event) else "parsed"
        store = "deadlettered" if dead and event["secops"]["record_id"] in dead else "indexed"
        for record in records:
            delta = deltas[source_key(record.source)]
            delta[parse] += 1
            delta[store] += 1
            if record.extra.get(TRUNCATED):
                delta["truncated"] += 1
    accounting.add(deltas)
