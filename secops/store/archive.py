"""The archive: snapshots of expired events indices, taken before retention deletes them.

Each backing index of an events data stream that retention is about to delete is
first snapshotted, alone, to the snapshot repository named by
``SECOPS_ARCHIVE_REPOSITORY``; only a snapshot that completed with every shard lets
the index go. The snapshot's ``metadata`` records the namespace, the data stream,
the number of events and their time range, so the archive can be listed without
restoring anything.

A repository that is not registered is registered as a filesystem repository whose
location is relative to the node's ``path.repo`` (the managed node sets it under
the state directory); an external cluster registers its own repository (fs, S3, ...)
and names it in the setting.

A restored index is named ``secops-<namespace>-restored-<backing index>``: a
regular, visible index beside the live data streams, which hunts search with them
(:attr:`IndexNames.searchable_events`) and which retention never touches.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from elasticsearch import ApiError, Elasticsearch
from pydantic import BaseModel

from secops.errors import ConflictError, NotFoundError, StoreError
from secops.store.names import IndexNames

_BACKING_PREFIX = ".ds-"


class ArchiveError(StoreError):
    """A snapshot could not be taken or read; nothing was deleted."""


class ArchivedIndex(BaseModel):
    """One snapshot of the archive: an events backing index and the events it holds."""

    snapshot: str
    repository: str
    index: str  # the backing index as it was in the data stream
    data_stream: str | None
    events: int
    oldest: datetime | None  # the time range of its events (@timestamp)
    newest: datetime | None
    archived_at: datetime
    state: str  # the snapshot's state: SUCCESS, PARTIAL, FAILED, ...
    restored_as: str | None = None  # the restored index, while it exists


class RestoredArchive(BaseModel):
    snapshot: str
    index: str  # the restored, searchable index
    events: int


def snapshot_name(names: IndexNames, index: str) -> str:
    """``secops-<namespace>-<index without its leading dot>``: one snapshot per index."""
    return f"secops-{names.namespace}-{index.lstrip('.')}"


def restored_name(names: IndexNames, index: str) -> str:
    return f"{names.restored_prefix}{index.removeprefix(_BACKING_PREFIX).lstrip('.')}"


def ensure_repository(es: Elasticsearch, repository: str) -> dict[str, Any]:
    """The repository's type and settings; registered as ``fs`` under ``path.repo`` if missing."""
    try:
        return dict(es.snapshot.get_repository(name=repository)[repository])
    except ApiError as exc:
        if exc.meta.status != 404:
            msg = f"cannot read the snapshot repository: {exc}"
            raise ArchiveError(msg, where=repository) from exc
    body = {"type": "fs", "settings": {"location": repository}}
    try:
        es.snapshot.create_repository(name=repository, repository=body)
    except ApiError as exc:
        raise ArchiveError(
            "the snapshot repository is not registered and cannot be registered as a "
            f"filesystem repository (does the cluster set path.repo?): {exc}",
            where=repository,
        ) from exc
    return body


def archive_index(
    es: Elasticsearch,
    *,
    names: IndexNames,
    repository: str,
    index: str,
    data_stream: str | None,
    events: int,
    oldest_ms: float | None,
    newest_ms: float | None,
) -> ArchivedIndex:
    """Snapshot one index and wait for it; :class:`ArchiveError` unless every shard is in."""
    name = snapshot_name(names, index)
    attempts = _get_snapshots(es, repository, f"{name}*")
    done = [a for a in attempts if a.index == index and a.state == "SUCCESS"]
    if done:
        return done[0]  # archived by an earlier run whose deletion did not happen
    if attempts:  # failed attempts stay in the archive's history; this one gets a new name
        name = f"{name}-retry{len(attempts)}"
    metadata = {
        "managed_by": "secops",
        "namespace": names.namespace,
        "index": index,
        "data_stream": data_stream,
        "events": events,
        "oldest": _iso(oldest_ms),
        "newest": _iso(newest_ms),
    }
    try:
        resp = es.snapshot.create(
            repository=repository,
            snapshot=name,
            indices=index,
            include_global_state=False,
            wait_for_completion=True,
            metadata=metadata,
        )
    except ApiError as exc:
        raise ArchiveError(f"snapshot of {index} failed: {exc}", where=repository) from exc
    archived = _archived(repository, resp["snapshot"])
    shards = resp["snapshot"].get("shards", {})
    if archived.state != "SUCCESS" or shards.get("failed", 0):
        raise ArchiveError(
            f"snapshot {name} of {index} ended {archived.state} "
            f"({shards.get('failed', 0)} shards failed)",
            where=repository,
        )
    return archived


def list_archived(es: Elasticsearch, *, names: IndexNames, repository: str) -> list[ArchivedIndex]:
    """The namespace's snapshots, oldest events first, each with its restored index if any."""
    archived = _get_snapshots(es, repository, f"secops-{names.namespace}-*")
    restored = set(
        es.indices.get(
            index=f"{names.restored_prefix}*", allow_no_indices=True, features="settings"
        )
    )
    for item in archived:
        name = restored_name(names, item.index)
        item.restored_as = name if name in restored else None
    return sorted(archived, key=lambda a: (a.oldest or a.archived_at, a.snapshot))


