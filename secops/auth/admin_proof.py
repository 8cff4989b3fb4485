"""An administrator proves a fresh TOTP code outside the API (``secops audit`` commands).

The API's step-up routes check the session's MFA time; a command has no session, so
it asks the administrator's username and a current code of their authenticator,
consumed like a step-up (each code once, failures counted towards the lockout and
recorded under the action attempted).
"""

from __future__ import annotations

from datetime import UTC, datetime

from secops.auth import users
from secops.auth.principals import Principal
from secops.auth.proof import check_throttle, fail, prove_second_factor
from secops.context import Context


def admin_step_up(
    ctx: Context,
    *,
    username: str,
    code: str,
    action: str,
    address: str | None = None,
    now: datetime | None = None,
) -> Principal:
    """The administrator ``username``, once ``code`` proved their TOTP just now."""
    now = now or datetime.now(UTC)
    check_throttle(ctx, username=username, address=address, now=now)
    found = users.get_user(ctx, username)
    user = found[0] if found else None
    if (
        found is None
        or user is None
        or user.disabled
        or "admin" not in user.roles
        or not user.mfa_confirmed
    ):
        raise fail(
            ctx,
            username=username,
            address=address,
            now=now,
            reason="not an enabled administrator with MFA",
            action=action,
        )
    prove_second_factor(
        ctx,
        user,
        found[1],
        code=code,
        address=address,
        now=now,
        reason="step-up code",
        action=action,
    )
    return Principal(
        id=f"user:{username}",
        kind="user",
        name=username,
        roles=frozenset(user.roles),
        mfa_verified_at=now,
    )
