"""Login sessions: short access tokens, rotated refresh tokens, revocation.

A session lives at most ``session_max_seconds`` from its login; refreshing renews
the refresh token but never that end. A refresh token ``rt_<session id>_<secret>``
is kept as a digest; each use replaces it, and the digests of used ones are
remembered, so presenting a used one again (a stolen copy) revokes the whole session.
Each request checks the session and the account in one real-time multi-get: a logout,
a disabled account or a reset MFA (which bumps the account's security stamp) takes
effect at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from elasticsearch import ConflictError as ESConflictError
from elasticsearch import NotFoundError as ESNotFoundError

from secops.auth import audit, tokens, users
from secops.auth.keys import key_id, signing_key
from secops.auth.models import SessionDoc, TokenPair, UserDoc
from secops.auth.principals import Principal, Role
from secops.context import Context
from secops.errors import AuthError

LIMITED_TTL_SECONDS = 600  # enrolment and password-change tokens
_MAX_USED_HASHES = 200
# What _pair() hands out; anything else is refused before the store is asked.
_REFRESH_SHAPE = re.compile(r"rt_(?P<sid>[0-9a-f]{32})_(?P<secret>[A-Za-z0-9_-]{20,128})")


def index(ctx: Context) -> str:
    return ctx.names.index("sessions")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def _sign(ctx: Context, claims: tokens.TokenClaims) -> str:
    key = signing_key(ctx.settings)
    return tokens.sign(claims, key=key, kid=key_id(key))


def _access_token(ctx: Context, sid: str, session: SessionDoc, now: datetime) -> str:
    claims = tokens.TokenClaims(
        typ="access",
        sub=session.username,
        sid=sid,
        roles=tuple(session.roles),
        iat=_epoch(now),
        exp=_epoch(now) + ctx.settings.access_token_ttl_seconds,
        mfa=_epoch(session.mfa_verified_at),
        stamp=session.security_stamp,
    )
    return _sign(ctx, claims)


def _pair(
    ctx: Context, sid: str, session: SessionDoc, refresh_secret: str, now: datetime
) -> TokenPair:
    return TokenPair(
        access_token=_access_token(ctx, sid, session, now),
        expires_in=ctx.settings.access_token_ttl_seconds,
        refresh_token=f"rt_{sid}_{refresh_secret}",
        refresh_expires_in=int((session.refresh_expires_at - now).total_seconds()),
        session_id=sid,
    )


def _ends_at(ctx: Context, created_at: datetime) -> datetime:
    """When a session started at ``created_at`` ends, however often it is refreshed."""
    return created_at + timedelta(seconds=ctx.settings.session_max_seconds)


def _refresh_expiry(ctx: Context, session: SessionDoc, now: datetime) -> datetime:
    ttl = timedelta(seconds=ctx.settings.refresh_token_ttl_seconds)
    return min(now + ttl, _ends_at(ctx, session.created_at))


def start(ctx: Context, *, user: UserDoc, address: str | None, now: datetime) -> TokenPair:
    """A new session for ``user``, who proved password and TOTP at ``now``."""
    sid = secrets.token_hex(16)
    refresh_secret = secrets.token_urlsafe(32)
    session = SessionDoc(
        username=user.username,
        roles=list(user.roles),
        security_stamp=user.security_stamp,
        refresh_hash=_digest(refresh_secret),
        refresh_expires_at=now,  # set below, from created_at
        mfa_verified_at=now,
        created_at=now,
        address=address,
    )
    session.refresh_expires_at = _refresh_expiry(ctx, session, now)
    ctx.es.create(index=index(ctx), id=sid, document=session.model_dump(mode="json"))
    return _pair(ctx, sid, session, refresh_secret, now)


def _limited_token(ctx: Context, *, typ: tokens.TokenType, user: UserDoc, now: datetime) -> str:
    claims = tokens.TokenClaims(
        typ=typ,
        sub=user.username,
        sid=None,
        roles=tuple(user.roles),
        iat=_epoch(now),
        exp=_epoch(now) + LIMITED_TTL_SECONDS,
        mfa=None,
        stamp=user.security_stamp,
    )
    return _sign(ctx, claims)


def enrolment_token(ctx: Context, *, user: UserDoc, now: datetime) -> str:
    """A token for MFA enrolment only, of an account that proved its password."""
    return _limited_token(ctx, typ="enroll", user=user, now=now)


def password_change_token(ctx: Context, *, user: UserDoc, now: datetime) -> str:
    """A token for POST /auth/password only, of an account whose password an administrator
    set, that proved it and its TOTP code. Changing the password bumps the stamp: it ends."""
    return _limited_token(ctx, typ="password", user=user, now=now)


def _get(ctx: Context, sid: str) -> tuple[SessionDoc, dict[str, Any]] | None:
    try:
        resp = ctx.es.get(index=index(ctx), id=sid)
    except ESNotFoundError:
        return None
    cas = {"if_seq_no": resp["_seq_no"], "if_primary_term": resp["_primary_term"]}
    return SessionDoc.model_validate(resp["_source"]), cas


def _live(ctx: Context, session: SessionDoc, user: UserDoc | None, now: datetime) -> bool:
    return (
        session.revoked_at is None
        and session.refresh_expires_at > now
        and _ends_at(ctx, session.created_at) > now
        and user is not None
        and not user.disabled
        and user.security_stamp == session.security_stamp
    )


def revoke(ctx: Context, *, sid: str, reason: str, now: datetime) -> bool:
    """Mark a session revoked; False if it does not exist or already was."""
    for _ in range(10):
        found = _get(ctx, sid)
        if found is None or found[0].revoked_at is not None:
            return False
        session, cas = found
        session.revoked_at, session.revoked_reason = now, reason
        try:
            ctx.es.index(index=index(ctx), id=sid, document=session.model_dump(mode="json"), **cas)
        except ESConflictError:
            continue
        return True
    return False


def refresh(ctx: Context, *, refresh_token: str, now: datetime) -> TokenPair:
    """New access and refresh tokens; a used refresh token revokes its session."""
    shape = _REFRESH_SHAPE.fullmatch(refresh_token)
    if shape is None:
        raise AuthError("invalid refresh token")
    sid, secret = shape["sid"], shape["secret"]
    found = _get(ctx, sid)
    if found is None:
        raise AuthError("invalid refresh token")
    session, cas = found
    digest = _digest(secret)
    if not hmac.compare_digest(session.refresh_hash, digest):
        if any(hmac.compare_digest(h, digest) for h in session.used_refresh_hashes):
            revoke(ctx, sid=sid, reason="refresh token reused", now=now)
            audit.record(
                ctx,
                actor=session.username,
                action="auth.refresh_reuse",
                target=sid,
                outcome="denied",
                details={"session": sid},
            )
        raise AuthError("invalid refresh token")
    user_found = users.get_user(ctx, session.username)
    if not _live(ctx, session, user_found[0] if user_found else None, now):
        raise AuthError("session ended")
    new_secret = secrets.token_urlsafe(32)
    session.used_refresh_hashes = [*session.used_refresh_hashes, digest][-_MAX_USED_HASHES:]
    session.refresh_hash = _digest(new_secret)
    session.refresh_expires_at = _refresh_expiry(ctx, session, now)
    try:
        ctx.es.index(index=index(ctx), id=sid, document=session.model_dump(mode="json"), **cas)
    except ESConflictError as exc:
        # Two uses of the same refresh token at once: one of them is not the owner.
        revoke(ctx, sid=sid, reason="refresh token used concurrently", now=now)
        raise AuthError("invalid refresh token") from exc
    return _pair(ctx, sid, session, new_secret, now)


def step_up(ctx: Context, *, sid: str, now: datetime) -> str:
    """Record a fresh TOTP proof on the session; a new access token carrying it."""
    for _ in range(10):
        found = _get(ctx, sid)
        if found is None or found[0].revoked_at is not None:
            raise AuthError("session ended")
        session, cas = found
        session.mfa_verified_at = now
        try:
            ctx.es.index(index=index(ctx), id=sid, document=session.model_dump(mode="json"), **cas)
        except ESConflictError:
            continue
        return _access_token(ctx, sid, session, now)
    raise AuthError("session ended")


def authenticate(ctx: Context, *, token: str, now: datetime) -> Principal:
    """The holder of an access token, or of a token limited to one step of logging in
    (enrolment, password change), if its session and account are live."""
    key = signing_key(ctx.settings)
    claims = tokens.verify(token, key=key, kid=key_id(key), now=_epoch(now))
    if claims.typ != "access":
        found = users.get_user(ctx, claims.sub)
        user = found[0] if found else None
        if user is None or user.disabled or user.security_stamp != claims.stamp:
            raise AuthError("session ended")
        if claims.typ == "password" and not user.must_change_password:
            raise AuthError("session ended")
        return Principal(
            id=f"user:{user.username}",
            kind="user",
            name=user.username,
            roles=frozenset(user.roles),
            scope="mfa_enrollment" if claims.typ == "enroll" else "password_change",
        )
    assert claims.sid is not None
    docs = ctx.es.mget(
        docs=[
            {"_index": index(ctx), "_id": claims.sid},
            {"_index": users.index(ctx), "_id": claims.sub},
        ]
    )["docs"]
    if not docs[0].get("found"):
        raise AuthError("session ended")
    session = SessionDoc.model_validate(docs[0]["_source"])
    user = UserDoc.model_validate(docs[1]["_source"]) if docs[1].get("found") else None
    if session.username != claims.sub or not _live(ctx, session, user, now):
        raise AuthError("session ended")
    return Principal(
        id=f"user:{claims.sub}",
        kind="user",
        name=claims.sub,
        roles=frozenset(Role(r) for r in claims.roles),
        mfa_verified_at=datetime.fromtimestamp(claims.mfa, UTC) if claims.mfa else None,
        session_id=claims.sid,
    )


class StoredSession(NamedTuple):
    id: str
    session: SessionDoc


def unrevoked_sessions(
    ctx: Context, *, usernames: Collection[str], now: datetime, limit: int = 1000
) -> list[StoredSession]:
    """Sessions of these accounts that are not revoked and whose refresh token is still
    valid at ``now`` (whether the account's security stamp still honours them is the
    caller's question)."""
    if not usernames:
        return []
    resp = ctx.es.search(
        index=index(ctx),
        query={
            "bool": {
                "filter": [
                    {"terms": {"username": sorted(usernames)}},
                    {"range": {"refresh_expires_at": {"gt": now.isoformat()}}},
                ],
                "must_not": [{"exists": {"field": "revoked_at"}}],
            }
        },
        size=limit,
        ignore_unavailable=True,
    )
    return [
        StoredSession(id=hit["_id"], session=SessionDoc.model_validate(hit["_source"]))
        for hit in resp["hits"]["hits"]
    ]
