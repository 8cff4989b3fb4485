"""Retention of events, enforced by secops where the cluster does not.

Full Elasticsearch distributions apply the data stream lifecycle written into
the events template. The minimal distribution of the managed node has neither
the lifecycle service nor delete-by-query, so this job does what the lifecycle
would: it rolls each events data stream over once its write index is older than
a day, and deletes whole backing indices whose newest event is older than the
retention. Retention is thus exact to the rollover period (a day). Alerts, the
audit trail and state are never touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from elasticsearch import Elasticsearch

from secops.store.names import IndexNames


@dataclass
class RetentionResult:
    rolled_over: list[str] = field(default_factory=list)
    deleted_indices: list[str] = field(default_factory=list)
    deleted_events: int = 0


def lifecycle_is_managed(es: Elasticsearch) -> bool:
    """True when the cluster runs the data stream lifecycle (its REST API exists)."""
    resp = es.options(ignore_status=(400, 404, 405)).perform_request(
        "GET", "/_lifecycle/stats", headers={"accept": "application/json"}
    )
    return resp.meta.status == 200


def enforce_retention(
    es: Elasticsearch,
    *,
    names: IndexNames,
    retention_days: int,
    rollover_after_hours: float = 24.0,
) -> RetentionResult:
    result = RetentionResult()
    streams = es.indices.resolve_index(name=names.events_pattern, expand_wildcards="all")
    now_ms = time.time() * 1000
    for stream in streams.get("data_streams", []):
        write_index = stream["backing_indices"][-1]
        created = es.indices.get_settings(index=write_index, name="index.creation_date")
        created_ms = int(created[write_index]["settings"]["index"]["creation_date"])
        if (
            now_ms - created_ms >= rollover_after_hours * 3_600_000
            and es.count(index=write_index)["count"]
        ):
            es.indices.rollover(alias=stream["name"])
            result.rolled_over.append(stream["name"])
    _delete_expired_backing_indices(es, names, retention_days, result)
    return result


def _delete_expired_backing_indices(
    es: Elasticsearch, names: IndexNames, retention_days: int, result: RetentionResult
) -> None:
    streams = es.indices.resolve_index(name=names.events_pattern, expand_wildcards="all")
    candidates = [
        index
        for stream in streams.get("data_streams", [])
        for index in stream["backing_indices"][:-1]  # never the write index
    ]
    if not candidates:
        return
    cutoff_ms = time.time() * 1000 - retention_days * 86_400_000
    newest = es.search(
        index=",".join(candidates),
        size=0,
        aggs={
            "per_index": {
                "terms": {"field": "_index", "size": len(candidates)},
                "aggs": {"newest": {"max": {"field": "@timestamp"}}},
            }
        },
    )["aggregations"]["per_index"]["buckets"]
    by_index = {b["key"]: (b["doc_count"], b["newest"]["value"]) for b in newest}
    for index in candidates:
        count, newest_ms = by_index.get(index, (0, None))
        if newest_ms is None or newest_ms < cutoff_ms:
            es.indices.delete(index=index)
            result.deleted_indices.append(index)
            result.deleted_events += count
