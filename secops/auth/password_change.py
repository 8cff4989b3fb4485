"""A person changing their own password, proved by the current one and a fresh TOTP code.

An administrator's reset is ``users.set_password``; the hashes and the policy are in
``passwords``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from secops.auth import audit, sessions, throttle, users
from secops.auth.models import PasswordChange, TokenPair
from secops.auth.passwords import check_new_password, hash_password, verify_password
from secops.auth.principals import Principal
from secops.auth.proof import check_throttle, fail, prove_second_factor, user_key
from secops.context import Context
from secops.errors import AuthError, PermissionDeniedError


def change_password(
    ctx: Context,
    *,
    identity: Principal,
    request: PasswordChange,
    address: str | None = None,
    now: datetime | None = None,
) -> TokenPair:
    """A new password, proved by the current one and a fresh TOTP code: every session of the
    account ends (the security stamp), and the caller gets a new one.

    The caller is a person's session, or the password-change token of an account whose
    password an administrator set. A wrong password or code counts towards the lockout
    as a failed login does.
    """
    now = now or datetime.now(UTC)
    action = "auth.password_change"
    check_throttle(ctx, username=identity.name, address=address, now=now)
    check_new_password(
        request.new_password, username=identity.name, current=request.current_password
    )
    found = users.get_user(ctx, identity.name)
    if found is None or found[0].disabled:
        raise AuthError("session ended")
    user, cas = found
    if not user.mfa_confirmed:
        raise PermissionDeniedError("complete MFA enrolment first: POST /api/v1/auth/mfa/enroll")
    if identity.session_id is None and not user.must_change_password:
        raise PermissionDeniedError("this token does not open a password change")
    if not verify_password(user.password_hash, request.current_password):
        raise fail(
            ctx, username=user.username, address=address, now=now, reason="password", action=action
        )
    forced = user.must_change_password
    user.password_hash = hash_password(request.new_password)
    user.must_change_password = False
    user.security_stamp += 1  # every session and token of the account ends here
    user.updated_at = now
    # Saved with the code it consumes, or not at all.
    prove_second_factor(
        ctx,
        user,
        cas,
        code=request.code,
        address=address,
        now=now,
        reason="second factor",
        action=action,
    )
    throttle.clear(ctx, key=user_key(user.username, address))
    pair = sessions.start(ctx, user=user, address=address, now=now)
    audit.record(
        ctx,
        actor=identity,
        action=action,
        target=user.username,
        outcome="success",
        details={"session": pair.session_id, "required_by_reset": forced},
        address=address,
    )
    return pair
