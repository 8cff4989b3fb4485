"""Expired events are snapshotted before their backing index is deleted, listed with
their time range, and restored into a searchable index beside the live data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import Elasticsearch

from secops.errors import ConflictError, NotFoundError
from secops.settings import Settings
from secops.store import IndexNames, bootstrap
from secops.store.archive import list_archived, restore_archived, snapshot_name
from secops.store.retention import enforce_retention
from secops.store.scan import iter_events, time_range_query

NOW = datetime.now(UTC)


def _seed(es: Elasticsearch, stream: str, days_ago: list[int]) -> list[str]:
    """Events ``days_ago`` old in ``stream``; their timestamps, as stored."""
    stamps = []
    for i, age in enumerate(days_ago):
        ts = (NOW - timedelta(days=age)).isoformat()
        es.create(index=stream, id=f"{stream}-{i}", document={"@timestamp": ts, "message": f"{i}"})
        stamps.append(ts)
    es.indices.refresh(index=stream)
    return stamps


def _backing(es: Elasticsearch, stream: str) -> list[str]:
    resolved = es.indices.resolve_index(name=stream, expand_wildcards="all")
    return list(resolved["data_streams"][0]["backing_indices"])


def test_expired_index_is_archived_then_deleted_and_restores_searchable(
    es: Elasticsearch, settings: Settings, archive_repository: str
) -> None:
    names = IndexNames(settings.namespace)
    bootstrap(es, namespace=names.namespace, retention_days=settings.retention_days)
    stream = names.events_stream("linux.sshd")
    _seed(es, stream, [500, 450, 420])
    expired = _backing(es, stream)[0]

    result = enforce_retention(
        es, names=names, retention_days=400, repository=archive_repository, rollover_after_hours=0
    )

    assert result.deleted_indices == [expired]
    assert result.archived == [snapshot_name(names, expired)]
    assert result.kept == {}
    assert expired not in _backing(es, stream)
    [archived] = list_archived(es, names=names, repository=archive_repository)
    assert archived.index == expired
    assert archived.data_stream == stream
    assert archived.events == 3
    assert archived.state == "SUCCESS"
    assert archived.oldest is not None
    assert archived.newest is not None
    assert abs(archived.oldest - (NOW - timedelta(days=500))) < timedelta(seconds=1)
    assert abs(archived.newest - (NOW - timedelta(days=420))) < timedelta(seconds=1)
    assert archived.restored_as is None

    restored = restore_archived(
        es, names=names, repository=archive_repository, snapshot=archived.snapshot
    )
    assert restored.index == f"secops-{names.namespace}-restored-{expired.removeprefix('.ds-')}"
    assert restored.events == 3
    # Hunts read the restored events with the live ones; the live streams stay as they were.
    since = (NOW - timedelta(days=600)).isoformat()
    found = list(iter_events(es, pattern=names.searchable_events, query=time_range_query(since)))
    assert sorted(doc["message"] for _, doc in found) == ["0", "1", "2"]
    assert es.count(index=names.events_pattern)["count"] == 0
    [listed] = list_archived(es, names=names, repository=archive_repository)
    assert listed.restored_as == restored.index
    # A second restore of the same snapshot is refused: the events are searchable already.
    with pytest.raises(ConflictError):
        restore_archived(es, names=names, repository=archive_repository, snapshot=archived.snapshot)


def test_a_failed_snapshot_keeps_the_index(
    es: Elasticsearch, settings: Settings, archive_repository: str
) -> None:
    names = IndexNames(settings.namespace)
    bootstrap(es, namespace=names.namespace, retention_days=settings.retention_days)
    stream = names.events_stream("windows")
    _seed(es, stream, [500])
    expired = _backing(es, stream)[0]
    readonly = f"ro-{names.namespace}"
    es.snapshot.create_repository(
        name=readonly,
        repository={"type": "fs", "settings": {"location": readonly, "readonly": True}},
    )

    result = enforce_retention(
        es, names=names, retention_days=400, repository=readonly, rollover_after_hours=0
    )

    assert result.deleted_indices == []
    assert list(result.kept) == [expired]
    assert "snapshot" in result.kept[expired]
    assert es.count(index=expired)["count"] == 1

    # With a working repository the next run archives it, then deletes it.
    again = enforce_retention(
        es, names=names, retention_days=400, repository=archive_repository, rollover_after_hours=0
    )
    assert again.deleted_indices == [expired]
    assert again.kept == {}


def test_restore_refuses_another_namespace_and_unknown_snapshots(
    es: Elasticsearch, settings: Settings, archive_repository: str
) -> None:
    names = IndexNames(settings.namespace)
    other = IndexNames(settings.namespace + "o")
    for ns in (names, other):
        bootstrap(es, namespace=ns.namespace, retention_days=settings.retention_days)
    _seed(es, other.events_stream("linux.sshd"), [500])
    enforce_retention(
        es, names=other, retention_days=400, repository=archive_repository, rollover_after_hours=0
    )
    [theirs] = list_archived(es, names=other, repository=archive_repository)
    assert list_archived(es, names=names, repository=archive_repository) == []
    with pytest.raises(NotFoundError):
        restore_archived(es, names=names, repository=archive_repository, snapshot=theirs.snapshot)
    with pytest.raises(NotFoundError):
        restore_archived(es, names=names, repository=archive_repository, snapshot="secops-x-none")
