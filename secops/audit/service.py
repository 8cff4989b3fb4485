"""Append to the audit trail and read it back.

Every entry is created with ``op_type=create`` under its seq as document id, so
secops can never overwrite one. Writers agree on the order without a lock
service: a writer tries the seq after the head it knows; on 409 another writer
took it, so it reads the new head (real-time GETs, not the refreshed search
view) and tries again. Within a process a lock keeps threads from racing each
other, and the head is cached, so an append costs one create.

Each append is then anchored outside Elasticsearch (``checkpoints``). When the
head is read (at start, after an error) it is compared with the latest
checkpoint: a chain that no longer reaches it is never silently continued. The
writer raises the critical alert ``audit trail truncated`` and holds every entry
on local disk (``held``) until an administrator acknowledges the truncation
(:func:`acknowledge_truncation`); then the held entries are appended.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from elasticsearch import ConflictError as ESConflictError
from elasticsearch import Elasticsearch
from elasticsearch import NotFoundError as ESNotFoundError
from pydantic import ValidationError

from secops.audit.anchor import detect, latest, raise_alert
from secops.audit.chain import GENESIS_HASH, seal
from secops.audit.checkpoints import append_checkpoints, make_checkpoint
from secops.audit.forward import forward
from secops.audit.held import drain, hold
from secops.audit.keys import key_id, signing_key
from secops.audit.metrics import audit_metrics
from secops.audit.models import (
    Acknowledged,
    Acknowledgement,
    AuditEntry,
    AuditPage,
    HeldEntry,
    Truncation,
)
from secops.auth.principals import Actor
from secops.context import Context
from secops.errors import ConflictError, InvalidInputError, StoreError, UnavailableError
from secops.times import now_micros

log = logging.getLogger("secops.audit")

ACK_ACTION = "audit.truncation.acknowledge"

_MAX_APPEND_ATTEMPTS = 100  # each failed attempt means another writer succeeded
_MAX_PAGE = 500


@dataclass
class _Head:
    seq: int
    hash: str


@dataclass
class _Writer:
    lock: threading.Lock = field(default_factory=threading.Lock)
    head: _Head | None = None
    blocked: Truncation | None = None  # appends are held until this is acknowledged


# Per client and index: the head this process last saw. Keyed by the client object
# so that two clusters with equal index names never share a head.
_writers: WeakKeyDictionary[Elasticsearch, dict[str, _Writer]] = WeakKeyDictionary()
_writers_lock = threading.Lock()


def _writer_for(ctx: Context) -> _Writer:
    with _writers_lock:
        per_index = _writers.setdefault(ctx.es, {})
        return per_index.setdefault(ctx.names.audit, _Writer())


def _now() -> str:
    return now_micros()


def _actor(actor: Actor, address: str | None) -> dict[str, Any]:
    if isinstance(actor, str):
        return {"id": actor, "kind": "system", "name": actor, "roles": [], "address": address}
    return {
        "id": actor.id,
        "kind": actor.kind,
        "name": actor.name,
        "roles": sorted(str(r) for r in actor.roles),
        "address": address or actor.address,
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


def _anchor(ctx: Context, writer: _Writer) -> Truncation | None:
    """Read the head and compare it with the latest checkpoint; a truncation newly found.

    Called when the head is unknown (start, after an error) and while blocked, so an
    acknowledgement made by another process is seen at the next record.
    """
    head = _read_head(ctx)
    found = detect(ctx, head_seq=head.seq, head_hash=head.hash, checkpoint=latest(ctx))
    before, writer.blocked = writer.blocked, found
    writer.head = None if found else head
    return found if found is not None and (before is None or before.key != found.key) else None


def _append(
    ctx: Context, writer: _Writer, key: Ed25519PrivateKey, body: dict[str, Any]
) -> AuditEntry:
    """Create ``body`` as the entry after the head, checkpoint it; the caller holds the lock."""
    head = writer.head or _read_head(ctx)
    body = {**body, "key_id": key_id(key.public_key())}
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
    _checkpoint(ctx, key, seq, doc["hash"])
    return AuditEntry.model_validate(doc)


def _checkpoint(
    ctx: Context,
    key: Ed25519PrivateKey,
    seq: int,
    digest: str,
    *,
    acknowledged: Acknowledgement | None = None,
) -> None:
    """Anchor (seq, hash) outside Elasticsearch: the checkpoint file, and syslog if configured.

    The entry is already stored: a failure here is logged and counted, never raised
    (a retry of the whole record would append the action twice).
    """
    line = make_checkpoint(
        key,
        namespace=ctx.settings.namespace,
        seq=seq,
        hash=digest,
        kind="base" if acknowledged else "head",
        acknowledged=acknowledged,
    )
    try:
        append_checkpoints(ctx.settings, [line])
    except OSError as exc:
        audit_metrics().checkpoint_failures.inc()
        log.error("audit checkpoint of seq %d not written: %s", seq, exc)
    forward(ctx.settings, [line])


def _body(
    actor: Actor,
    action: str,
    target: str | None,
    outcome: str,
    details: dict[str, Any] | None,
    address: str | None,
) -> dict[str, Any]:
    return {
        "actor": _actor(actor, address),
        "action": action,
        "target": target,
        "outcome": outcome,
        "details": _plain(details),
    }


def _alert(ctx: Context, truncation: Truncation | None) -> None:
    if truncation is None:
        return
    try:
        raise_alert(ctx, truncation)
    except Exception:  # the entry is held either way; the log keeps the finding
        log.exception("the audit-trail-truncated alert could not be raised")


def record(
    ctx: Context,
    *,
    actor: Actor,
    action: str,
    target: str | None,
    outcome: str,
    details: dict[str, Any] | None = None,
    address: str | None = None,
) -> AuditEntry | HeldEntry:
    """Append one signed entry to the chain and return it.

    ``actor`` is the caller (a ``Principal``), or the name of a part
    of secops acting on its own (``"system:scheduler"``); ``outcome`` is ``success``,
    ``failure`` or ``denied``.

    While the chain is shorter than its latest checkpoint (truncated, not yet
    acknowledged) nothing is appended: the entry is held on local disk (see
    ``held``) and a :class:`HeldEntry` is returned.
    """
    key = signing_key(ctx.settings)
    body = _body(actor, action, target, outcome, details, address)
    writer = _writer_for(ctx)
    found: Truncation | None = None
    with writer.lock:
        if writer.head is None or writer.blocked is not None:
            found = _anchor(ctx, writer)
        if writer.blocked is not None:
            line = hold(ctx.settings, key, body, reason=writer.blocked.detail)
            result: AuditEntry | HeldEntry = HeldEntry(
                hold_id=line["hold_id"],
                queued_at=line["queued_at"],
                action=action,
                target=target,
                outcome=outcome,
                reason=writer.blocked.detail,
            )
        else:
            # Entries another process held before the acknowledgement go first.
            drain(ctx.settings, key.public_key(), lambda b: _append(ctx, writer, key, b))
            result = _append(ctx, writer, key, body)
    _alert(ctx, found)
    return result


def blocked(ctx: Context) -> Truncation | None:
    """The truncation that holds this process's appends, checked afresh."""
    writer = _writer_for(ctx)
    with writer.lock:
        found = _anchor(ctx, writer)
        truncation = writer.blocked
    _alert(ctx, found)
    return truncation


