"""API keys of pushing systems: ``sk_<id>_<secret>``, shown once, kept as a digest.

The secret has 256 random bits, so a SHA-256 digest (compared in constant time)
protects it as well as a slow hash would, at a cost an ingest request can bear.
Rotation issues a new secret and keeps the old one valid for a grace period.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import ConflictError as ESConflictError
from elasticsearch import NotFoundError as ESNotFoundError

from secops.auth import audit
from secops.auth.models import (
    ApiKeyCreated,
    ApiKeyDoc,
    ApiKeyView,
)
from secops.auth.principals import APIKEY_ROLES, Actor, AnyRole, Principal, Role, actor_name
from secops.context import Context
from secops.errors import (
    AuthError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)

# What create() hands out; anything else is refused before the store is asked.
_KEY_SHAPE = re.compile(r"sk_(?P<id>[0-9a-f]{16})_(?P<secret>[A-Za-z0-9_-]{20,128})")
_LAST_USED_GRANULARITY = timedelta(seconds=60)  # write last_used_at at most once a minute


_ALLOWED = " or ".join(sorted(APIKEY_ROLES))


def _people_only(roles: list[AnyRole] | list[str]) -> str:
    """The roles among ``roles`` that no key may carry, named for a message ('' if none)."""
    return ", ".join(sorted(set(roles) - APIKEY_ROLES))


def index(ctx: Context) -> str:
    return ctx.names.index("apikeys")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def view(key_id: str, doc: ApiKeyDoc) -> ApiKeyView:
    return ApiKeyView(id=key_id, **doc.model_dump(include=set(ApiKeyView.model_fields) - {"id"}))


def _get(ctx: Context, key_id: str) -> tuple[ApiKeyDoc, dict[str, Any]] | None:
    try:
        resp = ctx.es.get(index=index(ctx), id=key_id)
    except ESNotFoundError:
        return None
    cas = {"if_seq_no": resp["_seq_no"], "if_primary_term": resp["_primary_term"]}
    return ApiKeyDoc.model_validate(resp["_source"]), cas


def _put(ctx: Context, key_id: str, doc: ApiKeyDoc, cas: dict[str, Any]) -> None:
    try:
        ctx.es.index(
            index=index(ctx),
            id=key_id,
            document=doc.model_dump(mode="json"),
            refresh="wait_for",
            **cas,
        )
    except ESConflictError as exc:
        raise ConflictError("the API key changed concurrently; retry", where=key_id) from exc


def create(
    ctx: Context,
    *,
    name: str,
    roles: list[AnyRole],
    actor: Actor,
    expires_in_days: int | None = 365,
    now: datetime | None = None,
) -> ApiKeyCreated:
    now = now or datetime.now(UTC)
    if not roles:
        raise InvalidInputError("an API key needs at least one role")
    if people_only := _people_only(roles):
        raise InvalidInputError(
            f"an API key is for a system and carries only {_ALLOWED}; {people_only} "
            "need a person who logs in with MFA (secops users add)"
        )
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    doc = ApiKeyDoc(
        name=name,
        roles=sorted(set(roles)),
        secret_hash=_digest(secret),
        created_at=now,
        created_by=actor_name(actor),
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    ctx.es.create(
        index=index(ctx), id=key_id, document=doc.model_dump(mode="json"), refresh="wait_for"
    )
    audit.record(
        ctx,
        actor=actor,
        action="apikey.create",
        target=key_id,
        outcome="success",
        details={"name": name, "roles": list(doc.roles)},
    )
    return ApiKeyCreated(key=f"sk_{key_id}_{secret}", apikey=view(key_id, doc))


def list_keys(ctx: Context, *, limit: int = 1000) -> list[ApiKeyView]:
    resp = ctx.es.search(
        index=index(ctx), query={"match_all": {}}, sort=[{"created_at": "desc"}], size=limit
    )
    return [view(h["_id"], ApiKeyDoc.model_validate(h["_source"])) for h in resp["hits"]["hits"]]


def rotate(
    ctx: Context,
    *,
    key_id: str,
    actor: Actor,
    grace_seconds: int | None = None,
    now: datetime | None = None,
) -> ApiKeyCreated:
    """A new secret; the current one stays valid ``grace_seconds`` (settings by default)."""
    now = now or datetime.now(UTC)
    grace = ctx.settings.apikey_rotation_grace_seconds if grace_seconds is None else grace_seconds
    found = _get(ctx, key_id)
    if found is None:
        raise NotFoundError("no such API key", where=key_id)
    doc, cas = found
    if doc.revoked_at is not None:
        raise ConflictError("the API key is revoked", where=key_id)
    secret = secrets.token_urlsafe(32)
    doc.previous_hash, doc.previous_valid_until = doc.secret_hash, now + timedelta(seconds=grace)
    doc.secret_hash, doc.rotated_at = _digest(secret), now
    _put(ctx, key_id, doc, cas)
    audit.record(
        ctx,
        actor=actor,
        action="apikey.rotate",
        target=key_id,
        outcome="success",
        details={"grace_seconds": grace},
    )
    return ApiKeyCreated(key=f"sk_{key_id}_{secret}", apikey=view(key_id, doc))


def revoke(ctx: Context, *, key_id: str, actor: Actor, now: datetime | None = None) -> ApiKeyView:
    now = now or datetime.now(UTC)
    found = _get(ctx, key_id)
    if found is None:
        raise NotFoundError("no such API key", where=key_id)
    doc, cas = found
    if doc.revoked_at is None:
        doc.revoked_at = now
        _put(ctx, key_id, doc, cas)
        audit.record(ctx, actor=actor, action="apikey.revoke", target=key_id, outcome="success")
    return view(key_id, doc)


def _bootstrap_identity(ctx: Context, presented: str) -> Principal | None:
    """A key of ``settings.ingest_api_keys``: ingest only, for the first collectors."""
    matched = None
    for key in ctx.settings.ingest_api_keys:
        # Compare with every key, so the time taken does not tell which one was close.
        if hmac.compare_digest(key.get_secret_value().encode(), presented.encode()):
            matched = key.get_secret_value()
    if matched is None:
        return None
    fingerprint = _digest(matched)[:12]
    return Principal(
        id=f"bootstrap:{fingerprint}",
        kind="apikey",
        name=f"ingest-{fingerprint}",
        roles=frozenset({Role.ingest}),
    )


def authenticate(ctx: Context, *, key: str, now: datetime | None = None) -> Principal:
    """The system holding ``key``; AuthError for unknown, wrong, expired or revoked keys."""
    now = now or datetime.now(UTC)
    bootstrap = _bootstrap_identity(ctx, key)
    if bootstrap is not None:
        return bootstrap
    shape = _KEY_SHAPE.fullmatch(key)
    found = _get(ctx, shape["id"]) if shape else None
    if shape is None or found is None:
        raise AuthError("invalid API key")
    key_id, secret = shape["id"], shape["secret"]
    doc, cas = found
    digest = _digest(secret)
    current = hmac.compare_digest(doc.secret_hash, digest)
    previous = (
        doc.previous_hash is not None
        and doc.previous_valid_until is not None
        and doc.previous_valid_until > now
        and hmac.compare_digest(doc.previous_hash, digest)
    )
    if not (current or previous):
        raise AuthError("invalid API key")
    if doc.revoked_at is not None or (doc.expires_at is not None and doc.expires_at <= now):
        raise AuthError("API key revoked or expired")
    if people_only := _people_only(doc.roles):
        # A key stored before keys were limited to systems' roles.
        raise PermissionDeniedError(
            f"this API key carries {people_only}, which only a person with MFA may hold; "
            f"revoke it and create a key with {_ALLOWED}"
        )
    if doc.last_used_at is None or now - doc.last_used_at >= _LAST_USED_GRANULARITY:
        doc.last_used_at = now
        # A conflict means a concurrent request recorded the use.
        with contextlib.suppress(ESConflictError):
            ctx.es.index(index=index(ctx), id=key_id, document=doc.model_dump(mode="json"), **cas)
    return Principal(
        id=f"apikey:{key_id}", kind="apikey", name=doc.name, roles=frozenset(doc.roles)
    )
