"""Sessions: refresh rotation, reuse detection, logout, expiry, forged tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from secops.auth import sessions, tokens
from secops.auth.keys import key_id
from secops.auth.logins import logout
from secops.context import Context
from secops.errors import AuthError

from .support import enrolled, later


def _session(ctx: Context, now: datetime) -> sessions.TokenPair:
    acct = enrolled(ctx, "mia", ["auditor"], now=now)
    found = sessions.users.get_user(ctx, acct.username)
    assert found is not None
    return sessions.start(ctx, user=found[0], address=None, now=now)


def test_refresh_rotates_and_reuse_revokes_the_session(ctx: Context) -> None:
    now = datetime.now(UTC)
    first = _session(ctx, now)
    second = sessions.refresh(ctx, refresh_token=first.refresh_token, now=later(now, 60))
    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    third = sessions.refresh(ctx, refresh_token=second.refresh_token, now=later(now, 120))
    assert sessions.authenticate(ctx, token=third.access_token, now=later(now, 121)).name == "mia"
    # The first refresh token again: someone holds a stolen copy; the session ends.
    with pytest.raises(AuthError):
        sessions.refresh(ctx, refresh_token=first.refresh_token, now=later(now, 180))
    with pytest.raises(AuthError):
        sessions.authenticate(ctx, token=third.access_token, now=later(now, 181))
    with pytest.raises(AuthError):
        sessions.refresh(ctx, refresh_token=third.refresh_token, now=later(now, 182))


def test_a_forged_refresh_token_does_not_end_the_session(ctx: Context) -> None:
    now = datetime.now(UTC)
    pair = _session(ctx, now)
    with pytest.raises(AuthError):
        sessions.refresh(ctx, refresh_token=f"rt_{pair.session_id}_guess", now=now)
    assert sessions.authenticate(ctx, token=pair.access_token, now=now).name == "mia"


def test_access_token_expires_and_refresh_token_too(ctx: Context) -> None:
    now = datetime.now(UTC)
    pair = _session(ctx, now)
    ttl = ctx.settings.access_token_ttl_seconds
    assert sessions.authenticate(ctx, token=pair.access_token, now=later(now, ttl - 1))
    with pytest.raises(AuthError, match="expired"):
        sessions.authenticate(ctx, token=pair.access_token, now=later(now, ttl))
    with pytest.raises(AuthError):
        sessions.refresh(
            ctx,
            refresh_token=pair.refresh_token,
            now=later(now, ctx.settings.refresh_token_ttl_seconds + 1),
        )


def test_logout_ends_the_session(ctx: Context) -> None:
    now = datetime.now(UTC)
    pair = _session(ctx, now)
    who = sessions.authenticate(ctx, token=pair.access_token, now=now)
    logout(ctx, identity=who, now=now)
    with pytest.raises(AuthError):
        sessions.authenticate(ctx, token=pair.access_token, now=now)
    with pytest.raises(AuthError):
        sessions.refresh(ctx, refresh_token=pair.refresh_token, now=now)


def test_tampered_or_foreign_tokens_are_refused(ctx: Context) -> None:
    now = datetime.now(UTC)
    pair = _session(ctx, now)
    claims = tokens.verify(
        pair.access_token,
        key=sessions.signing_key(ctx.settings),
        kid=key_id(sessions.signing_key(ctx.settings)),
        now=int(now.timestamp()),
    )
    assert claims.roles == ("auditor",)
    # Same claims with more roles, signed by another key: refused.
    other = b"x" * 40
    forged = tokens.sign(
        tokens.TokenClaims(**{**claims.__dict__, "roles": ("admin",)}), key=other, kid=key_id(other)
    )
    payload, _, mac = pair.access_token.partition(".")
    for bad in (forged, f"{forged.split('.')[0]}.{mac}", "garbage", f"{payload}."):
        with pytest.raises(AuthError):
            sessions.authenticate(ctx, token=bad, now=now)


def _session_of(ctx: Context, username: str, now: datetime) -> sessions.TokenPair:
    found = sessions.users.get_user(ctx, username)
    assert found is not None
    return sessions.start(ctx, user=found[0], address=None, now=now)


def test_unrevoked_sessions_are_those_neither_revoked_nor_past_their_refresh(
    ctx: Context,
) -> None:
    now = datetime.now(UTC)
    kept = _session(ctx, now)
    revoked = _session_of(ctx, "mia", now)
    sessions.revoke(ctx, sid=revoked.session_id, reason="test", now=now)
    ctx.es.indices.refresh(index=sessions.index(ctx))

    found = sessions.unrevoked_sessions(ctx, usernames=["mia"], now=later(now, 60))
    ids = {s.id for s in found}  # the login of the enrolment holds one more
    assert kept.session_id in ids
    assert revoked.session_id not in ids
    assert {s.session.username for s in found} == {"mia"}
    assert sessions.unrevoked_sessions(ctx, usernames=["someone-else"], now=now) == []
    assert sessions.unrevoked_sessions(ctx, usernames=[], now=now) == []
    past = later(now, ctx.settings.refresh_token_ttl_seconds + 1)
    assert sessions.unrevoked_sessions(ctx, usernames=["mia"], now=past) == []