def acknowledge_truncation(
    ctx: Context,
    *,
    actor: Actor,
    reason: str,
    via: str,
    address: str | None = None,
) -> Acknowledged:
    """Accept the shortened chain as the new base, record that, and append what was held.

    The caller has proved it is an administrator with a fresh TOTP code. The base
    goes into the checkpoint file first (signed, with what was lost and by whom),
    then the acknowledgement is the first entry on it, then the held entries follow.
    """
    if not reason.strip():
        raise InvalidInputError("say why the truncation is accepted", where="reason")
    key = signing_key(ctx.settings)
    writer = _writer_for(ctx)
    with writer.lock:
        _anchor(ctx, writer)
        truncation = writer.blocked
        if truncation is None:
            raise ConflictError("the audit trail is not truncated: nothing to acknowledge")
        by = _actor(actor, address)
        _checkpoint(
            ctx,
            key,
            truncation.chain_head_seq,
            truncation.chain_head_hash,
            acknowledged=Acknowledgement(
                by=f"{by['kind']}:{by['name']}",
                reason=reason,
                previous_seq=truncation.checkpoint_seq,
                previous_hash=truncation.checkpoint_hash,
                missing=truncation.missing,
            ),
        )
        writer.blocked = None
        writer.head = _Head(truncation.chain_head_seq, truncation.chain_head_hash)
        details = {
            "reason": reason,
            "via": via,
            "truncation": truncation.model_dump(mode="json"),
            "new_base": {"seq": truncation.chain_head_seq, "hash": truncation.chain_head_hash},
        }
        body = _body(actor, ACK_ACTION, ctx.names.audit, "success", details, address)
        entry = _append(ctx, writer, key, body)
        appended = drain(ctx.settings, key.public_key(), lambda b: _append(ctx, writer, key, b))
    log.warning("audit trail truncation acknowledged by %s: %s", by["name"], truncation.detail)
    return Acknowledged(truncation=truncation, entry=entry, held_appended=appended)


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


def first_entry(
    ctx: Context, *, action: str, target: str, outcome: str | None = None
) -> AuditEntry | None:
    """The oldest entry recording ``action`` on ``target`` (with ``outcome``, if given), or
    None; it sees every entry appended before the call."""
    ctx.es.indices.refresh(index=ctx.names.audit)
    filters: list[dict[str, Any]] = [{"term": {"action": action}}, {"term": {"target": target}}]
    if outcome is not None:
        filters.append({"term": {"outcome": outcome}})
    resp = ctx.es.search(
        index=ctx.names.audit,
        query={"bool": {"filter": filters}},
        sort=[{"seq": "asc"}],
        size=1,
    )
    hits = resp["hits"]["hits"]
    if not hits:
        return None
    try:
        return AuditEntry.model_validate(hits[0]["_source"])
    except ValidationError as exc:
        raise StoreError(f"audit document is not an entry: {exc}", where=hits[0]["_id"]) from exc
