"""Append to the audit trail and read it back.

Every entry is created with ``op_type=create`` under its seq as document id, so
secops can never overwrite one. Writers agree on the order without a lock
service: a writer tries the seq after the head it knows; on 409 another writer
took it, so it reads the new head (real-time GETs, not the refreshed search
view) and tries again. Within a process a lock keeps threads from racing each
other, and the head is cached, so an append costs one create.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from elasticsearch import ConflictError as ESConflictError
from elasticsearch import Elasticsearch
from elasticsearch import NotFoundError as ESNotFoundError
from pydantic import ValidationError

from secops.audit.chain import GENESIS_HASH, seal
from secops.audit.keys import key_id, signing_key
from secops.audit.metrics import audit_metrics
from secops.audit.models import AuditEntry, AuditPage
from secops.context import Context
from secops.errors import InvalidInputError, StoreError, UnavailableError

_MAX_APPEND_ATTEMPTS = 100  # each failed attempt means another writer succeeded
_MAX_PAGE = 500


class Actor(Protocol):
    """Who acts: ``api.security.Principal`` and ``secops.auth`` identities fit."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def roles(self) -> AbstractSet[str]: ...


@dataclass
class _Head:
    seq: int
    hash: str


@dataclass
class _Writer:
    lock: threading.Lock = field(default_factory=threading.Lock)
    head: _Head | None = None


# Per client and index: the head this process last saw. Keyed by the client object
# so that two clusters with equal index names never share a head.
_writers: WeakKeyDictionary[Elasticsearch, dict[str, _Writer]] = WeakKeyDictionary()
_writers_lock = threading.Lock()


def _writer_for(ctx: Context) -> _Writer:
    with _writers_lock:
        per_index = _writers.setdefault(ctx.es, {})
        return per_index.setdefault(ctx.names.audit, _Writer())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _actor(actor: Actor | str, address: str | None) -> dict[str, Any]:
    if isinstance(actor, str):
        return {"id": actor, "kind": "system", "name": actor, "roles": [], "address": address}
    return {
        "id": actor.id,
        "kind": actor.kind,
        "name": actor.name,
        "roles": sorted(str(r) for r in actor.roles),
        "address": address or getattr(actor, "address", None),
    }


def _plain(details: dict[str, Any] | None) -> dict[str, Any]:
    """Details as plain JSON values, so the stored form hashes like the recorded one."""
    try:
        plain = json.loads(json.dumps(details or {}, default=str, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"audit details are not JSON: {exc}") from exc
    if not isinstance(plain, dict):
        raise InvalidInputError("audit details must be an object")
    return plain


def _get(ctx: Context, seq: int) -> dict[str, Any] | None:
    try:
        resp = ctx.es.get(index=ctx.names.audit, id=str(seq), realtime=True)
    except ESNotFoundError:
        return None
    return dict(resp["_source"])


def _walk_forward(ctx: Context, head: _Head) -> _Head:
    """The real head: follow seq+1 with real-time GETs until one is missing."""
    while (doc := _get(ctx, head.seq + 1)) is not None:
        head = _Head(head.seq + 1, str(doc.get("hash", "")))
    return head


def _read_head(ctx: Context) -> _Head:
    try:
        resp = ctx.es.search(
            index=ctx.names.audit, size=1, sort=[{"seq": "desc"}], source_includes=["seq", "hash"]
        )
    except ESNotFoundError as exc:
        raise StoreError("audit index missing; run bootstrap", where=ctx.names.audit) from exc
    hits = resp["hits"]["hits"]
    head = _Head(0, GENESIS_HASH)
    if hits:
        head = _Head(int(hits[0]["_source"]["seq"]), str(hits[0]["_source"]["hash"]))
    return _walk_forward(ctx, head)


def record(
    ctx: Context,
    *,
    actor: Actor | str,
    action: str,
    target: str | None,
    outcome: str,
    details: dict[str, Any] | None = None,
    address: str | None = None,
) -> AuditEntry:
    """Append one signed entry to the chain and return it.

    ``actor`` is the caller (an ``api.security.Principal``), or the name of a part
    of secops acting on its own (``"system:scheduler"``); ``outcome`` is ``success``,
    ``failure`` or ``denied``.
    """
    key = signing_key(ctx.settings)
    body = {
        "actor": _actor(actor, address),
        "action": action,
        "target": target,
        "outcome": outcome,
        "details": _plain(details),
        "key_id": key_id(key.public_key()),
    }
    writer = _writer_for(ctx)
    with writer.lock:
        head = writer.head or _read_head(ctx)
        for _ in range(_MAX_APPEND_ATTEMPTS):
            seq = head.seq + 1
            doc = seal({**body, "seq": seq, "@timestamp": _now(), "prev_hash": head.hash}, key)
            try:
                ctx.es.create(index=ctx.names.audit, id=str(seq), document=doc)
            except ESConflictError:
                audit_metrics().seq_conflicts.inc()
                taken = _get(ctx, seq)
                if taken is not None and taken.get("hash") == doc["hash"]:
                    break  # our own create, retried by the client after a timeout
                head = _walk_forward(ctx, _Head(seq, str((taken or {}).get("hash", ""))))
                continue
            except Exception:
                writer.head = None  # unknown state: re-read before the next append
                raise
            break
        else:
            writer.head = None
            raise UnavailableError("audit trail too contended to append", where=ctx.names.audit)
        writer.head = _Head(seq, doc["hash"])
    audit_metrics().entries.inc()
    return AuditEntry.model_validate(doc)


def list_entries(
    ctx: Context,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> AuditPage:
    """Entries newest first, filtered by actor (id or name), action and time [since, until)."""
    if not 1 <= limit <= _MAX_PAGE:
        raise InvalidInputError(f"limit must be between 1 and {_MAX_PAGE}")
    filters: list[dict[str, Any]] = []
    if actor:
        filters.append(
            {
                "bool": {
                    "should": [{"term": {"actor.id": actor}}, {"term": {"actor.name": actor}}],
                    "minimum_should_match": 1,
                }
            }
        )
    if action:
        filters.append({"term": {"action": action}})
    if since or until:
        bounds = {
            "gte": since.isoformat() if since else None,
            "lt": until.isoformat() if until else None,
        }
        filters.append({"range": {"@timestamp": {k: v for k, v in bounds.items() if v}}})
    kwargs: dict[str, Any] = {}
    if cursor is not None:
        if not cursor.isdigit():
            raise InvalidInputError("cursor is not one this API returned", where="cursor")
        kwargs["search_after"] = [int(cursor)]
    resp = ctx.es.search(
        index=ctx.names.audit,
        query={"bool": {"filter": filters}},
        sort=[{"seq": "desc"}],
        size=limit,
        **kwargs,
    )
    entries = []
    for hit in resp["hits"]["hits"]:
        try:
            entries.append(AuditEntry.model_validate(hit["_source"]))
        except ValidationError as exc:
            raise StoreError(f"audit document is not an entry: {exc}", where=hit["_id"]) from exc
    next_cursor = str(entries[-1].seq) if len(entries) == limit else None
    return AuditPage(entries=entries, next_cursor=next_cursor)
