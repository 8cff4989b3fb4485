"""The people directory in Elasticsearch: one index of its own, replaced atomically.

An import writes every person under a new ``generation``, then points the state
document ``people_directory:current`` at it, then deletes older generations.
Readers follow the pointer and check the count it records, so they see the old
directory or the new one, never a mix or a half-written one. Imports take turns:
a lock document (created only if absent) keeps a second one from deleting the
generation the first is writing; a lock older than ``LOCK_SECONDS`` was left by a
crashed import and is taken over.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from elasticsearch import ConflictError as ESConflictError
from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import scan

from secops.errors import ConflictError, StoreError
from secops.store.names import IndexNames
from secops.store.state import get_state, put_state, state_id

POINTER_KIND = "people_directory"
POINTER_KEY = "current"
LOCK_KEY = "import-lock"
LOCK_SECONDS = 300.0


@contextmanager
def import_lock(es: Elasticsearch, names: IndexNames, *, owner: str) -> Iterator[None]:
    """Hold the directory's import lock for the block; :class:`ConflictError` when another
    import holds it."""
    lock_id = state_id(POINTER_KIND, LOCK_KEY)
    now = time.time()
    doc = {
        "kind": POINTER_KIND,
        "key": LOCK_KEY,
        "updated_at": int(now * 1000),
        "data": {"owner": owner},
    }
    try:
        es.create(index=names.state, id=lock_id, document=doc, refresh=True)
    except ESConflictError:
        try:
            held = es.get(index=names.state, id=lock_id)
        except NotFoundError:
            held = None
        age = now - held["_source"]["updated_at"] / 1000 if held else LOCK_SECONDS
        if age < LOCK_SECONDS:
            raise ConflictError(
                "another import of the people directory is running; try again shortly"
            ) from None
        try:  # left by an import that died: take it over, unless someone else just did
            if held is not None:
                es.index(
                    index=names.state,
                    id=lock_id,
                    document=doc,
                    if_seq_no=held["_seq_no"],
                    if_primary_term=held["_primary_term"],
                    refresh=True,
                )
            else:
                es.create(index=names.state, id=lock_id, document=doc, refresh=True)
        except ESConflictError:
            raise ConflictError(
                "another import of the people directory is running; try again shortly"
            ) from None
    try:
        yield
    finally:
        with suppress(NotFoundError):
            es.delete(index=names.state, id=lock_id, refresh=True)


def people_index(names: IndexNames) -> str:
    return names.index("people")


def write_generation(
    es: Elasticsearch, names: IndexNames, *, generation: str, people: Sequence[dict[str, Any]]
) -> None:
    """Write every person of a new generation, searchable on return; on a refusal the
    partial generation is removed and :class:`StoreError` raised."""
    index = people_index(names)
    ops: list[dict[str, Any]] = []
    for person in people:
        ops.append({"create": {"_index": index, "_id": f"{generation}:{person['user']}"}})
        ops.append({**person, "generation": generation})
    if ops:
        resp = es.bulk(operations=ops, refresh="wait_for", filter_path="errors,items.*.error")
        if resp.get("errors"):
            drop_generations(es, names, keep=None, only=generation)
            raise StoreError(f"people refused: {resp['items'][:3]}", where=index)


def set_current(es: Elasticsearch, names: IndexNames, *, pointer: dict[str, Any]) -> None:
    put_state(es, names, kind=POINTER_KIND, key=POINTER_KEY, data=pointer)
    es.indices.refresh(index=names.state)


def current_pointer(es: Elasticsearch, names: IndexNames) -> dict[str, Any] | None:
    """The pointer of the current directory (``generation``, ``count``, ...), if any."""
    return get_state(es, names, kind=POINTER_KIND, key=POINTER_KEY)


def read_generation(
    es: Elasticsearch, names: IndexNames, *, generation: str
) -> list[dict[str, Any]]:
    """Every person of one generation, in the order of the file."""
    query = {"query": {"term": {"generation": generation}}}
    hits = scan(es, index=people_index(names), query=query, ignore_unavailable=True)
    people = [dict(hit["_source"]) for hit in hits]
    people.sort(key=lambda p: p.get("line", 0))
    return people


def drop_generations(
    es: Elasticsearch, names: IndexNames, *, keep: str | None, only: str | None = None
) -> None:
    """Delete every generation but ``keep`` (or only the generation ``only``)."""
    if only is not None:
        query: dict[str, Any] = {"term": {"generation": only}}
    else:
        query = {"bool": {"must_not": [{"term": {"generation": keep}}]}}
    # By ids: the managed node's distribution has no delete-by-query (reindex module).
    index = people_index(names)
    hits = scan(es, index=index, query={"query": query, "_source": False}, ignore_unavailable=True)
    ops = [{"delete": {"_index": index, "_id": hit["_id"]}} for hit in hits]
    if ops:
        es.bulk(operations=ops, refresh=True, filter_path="errors")
