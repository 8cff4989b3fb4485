"""Helpers of the access-control tests: enrolled accounts with known secrets, clean-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp

from secops.auth import service, totp, users
from secops.auth.models import HumanRole, Identity
from secops.context import Context


@dataclass
class Account:
    username: str
    password: str
    secret: str
    recovery_codes: list[str]
    last_step: int  # the newest step whose code was used

    def code(self, step: int) -> str:
        self.last_step = max(self.last_step, step)
        return pyotp.TOTP(self.secret).at(step * totp.STEP_SECONDS)

    def next_code(self) -> str:
        """A code the server accepts now: newer than the last used, within the drift window."""
        step = max(self.last_step + 1, totp.time_step(datetime.now(UTC)) - 1)
        assert step <= totp.time_step(datetime.now(UTC)) + 1, "no fresh code in this window"
        return self.code(step)


def enrolled(
    ctx: Context, username: str, roles: list[HumanRole], *, now: datetime | None = None
) -> Account:
    """An account created, enrolled and confirmed through the real service functions.

    Confirmation uses the code of the step before ``now``, so the current step is
    still free for a login.
    """
    now = now or datetime.now(UTC)
    _, password = users.create_user(
        ctx,
        username=username,
        display_name=username.title(),
        roles=roles,
        actor="system:test",
        now=now,
    )
    identity = Identity(id=f"user:{username}", kind="user", name=username, roles=frozenset(roles))
    secret = service.enroll(ctx, identity=identity, now=now).secret
    step = totp.time_step(now) - 1
    code = pyotp.TOTP(secret).at(step * totp.STEP_SECONDS)
    confirmed = service.confirm(ctx, identity=identity, code=code, now=now)
    return Account(username, password, secret, confirmed.recovery_codes, step)


def drop_namespace(ctx: Context) -> None:
    """Delete the test namespace's indices and templates."""
    pattern = f"secops-{ctx.settings.namespace}-*"
    names = ctx.es.indices.get(index=pattern, expand_wildcards="all")
    if names:
        ctx.es.indices.delete(index=",".join(names))


def later(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)
