"""Retention of events, enforced by secops, with the archive before any deletion.

secops itself rolls each events data stream over once its write index is older
than a day, and deletes whole backing indices whose newest event is older than
the retention, each only after a complete snapshot of it is in the archive
(:mod:`secops.store.archive`). Retention is thus exact to the rollover period (a
day). A backing index whose snapshot fails is kept, and the run says so.

The cluster's data stream lifecycle is not used: it would delete backing indices
without a snapshot. The events template carries none, and on a cluster that runs
the lifecycle service any lifecycle left on a stream by an older template is
removed. Only backing indices of the namespace's events data streams can be
deleted here: alerts, the audit trail, compliance results and state never are.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from elasticsearch import Elasticsearch

from secops.errors import StoreError
from secops.store.archive import ArchiveError, archive_index, ensure_repository
from secops.store.names import IndexNames

log = logging.getLogger(__name__)


@dataclass
class RetentionResult:
    rolled_over: list[str] = field(default_factory=list)
    deleted_indices: list[str] = field(default_factory=list)
    deleted_events: int = 0
    archived: list[str] = field(default_factory=list)  # snapshots the deleted indices are in
    kept: dict[str, str] = field(default_factory=dict)  # expired index -> why it was not deleted


def lifecycle_is_managed(es: Elasticsearch) -> bool:
    """True when the cluster runs the data stream lifecycle (its REST API exists)."""
    resp = es.options(ignore_status=(400, 404, 405)).perform_request(
        "GET", "/_lifecycle/stats", headers={"accept": "application/json"}
    )
    return resp.meta.status == 200


def check_deletable(names: IndexNames, index: str) -> None:
    """Refuse any index but a backing index of the namespace's events data streams."""
    if not (index.startswith(".ds-logs-secops.") and f"-{names.namespace}-" in index):
        raise StoreError("retention deletes only backing indices of events", where=index)


def enforce_retention(
    es: Elasticsearch,
    *,
    names: IndexNames,
    retention_days: int,
    repository: str,
    rollover_after_hours: float = 24.0,
) -> RetentionResult:
    result = RetentionResult()
    streams = es.indices.resolve_index(name=names.events_pattern, expand_wildcards="all")
    now_ms = time.time() * 1000
    stream_names = [stream["name"] for stream in streams.get("data_streams", [])]
    if stream_names and lifecycle_is_managed(es):
        # A lifecycle would delete without a snapshot: secops' run is the only deleter.
        es.options(ignore_status=404).indices.delete_data_lifecycle(name=",".join(stream_names))
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
    _delete_expired_backing_indices(es, names, retention_days, repository, result)
    return result


def _delete_expired_backing_indices(
    es: Elasticsearch,
    names: IndexNames,
    retention_days: int,
    repository: str,
    result: RetentionResult,
) -> None:
    streams = es.indices.resolve_index(name=names.events_pattern, expand_wildcards="all")
    candidates = {
        index: stream["name"]
        for stream in streams.get("data_streams", [])
        for index in stream["backing_indices"][:-1]  # never the write index
    }
    if not candidates:
        return
    cutoff_ms = time.time() * 1000 - retention_days * 86_400_000
    buckets = es.search(
        index=",".join(candidates),
        size=0,
        aggs={
            "per_index": {
                "terms": {"field": "_index", "size": len(candidates)},
                "aggs": {
                    "newest": {"max": {"field": "@timestamp"}},
                    "oldest": {"min": {"field": "@timestamp"}},
                },
            }
        },
    )["aggregations"]["per_index"]["buckets"]
    by_index = {
        b["key"]: (b["doc_count"], b["oldest"]["value"], b["newest"]["value"]) for b in buckets
    }
    expired = {
        index: by_index.get(index, (0, None, None))
        for index in candidates
        if (newest := by_index.get(index, (0, None, None))[2]) is None or newest < cutoff_ms
    }
    if not expired:
        return
    try:
        if any(count for count, _, _ in expired.values()):
            ensure_repository(es, repository)
    except ArchiveError as exc:
        for index in expired:
            result.kept[index] = exc.message
        log.error("retention: nothing deleted, the archive is unusable: %s", exc)
        return
    for index, (count, oldest_ms, newest_ms) in expired.items():
        check_deletable(names, index)
        if count:  # an empty backing index holds nothing to keep
            try:
                archived = archive_index(
                    es,
                    names=names,
                    repository=repository,
                    index=index,
                    data_stream=candidates[index],
                    events=count,
                    oldest_ms=oldest_ms,
                    newest_ms=newest_ms,
                )
            except ArchiveError as exc:
                result.kept[index] = exc.message
                log.error("retention: %s kept, its snapshot failed: %s", index, exc)
                continue
            result.archived.append(archived.snapshot)
        es.indices.delete(index=index)
        result.deleted_indices.append(index)
        result.deleted_events += count
