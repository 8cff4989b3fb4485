"""Slots of the state index: an action taken at most once per interval, on any node.

A slot is a state document (``<kind>:<key>``) holding when the action was last taken;
it is taken with seq_no/primary_term, so of two concurrent takers one wins.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from secops.store.names import IndexNames
from secops.store.state import state_id


def take_slot(
    es: Elasticsearch,
    names: IndexNames,
    *,
    kind: str,
    key: str,
    now: datetime,
    interval: timedelta,
) -> timedelta | None:
    """Take the slot at ``now``: None when taken, else how long until it is free."""
    doc_id = state_id(kind, key)
    doc = {
        "kind": kind,
        "key": key,
        "updated_at": int(now.timestamp() * 1000),
        "data": {"taken_at": now.isoformat()},
    }
    try:
        current = es.get(index=names.state, id=doc_id)
    except NotFoundError:
        current = None
    try:
        if current is None:
            es.create(index=names.state, id=doc_id, document=doc)
            return None
        taken = datetime.fromisoformat(current["_source"]["data"]["taken_at"])
        if taken + interval > now:
            return taken + interval - now
        es.index(
            index=names.state,
            id=doc_id,
            document=doc,
            if_seq_no=current["_seq_no"],
            if_primary_term=current["_primary_term"],
        )
    except ConflictError:  # another node took it between the read and the write
        return interval
    return None


def free_slot(es: Elasticsearch, names: IndexNames, *, kind: str, key: str) -> None:
    """Give a slot back (the action was not taken after all)."""
    with contextlib.suppress(NotFoundError):
        es.delete(index=names.state, id=state_id(kind, key))
