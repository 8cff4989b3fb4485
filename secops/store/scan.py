"""Read stored events back in time order: point-in-time search with search_after.

Used by retro-hunts and by anything that replays history. A point in time keeps
the view consistent while new events keep arriving. ``scan_hits`` reads every match
of any index, in no order, for the services that sum up their own documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch.helpers import scan

from secops.store.names import IndexNames


def time_range_query(since: str, until: str | None = None) -> dict[str, Any]:
    bounds: dict[str, str] = {"gte": since}
    if until:
        bounds["lt"] = until
    return {"range": {"@timestamp": bounds}}


def scan_hits(
    es: Elasticsearch, *, index: str, query: dict[str, Any], source: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Every hit of ``query`` on ``index`` (a missing index has none), in no order;
    ``source`` limits the fields of ``_source``."""
    body: dict[str, Any] = {"query": query}
    if source is not None:
        body["_source"] = source
    yield from scan(es, index=index, query=body, ignore_unavailable=True)


def count_events(es: Elasticsearch, *, pattern: str, query: dict[str, Any]) -> int:
    resp = es.count(index=pattern, query=query, allow_no_indices=True, ignore_unavailable=True)
    return int(resp["count"])


def iter_events(
    es: Elasticsearch,
    *,
    pattern: str,
    query: dict[str, Any],
    page_size: int = 1000,
    keep_alive: str = "2m",
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(document id, source) of every matching event, oldest first."""
    resolved = es.indices.resolve_index(name=pattern, expand_wildcards="all")
    if not (resolved.get("data_streams") or resolved.get("indices")):
        return
    pit = es.open_point_in_time(
        index=pattern, keep_alive=keep_alive, allow_partial_search_results=False
    )
    pit_id = pit["id"]
    search_after: list[Any] | None = None
    try:
        while True:
            kwargs: dict[str, Any] = {}
            if search_after is not None:
                kwargs["search_after"] = search_after
            resp = es.search(
                pit={"id": pit_id, "keep_alive": keep_alive},
                query=query,
                size=page_size,
                sort=[{"@timestamp": "asc"}, {"_shard_doc": "asc"}],
                track_total_hits=False,
                **kwargs,
            )
            pit_id = resp.get("pit_id", pit_id)
            hits = resp["hits"]["hits"]
            for hit in hits:
                yield hit["_id"], hit["_source"]
            if len(hits) < page_size:
                return
            search_after = hits[-1]["sort"]
    finally:
        es.close_point_in_time(id=pit_id)


def refresh_events(es: Elasticsearch, names: IndexNames) -> None:
    """Make the events written so far searchable (an import reads back what it stored)."""
    es.indices.refresh(index=names.events_pattern, ignore_unavailable=True, allow_no_indices=True)


def events_by_id(es: Elasticsearch, names: IndexNames, *, ids: list[str]) -> list[dict[str, Any]]:
    """The stored events of these ids (live or restored from the archive), oldest first,
    each with its ``_id``; missing ids are left out."""
    if not ids:
        return []
    resp = es.search(
        index=names.searchable_events,
        query={"ids": {"values": ids}},
        size=len(ids),
        sort=[{"@timestamp": {"order": "asc", "unmapped_type": "date"}}],
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    return [{"_id": h["_id"], **h["_source"]} for h in resp["hits"]["hits"]]
