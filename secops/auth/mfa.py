"""MFA enrolment: a new TOTP secret for an account without confirmed MFA, and its
confirmation with a first code, which gives the recovery codes (shown once)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from secops.auth import audit, sessions, totp, users
from secops.auth.crypto import seal
from secops.auth.keys import data_key
from secops.auth.models import MfaConfirmed, MfaEnrollment, UserDoc
from secops.auth.principals import Principal
from secops.auth.proof import CHANGE_PASSWORD_FIRST, password_change_required, totp_secret
from secops.context import Context
from secops.errors import AuthError, ConflictError, InvalidInputError, PermissionDeniedError


def _pending_user(ctx: Context, identity: Principal) -> tuple[UserDoc, dict[str, Any]]:
    found = users.get_user(ctx, identity.name)
    if found is None or found[0].disabled:
        raise AuthError("session ended")
    if found[0].mfa_confirmed and found[0].must_change_password:
        raise PermissionDeniedError(CHANGE_PASSWORD_FIRST)
    if found[0].mfa_confirmed:
        raise ConflictError("MFA is already confirmed; an administrator can reset it")
    return found


def enroll(
    ctx: Context, *, identity: Principal, address: str | None = None, now: datetime | None = None
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
    identity: Principal,
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
    step = totp.matching_step(totp_secret(ctx, user), code, now=now, last_step=user.totp_last_step)
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
        required = password_change_required(ctx, user, address=address, now=now)
        return MfaConfirmed(recovery_codes=codes, tokens=required)
    return MfaConfirmed(
        recovery_codes=codes, tokens=sessions.start(ctx, user=user, address=address, now=now)
    )
