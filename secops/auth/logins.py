"""Logging in with password and TOTP (or a recovery code), step-up, and logout.

Every failure of a login answers the same message whether the account exists or
not, after the same work (an unknown name still costs an argon2 verification),
and counts against the claimed name and the client address (see ``proof``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from secops.auth import audit, sessions, throttle, users
from secops.auth.models import (
    AccessToken,
    EnrolmentRequired,
    LoginRequest,
    PasswordChangeRequired,
    TokenPair,
)
from secops.auth.passwords import burn_password_check, verify_password
from secops.auth.principals import Principal
from secops.auth.proof import (
    check_throttle,
    fail,
    password_change_required,
    prove_second_factor,
    user_key,
)
from secops.context import Context
from secops.errors import AuthError


def login(
    ctx: Context, *, request: LoginRequest, address: str | None, now: datetime | None = None
) -> TokenPair | EnrolmentRequired | PasswordChangeRequired:
    now = now or datetime.now(UTC)
    username = request.username.strip().lower()
    check_throttle(ctx, username=username, address=address, now=now)
    found = users.get_user(ctx, username) if users.USERNAME.fullmatch(username) else None
    if found is None:
        burn_password_check(request.password)
        raise fail(ctx, username=username, address=address, now=now, reason="password")
    user, cas = found
    if not verify_password(user.password_hash, request.password) or user.disabled:
        raise fail(ctx, username=username, address=address, now=now, reason="password")
    if not user.mfa_confirmed:
        throttle.clear(ctx, key=user_key(username, address))
        audit.record(
            ctx,
            actor=username,
            action="auth.login",
            target=username,
            outcome="success",
            details={"scope": "mfa_enrollment"},
            address=address,
        )
        return EnrolmentRequired(
            enrollment_token=sessions.enrolment_token(ctx, user=user, now=now),
            expires_in=sessions.LIMITED_TTL_SECONDS,
        )
    user.last_login_at = now  # saved only with a valid second factor
    factor = prove_second_factor(
        ctx,
        user,
        cas,
        code=request.totp,
        recovery_code=request.recovery_code,
        address=address,
        now=now,
        reason="second factor",
    )
    throttle.clear(ctx, key=user_key(username, address))
    if user.must_change_password:
        return password_change_required(ctx, user, address=address, now=now)
    pair = sessions.start(ctx, user=user, address=address, now=now)
    audit.record(
        ctx,
        actor=username,
        action="auth.login",
        target=username,
        outcome="success",
        details={
            "factor": factor,
            "session": pair.session_id,
            "recovery_codes_left": len(user.recovery_codes),
        },
        address=address,
    )
    return pair


def step_up(
    ctx: Context,
    *,
    identity: Principal,
    code: str,
    address: str | None = None,
    now: datetime | None = None,
) -> AccessToken:
    """A fresh TOTP code renews the session's MFA time: a new access token."""
    now = now or datetime.now(UTC)
    assert identity.session_id is not None
    check_throttle(ctx, username=identity.name, address=address, now=now)
    found = users.get_user(ctx, identity.name)
    if found is None:
        raise AuthError("session ended")
    user, cas = found
    prove_second_factor(ctx, user, cas, code=code, address=address, now=now, reason="step-up code")
    token = sessions.step_up(ctx, sid=identity.session_id, now=now)
    audit.record(
        ctx,
        actor=identity,
        action="auth.step_up",
        target=user.username,
        outcome="success",
        address=address,
    )
    return AccessToken(access_token=token, expires_in=ctx.settings.access_token_ttl_seconds)


def logout(
    ctx: Context, *, identity: Principal, address: str | None = None, now: datetime | None = None
) -> None:
    now = now or datetime.now(UTC)
    if identity.session_id is not None:
        sessions.revoke(ctx, sid=identity.session_id, reason="logout", now=now)
    audit.record(
        ctx,
        actor=identity,
        action="auth.logout",
        target=identity.session_id,
        outcome="success",
        address=address,
    )
