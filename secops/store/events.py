"""ECS events to their data streams; what Elasticsearch refuses, to the dead-letter index.

Every event is created with its record's deterministic id, so a replay is a
no-op. A document rejected as malformed is kept whole in the dead-letter index
with the reason, error type and target, under the same id.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from elasticsearch import Elasticsearch

from secops.retry import RetryPolicy
from secops.store.bulk import BulkResult, Doc, Rejected, bulk_create
from secops.store.names import IndexNames
from secops.times import now_millis

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    created: int = 0
    existed: int = 0
    deadlettered: dict[str, Rejected] = field(default_factory=dict)  # by document id
    retries: int = 0


def event_doc(names: IndexNames, doc_id: str, event: dict[str, Any], ingested: str) -> Doc:
    """The document of one event: ``event.ingested``, ``secops.record_id`` and the
    ``data_stream`` fields of the stream it goes to."""
    ev = event.get("event")
    if not isinstance(ev, dict):
        ev = event["event"] = {}
    dataset = str(ev.get("dataset") or "unknown")
    ev["ingested"] = ingested
    secops = event.get("secops")
    if not isinstance(secops, dict):
        secops = event["secops"] = {}
    secops["record_id"] = doc_id
    index = names.events_stream(dataset)
    event["data_stream"] = {
        "type": "logs",
        "dataset": index.split("-", 1)[1].rsplit("-", 1)[0],
        "namespace": names.namespace,
    }
    return Doc(index=index, id=doc_id, source=event)


def deadletter_doc(names: IndexNames, rejected: Rejected, at: str) -> Doc:
    doc = rejected.doc
    source = (
        doc.source.get("secops", {}).get("source")
        if isinstance(doc.source.get("secops"), dict)
        else None
    )
    try:
        document = orjson.dumps(doc.source, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        document = repr(doc.source)
    return Doc(
        index=names.deadletter,
        id=doc.id,
        source={
            "@timestamp": at,
            "target": doc.index,
            "reason": rejected.reason,
            "error_type": rejected.error_type,
            "status": rejected.status,
            "record_id": doc.id,
            "source": source if isinstance(source, dict) else {},
            "document": document,
        },
    )


def write_events(
    es: Elasticsearch,
    names: IndexNames,
    events: Sequence[tuple[str, dict[str, Any]]],
    *,
    policy: RetryPolicy | None = None,
    stop: threading.Event | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> DeliveryReport:
    """Create ``(id, event)`` pairs in their data streams; rejected events go to the
    dead-letter index.
    Returns once Elasticsearch has decided on every document; raises StoreError when
    ``stop`` interrupts the retries."""
    ingested = now_millis()
    docs = [event_doc(names, doc_id, event, ingested) for doc_id, event in events]
    result = bulk_create(es, docs, policy=policy, stop=stop, on_retry=on_retry)
    report = DeliveryReport(created=result.created, existed=result.existed, retries=result.retries)
    if result.rejected:
        dead = [deadletter_doc(names, r, ingested) for r in result.rejected]
        dl: BulkResult = bulk_create(es, dead, policy=policy, stop=stop, on_retry=on_retry)
        report.retries += dl.retries
        for r in dl.rejected:  # the dead-letter mapping takes anything; this is a bug if seen
            log.error("dead letter refused for %s: %s %s", r.doc.id, r.error_type, r.reason)
        for r in result.rejected:
            log.warning(
                "dead-lettered %s for %s: %s: %s", r.doc.id, r.doc.index, r.error_type, r.reason
            )
            report.deadlettered[r.doc.id] = r
    return report
