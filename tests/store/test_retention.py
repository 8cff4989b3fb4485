"""Retention rolls streams over and drops whole old backing indices of its namespace only,
each once archived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from elasticsearch import Elasticsearch

from secops.settings import Settings
from secops.store import IndexNames, bootstrap
from secops.store.retention import enforce_retention, lifecycle_is_managed


def _iso(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def _put(es: Elasticsearch, index: str, ages: list[int], prefix: str) -> None:
    for i, age in enumerate(ages):
        es.create(
            index=index,
            id=f"{prefix}{i}",
            document={"@timestamp": _iso(age), "message": f"age {age}"},
        )


def test_old_backing_indices_are_deleted_recent_events_and_other_data_kept(
    es: Elasticsearch, settings: Settings, archive_repository: str
) -> None:
    names = IndexNames(settings.namespace)
    other = IndexNames(settings.namespace + "x")
    for ns in (names, other):
        bootstrap(es, namespace=ns.namespace, retention_days=settings.retention_days)
    stream = names.events_stream("linux.sshd")
    _put(es, stream, [31, 400], "old")
    _put(es, other.events_stream("linux.sshd"), [400], "other")
    es.index(index=names.alerts, id="a1", document={"@timestamp": _iso(400)}, refresh=True)
    es.indices.refresh(index=f"{names.events_pattern},{other.events_pattern}")

    # The write index is never deleted: the first run rolls the old events out of it.
    first = enforce_retention(
        es,
        names=names,
        retention_days=30,
        repository=archive_repository,
        rollover_after_hours=0,
    )
    assert first.rolled_over == [stream]
    assert first.deleted_events == 2
    assert es.count(index=names.events_pattern)["count"] == 0

    _put(es, stream, [1, 29], "new")
    es.indices.refresh(index=names.events_pattern)
    second = enforce_retention(
        es,
        names=names,
        retention_days=30,
        repository=archive_repository,
        rollover_after_hours=0,
    )
    assert second.rolled_over == [stream]
    assert second.deleted_events == 0  # a backing index with recent events stays
    es.indices.refresh(index=names.events_pattern)
    assert es.count(index=names.events_pattern)["count"] == 2
    assert es.count(index=other.events_pattern)["count"] == 1
    assert es.count(index=names.alerts)["count"] == 1


def test_a_young_write_index_is_not_rolled_over(
    es: Elasticsearch, settings: Settings, archive_repository: str
) -> None:
    names = IndexNames(settings.namespace)
    bootstrap(es, namespace=names.namespace, retention_days=settings.retention_days)
    _put(es, names.events_stream("windows"), [400], "e")
    result = enforce_retention(es, names=names, retention_days=30, repository=archive_repository)
    assert result.rolled_over == []
    assert result.deleted_events == 0


def test_managed_node_has_no_lifecycle_service_so_secops_enforces_retention(
    es: Elasticsearch,
) -> None:
    assert lifecycle_is_managed(es) is False
