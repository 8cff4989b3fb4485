"""The login flow: password and TOTP, MFA enrolment, step-up, password change, logout.

Every failure of a login answers the same message whether the account exists or
not, after the same work (an unknown name still costs an argon2 verification),
and counts against the claimed name and the client address (see ``throttle``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from secops.auth import audit, sessions, throttle, totp, users
from secops.auth.crypto import seal, unseal
from secops.auth.keys import data_key
from secops.auth.models import (
    AccessToken,
    EnrolmentRequired,
    Identity,
    LoginRequest,
    MfaConfirmed,
    MfaEnrollment,
    PasswordChange,
    PasswordChangeRequired,
    TokenPair,
    UserDoc,
)
from secops.auth.passwords import (
    burn_password_check,
    check_new_password,
    hash_password,
    verify_password,
)
from secops.context import Context
from secops.errors import (
    AuthError,
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
    RateLimitedError,
)

LOGIN_FAILED = "invalid username, password or code"
CHANGE_FAILED = "invalid password or code"
CHANGE_PASSWORD_FIRST = "change the password first: POST /api/v1/auth/password"  # noqa: S105


def _user_key(username: str) -> str:
    return f"user:{username}"


def _keys(username: str, address: str | None) -> list[str]:
    return [_user_key(username)] + ([f"addr:{address}"] if address else [])


def _secret(ctx: Context, user: UserDoc) -> str:
    assert user.totp_secret is not None
    return unseal(data_key(ctx.settings), user.totp_secret, bound_to=user.username)


def _check_throttle(
    ctx: Context,
    *,
    username: str,
    address: str | None,
    now: datetime,
    action: str = "auth.login",
) -> None:
    try:
        throttle.check(ctx, keys=_keys(username, address), now=now)
    except RateLimitedError as exc:
        audit.record(
            ctx,
            actor=username,
            action=action,
            target=username,
            outcome="denied",
            details={"reason": "locked", "retry_after": exc.retry_after},
            address=address,
        )
        raise


def _fail(
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
        step = totp.matching_step(_secret(ctx, user), code, now=now, last_step=user.totp_last_step)
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


def _prove_second_factor(
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
        raise _fail(
            ctx, username=user.username, address=address, now=now, reason=reason, action=action
        )
    try:
        users.save_user(ctx, user, cas)
    except ConflictError:
        raise _fail(
            ctx,
            username=user.username,
            address=address,
            now=now,
            reason="concurrent",
            action=action,
        ) from None
    return factor


def _password_change_required(
    ctx: Context, user: UserDoc, *, address: str | None, now: datetime
) -> PasswordChangeRequired:
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


def login(
    ctx: Context, *, request: LoginRequest, address: str | None, now: datetime | None = None
) -> TokenPair | EnrolmentRequired | PasswordChangeRequired:
    now = now or datetime.now(UTC)
    username = request.username.strip().lower()
    _check_throttle(ctx, username=username, address=address, now=now)
    found = users.get_user(ctx, username) if users.USERNAME.fullmatch(username) else None
    if found is None:
        burn_password_check(request.password)
        raise _fail(ctx, username=username, address=address, now=now, reason="password")
    user, cas = found
    if not verify_password(user.password_hash, request.password) or user.disabled:
        raise _fail(ctx, username=username, address=address, now=now, reason="password")
    if not user.mfa_confirmed:
        throttle.clear(ctx, key=_user_key(username))
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
    factor = _prove_second_factor(
        ctx,
        user,
        cas,
        code=request.totp,
        recovery_code=request.recovery_code,
        address=address,
        now=now,
        reason="second factor",
    )
    throttle.clear(ctx, key=_user_key(username))
    if user.must_change_password:
        return _password_change_required(ctx, user, address=address, now=now)
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


def _pending_user(ctx: Context, identity: Identity) -> tuple[UserDoc, dict[str, Any]]:
    found = users.get_user(ctx, identity.name)
    if found is None or found[0].disabled:
        raise AuthError("session ended")
    if found[0].mfa_confirmed and found[0].must_change_password:
        raise PermissionDeniedError(CHANGE_PASSWORD_FIRST)
    if found[0].mfa_confirmed:
        raise ConflictError("MFA is already confirmed; an administrator can reset it")
    return found


def enroll(
    ctx: Context, *, identity: Identity, address: str | None = None, now: datetime | None = None
) -> MfaEnrollment:
    """A new TOTP secret for an account without confirmed MFA (replaces a pending one)."""
    now = now or datetime.now(UTC)
    user, cas = _pending_user(ctx, identity)
    secret = totp.new_secret()
    user.totp_secret = seal(data_key(ctx.settings), secret, bound_to=user.username)
    user.totp_last_step, user.updated_at = 0, now
    users.save_user(ctx, user, cas)
    audit.record(
        ctx,
        actor=identity,
        action="auth.mfa_enroll",
        target=user.username,
        outcome="success",
        address=address,
    )
    uri = totp.provisioning_uri(secret, username=user.username)
    return MfaEnrollment(provisioning_uri=uri, secret=secret, qr_svg_base64=totp.qr_svg_base64(uri))


def confirm(
    ctx: Context,
    *,
    identity: Identity,
    code: str,
    address: str | None = None,
    now: datetime | None = None,
) -> MfaConfirmed:
    """Confirm the pending secret with a code: recovery codes (shown once) and a session,
    or, if an administrator set the password, a token to change it."""
    now = now or datetime.now(UTC)
    user, cas = _pending_user(ctx, identity)
    if user.totp_secret is None:
        raise InvalidInputError("enrol first: POST /api/v1/auth/mfa/enroll")
    step = totp.matching_step(_secret(ctx, user), code, now=now, last_step=user.totp_last_step)
    if step is None:
        audit.record(
            ctx,
            actor=identity,
            action="auth.mfa_confirm",
            target=user.username,
            outcome="failure",
            address=address,
        )
        raise InvalidInputError("the code does not match the enrolled secret")
    codes = totp.new_recovery_codes()
    user.mfa_confirmed, user.totp_last_step = True, step
    user.recovery_codes = [totp.hash_recovery_code(c) for c in codes]
    user.security_stamp += 1  # the enrolment token ends here
    user.updated_at = user.last_login_at = now
    users.save_user(ctx, user, cas)
    audit.record(
        ctx,
        actor=identity,
        action="auth.mfa_confirm",
        target=user.username,
        outcome="success",
        address=address,
    )
    if user.must_change_password:
        required = _password_change_required(ctx, user, address=address, now=now)
        return MfaConfirmed(recovery_codes=codes, tokens=required)
    return MfaConfirmed(
        recovery_codes=codes, tokens=sessions.start(ctx, user=user, address=address, now=now)
    )


def step_up(
    ctx: Context,
    *,
    identity: Identity,
    code: str,
    address: str | None = None,
    now: datetime | None = None,
) -> AccessToken:
    """A fresh TOTP code renews the session's MFA time: a new access token."""
    now = now or datetime.now(UTC)
    assert identity.session_id is not None
    _check_throttle(ctx, username=identity.name, address=address, now=now)
    found = users.get_user(ctx, identity.name)
    if found is None:
        raise AuthError("session ended")
    user, cas = found
    _prove_second_factor(ctx, user, cas, code=code, address=address, now=now, reason="step-up code")
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


def change_password(
    ctx: Context,
    *,
    identity: Identity,
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
    _check_throttle(ctx, username=identity.name, address=address, now=now, action=action)
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
        raise _fail(
            ctx, username=user.username, address=address, now=now, reason="password", action=action
        )
    forced = user.must_change_password
    user.password_hash = hash_password(request.new_password)
    user.must_change_password = False
    user.security_stamp += 1  # every session and token of the account ends here
    user.updated_at = now
    # Saved with the code it consumes, or not at all.
    _prove_second_factor(
        ctx,
        user,
        cas,
        code=request.code,
        address=address,
        now=now,
        reason="second factor",
        action=action,
    )
    throttle.clear(ctx, key=_user_key(user.username))
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


def logout(
    ctx: Context, *, identity: Identity, address: str | None = None, now: datetime | None = None
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