def restore_archived(
    es: Elasticsearch, *, names: IndexNames, repository: str, snapshot: str
) -> RestoredArchive:
    """Restore one snapshot of the namespace as ``secops-<ns>-restored-<index>``."""
    found = _get_snapshots(es, repository, snapshot)
    if not found or not snapshot.startswith(f"secops-{names.namespace}-"):
        raise NotFoundError(
            f"no archived snapshot {snapshot!r} in this namespace", where=repository
        )
    item = found[0]
    if not _ours(names, item, item.snapshot == snapshot):
        raise NotFoundError(
            f"no archived snapshot {snapshot!r} in this namespace", where=repository
        )
    if item.state != "SUCCESS":
        raise ArchiveError(f"snapshot {snapshot} is {item.state}", where=repository)
    target = restored_name(names, item.index)
    if item.index in _live_backing_indices(es, names) or es.indices.exists(index=target):
        raise ConflictError(
            f"{item.index} is live or restored as {target}: its events are searchable already",
            where=snapshot,
        )
    try:
        resp = es.snapshot.restore(
            repository=repository,
            snapshot=snapshot,
            indices=item.index,
            include_global_state=False,
            rename_pattern=r"(.+)",
            rename_replacement=target,
            index_settings={"index.hidden": False},  # backing indices are hidden
            wait_for_completion=True,
        )
    except ApiError as exc:
        raise ArchiveError(f"restore of {snapshot} failed: {exc}", where=repository) from exc
    shards = resp["snapshot"]["shards"]
    if shards.get("failed", 0):
        raise ArchiveError(f"restore of {snapshot}: {shards['failed']} shards failed")
    es.indices.refresh(index=target)
    return RestoredArchive(
        snapshot=snapshot, index=target, events=int(es.count(index=target)["count"])
    )


def _ours(names: IndexNames, item: ArchivedIndex, exact: bool) -> bool:
    """The snapshot is the one named, and it holds a backing index of this namespace's events.

    Its name alone does not say so: a snapshot put in the repository by another
    writer could hold a system index or another namespace's under a secops name.
    """
    backing = rf"\.ds-logs-secops\.[a-z0-9_.]+-{re.escape(names.namespace)}-[0-9.]+-[0-9]+"
    return exact and re.fullmatch(backing, item.index) is not None


def _live_backing_indices(es: Elasticsearch, names: IndexNames) -> set[str]:
    # Through the data streams: secops' role reaches a backing index only by its stream.
    live = es.indices.resolve_index(name=names.events_pattern, expand_wildcards="all")
    return {index for ds in live.get("data_streams", []) for index in ds["backing_indices"]}


def repository_location(es: Elasticsearch, repository: str) -> tuple[str | None, str | None]:
    """(type, location) of a registered repository; (None, None) when it is not registered.

    :class:`ArchiveError` when the cluster does not say (secops may not read it), so a
    refusal is not mistaken for a repository that does not exist.
    """
    try:
        repo = es.snapshot.get_repository(name=repository)[repository]
    except ApiError as exc:
        if exc.meta.status == 404:
            return None, None
        raise ArchiveError(f"cannot read the snapshot repository: {exc}", where=repository) from exc
    settings = repo.get("settings", {})
    return repo.get("type"), settings.get("location") or settings.get("bucket")


def _get_snapshots(es: Elasticsearch, repository: str, pattern: str) -> list[ArchivedIndex]:
    """secops' snapshots matching ``pattern``; none while the repository is not registered."""
    try:
        resp = es.snapshot.get(repository=repository, snapshot=pattern, ignore_unavailable=True)
    except ApiError as exc:
        if exc.meta.status == 404:
            return []
        raise ArchiveError(f"cannot list snapshots: {exc}", where=repository) from exc
    return [
        _archived(repository, snap)
        for snap in resp.get("snapshots", [])
        if (snap.get("metadata") or {}).get("managed_by") == "secops"
    ]


def _archived(repository: str, snap: dict[str, Any]) -> ArchivedIndex:
    meta = snap.get("metadata") or {}
    indices = snap.get("indices") or [meta.get("index", "")]
    return ArchivedIndex(
        snapshot=snap["snapshot"],
        repository=repository,
        index=meta.get("index") or indices[0],
        data_stream=meta.get("data_stream"),
        events=int(meta.get("events") or 0),
        oldest=meta.get("oldest"),
        newest=meta.get("newest"),
        archived_at=datetime.fromtimestamp(snap.get("start_time_in_millis", 0) / 1000, UTC),
        state=snap.get("state", "UNKNOWN"),
    )


def _iso(ms: float | None) -> str | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def oldest_event(es: Elasticsearch, *, names: IndexNames) -> datetime | None:
    """The oldest event still in the namespace's live data streams."""
    resp = es.search(
        index=names.events_pattern,
        size=0,
        allow_no_indices=True,
        aggs={"oldest": {"min": {"field": "@timestamp"}}},
    )
    # No events index at all: the answer has no aggregations.
    value = resp.get("aggregations", {}).get("oldest", {}).get("value")
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC)
