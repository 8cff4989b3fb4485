"""Read stored events back in time order: point-in-time search with search_after.

Used by retro-hunts and by anything that replays history. A point in time keeps
the view consistent while new events keep arriving.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from elasticsearch import Elasticsearch


def time_range_query(since: str, until: str | None = None) -> dict[str, Any]:
    bounds: dict[str, str] = {"gte": since}
    if until:
        bounds["lt"] = until
    return {"range": {"@timestamp": bounds}}


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
    if not es.indices.resolve_index(name=pattern, expand_wildcards="all").get("data_streams"):
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
