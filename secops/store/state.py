"""Documents of the state index: checkpoints and counters secops keeps between runs.

One document per (kind, key), id ``<kind>:<key>``; ``data`` is stored, not indexed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import scan

from secops.errors import StoreError
from secops.store.names import IndexNames


def state_id(kind: str, key: str) -> str:
    return f"{kind}:{key}"


def put_state(
    es: Elasticsearch, names: IndexNames, *, kind: str, key: str, data: dict[str, Any]
) -> None:
    """Write (replace) one state document."""
    es.index(
        index=names.state,
        id=state_id(kind, key),
        document={"kind": kind, "key": key, "updated_at": int(time.time() * 1000), "data": data},
    )


def put_states(
    es: Elasticsearch, names: IndexNames, *, kind: str, items: dict[str, dict[str, Any]]
) -> None:
    """Write (replace) many state documents of one kind in one request."""
    if not items:
        return
    now = int(time.time() * 1000)
    ops: list[dict[str, Any]] = []
    for key, data in items.items():
        ops.append({"index": {"_index": names.state, "_id": state_id(kind, key)}})
        ops.append({"kind": kind, "key": key, "updated_at": now, "data": data})
    resp = es.bulk(operations=ops, filter_path="errors,items.*.error")
    if resp.get("errors"):
        raise StoreError(f"state documents refused: {resp['items'][:3]}", where=names.state)


def get_state(
    es: Elasticsearch, names: IndexNames, *, kind: str, key: str
) -> dict[str, Any] | None:
    """The ``data`` of one state document, None when there is none."""
    try:
        doc = es.get(index=names.state, id=state_id(kind, key))
    except NotFoundError:
        return None
    return dict(doc["_source"]["data"])


def iter_states(
    es: Elasticsearch, names: IndexNames, *, kind: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(key, data) of every state document of ``kind``."""
    query = {"query": {"term": {"kind": kind}}}
    for hit in scan(es, index=names.state, query=query, ignore_unavailable=True):
        src = hit["_source"]
        yield src["key"], src["data"]
