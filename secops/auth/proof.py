"""Proofs shared by the login steps: failures counted towards the lockout, and the second
factor (a TOTP code or a recovery code) consumed with the save of the account.

A failed proof counts against the claimed name from the client address, and against the
address (see ``throttle``): an attacker on one address locks neither the account for its
owner elsewhere nor other addresses. It answers the same message whether the account
exists or not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from secops.auth import audit, sessions, throttle, totp, users
from secops.auth.crypto import unseal
from secops.auth.keys import data_key
from secops.auth.models import PasswordChangeRequired, UserDoc
from secops.context import Context
from secops.errors import AuthError, ConflictError

LOGIN_FAILED = "invalid username, password or code"
CHANGE_FAILED = "invalid password or code"
CHANGE_PASSWORD_FIRST = "change the password first: POST /api/v1/auth/password"  # noqa: S105


def user_key(username: str, address: str | None) -> str:
    """The lockout key of an account as tried from one address: failures from elsewhere do
    not lock its owner out (of the account from an address unknown, when none is given)."""
    return f"user:{username}@{address}" if address else f"user:{username}"


def _keys(username: str, address: str | None) -> list[str]:
    return [user_key(username, address)] + ([f"addr:{address}"] if address else [])


def totp_secret(ctx: Context, user: UserDoc) -> str:
    assert user.totp_secret is not None
    return unseal(data_key(ctx.settings), user.totp_secret, bound_to=user.username)


def check_throttle(ctx: Context, *, username: str, address: str | None, now: datetime) -> None:
    """RateLimitedError while the account (from this address) or the address is locked.

    Not recorded one by one: the lock itself was (``auth.lockout``), and requests refused
    during it are counted and summarised by the API (``api.refusals``), so a locked
    address cannot grow the audit trail by knocking.
    """
    throttle.check(ctx, keys=_keys(username, address), now=now)


def fail(
    ctx: Context,
    *,
    username: str,
    address: str | None,
    now: datetime,
    reason: str,
    action: str = "auth.login",
) -> AuthError:
    """Count the failure (towards the lockout of logins), record it as ``action``, and give
    the error to raise."""
    s = ctx.settings
    limits = {"user": s.lockout_account_threshold, "addr": s.lockout_address_threshold}
    locked = []
    for key in _keys(username, address):
        counter = throttle.record_failure(
            ctx,
            key=key,
            threshold=limits[key.split(":")[0]],
            max_seconds=s.lockout_max_seconds,
            now=now,
        )
        if counter.locked_until is not None:
            locked.append(
                {
                    "key": key,
                    "failures": counter.failures,
                    "until": counter.locked_until.isoformat(),
                }
            )
    audit.record(
        ctx,
        actor=username,
        action=action,
        target=username,
        outcome="failure",
        details={"reason": reason},
        address=address,
    )
    if locked:
        audit.record(
            ctx,
            actor=username,
            action="auth.lockout",
            target=username,
            outcome="denied",
            details={"locked": locked},
            address=address,
        )
    return AuthError(LOGIN_FAILED if action == "auth.login" else CHANGE_FAILED)


def _take_second_factor(
    ctx: Context, user: UserDoc, *, code: str | None, recovery_code: str | None, now: datetime
) -> str | None:
    """Consume the code on ``user`` (not yet saved); the factor used, or None."""
    if code:
        step = totp.matching_step(
            totp_secret(ctx, user), code, now=now, last_step=user.totp_last_step
        )
        if step is None:
            return None
        user.totp_last_step = step
        return "totp"
    if recovery_code:
        used = totp.find_recovery_code(recovery_code, user.recovery_codes)
        if used is None:
            return None
        user.recovery_codes = [h for h in user.recovery_codes if h != used]
        return "recovery_code"
    return None


def prove_second_factor(
    ctx: Context,
    user: UserDoc,
    cas: dict[str, Any],
    *,
    code: str | None,
    recovery_code: str | None = None,
    address: str | None,
    now: datetime,
    reason: str,
    action: str = "auth.login",
) -> str:
    """Consume the code and save ``user``; the factor used. A wrong code fails as ``reason``;
    the same code used concurrently fails the save's compare-and-set."""
    factor = _take_second_factor(ctx, user, code=code, recovery_code=recovery_code, now=now)
    if factor is None:
        raise fail(
            ctx, username=user.username, address=address, now=now, reason=reason, action=action
        )
    try:
        users.save_user(ctx, user, cas)
    except ConflictError:
        raise fail(
            ctx,
            username=user.username,
            address=address,
            now=now,
            reason="concurrent",
            action=action,
        ) from None
    return factor


def password_change_required(
    ctx: Context, user: UserDoc, *, address: str | None, now: datetime
) -> PasswordChangeRequired:
    """The proofs passed, but an administrator set the password: a token to change it."""
    audit.record(
        ctx,
        actor=user.username,
        action="auth.login",
        target=user.username,
        outcome="success",
        details={"scope": "password_change"},
        address=address,
    )
    return PasswordChangeRequired(
        password_change_token=sessions.password_change_token(ctx, user=user, now=now),
        expires_in=sessions.LIMITED_TTL_SECONDS,
    )
