"""One batch of records through normalize → enrich → detect → alerts → store, counted per source.

Shared by the worker (records from the spool) and ``secops ingest`` (records
from a file). Each stage is one step below, in the order data passes:

1. normalize: raw records → ECS events, each keyed by its record id;
2. enrich: the person, the calendar and the networks behind each event
   (``secops.enrich``), when an enricher is given;
3. detect: events → rule and correlation matches (pure; a bug in it is logged
   and the events stored anyway);
4. alerts: matches → alerts built, grouped, suppressed and stored, retried under
   the batch's `RetryPolicy` while the store fails;
5. store: events created in their data streams (rejected ones dead-lettered).

Returns once Elasticsearch has decided on every document. A ``stop`` during a
retry raises at once; nothing of the batch is then acknowledged, and the replay
is a no-op (deterministic ids).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from secops.accounting import Metrics, SourceAccounting, source_key
from secops.detect.models import Match
from secops.enrich import Enricher
from secops.errors import StoreError, UnavailableError
from secops.pipeline.detection import AlertWriter, Detector
from secops.pipeline.normalizing import PARSE_BUDGET, Group, is_unparsed, normalize_batch
from secops.pipeline.parse_guard import ParseGuard
from secops.records import TRUNCATED, RawRecord
from secops.retry import RetryPolicy
from secops.store.events import DeliveryReport, write_events
from secops.store.names import IndexNames

log = logging.getLogger(__name__)

Events = list[tuple[str, dict[str, Any]]]  # (document id, ECS event)

# What the alert step retries: the store failing, never a bug in building alerts.
_STORE_ERRORS = (StoreError, UnavailableError, ApiError, TransportError)


def deliver(
    records: Sequence[RawRecord],
    *,
    es: Elasticsearch,
    names: IndexNames,
    detector: Detector,
    accounting: SourceAccounting,
    policy: RetryPolicy,
    stop: threading.Event,
    alerts: AlertWriter | None = None,
    metrics: Metrics | None = None,
    guard: ParseGuard | None = None,
    parse_budget: float = PARSE_BUDGET,
    enricher: Enricher | None = None,
) -> tuple[list[Group], DeliveryReport]:
    groups = normalize_batch(records, guard=guard, budget=parse_budget)
    if enricher is not None:  # the enrich stage: context for the rules (secops.enrich)
        enricher.enrich([event for _, event in groups])
    events = _keyed(groups)
    matches = _detect(detector, events, metrics)
    if matches:
        if alerts is None:
            raise ValueError(f"{len(matches)} matches and no alert writer to take them")
        _write_alerts(alerts, matches, policy=policy, stop=stop, metrics=metrics)

    def on_retry(cause: str) -> None:
        if metrics is not None:
            metrics.retries.labels(cause=cause).inc()

    report = write_events(es, names, events, policy=policy, stop=stop, on_retry=on_retry)
    _account(accounting, groups, report)
    return groups, report


def _keyed(groups: list[Group]) -> Events:
    """Each event with its document id, also kept in ``secops.record_id`` (detectors key
    their state by it)."""
    events = [(recs[0].record_id(), event) for recs, event in groups]
    for doc_id, event in events:
        secops = event.get("secops")
        if not isinstance(secops, dict):
            secops = event["secops"] = {}
        secops["record_id"] = doc_id
    return events


def _detect(detector: Detector, events: Events, metrics: Metrics | None) -> list[Match]:
    try:
        return detector.detect([event for _, event in events])
    except Exception:
        # A detection bug must not hold back the events: store them, report it.
        log.exception("detection failed on a batch of %d events", len(events))
        if metrics is not None:
            metrics.retries.labels(cause="detection_error").inc()
        return []


def _write_alerts(
    alerts: AlertWriter,
    matches: list[Match],
    *,
    policy: RetryPolicy,
    stop: threading.Event,
    metrics: Metrics | None,
) -> None:
    """Store the alerts before the events: the batch is not acknowledged before its
    alerts are stored, so a store outage loses none."""

    def on_retry(attempt: int, exc: BaseException, delay: float) -> None:
        log.warning("alerts not stored (%s); retrying in %.1fs", exc, delay)
        if metrics is not None:
            metrics.retries.labels(cause="alerts").inc()

    try:
        policy.call(
            lambda: alerts.write(matches), stop=stop, retry_on=_STORE_ERRORS, on_retry=on_retry
        )
    except _STORE_ERRORS:
        raise  # stopped (or out of tries): the batch is read again later
    except Exception:
        # As for detection: a bug in building alerts must not hold back the events.
        log.exception("alerts of %d matches not built", len(matches))
        if metrics is not None:
            metrics.retries.labels(cause="detection_error").inc()


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
