"""Principals of the tests: enrolled accounts with known secrets, sessions, auth headers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from secops.auth import mfa, sessions, totp, users
from secops.auth.models import HumanRole, TokenPair
from secops.auth.principals import Principal
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
    identity = Principal(id=f"user:{username}", kind="user", name=username, roles=frozenset(roles))
    secret = mfa.enroll(ctx, identity=identity, now=now).secret
    step = totp.time_step(now) - 1
    code = pyotp.TOTP(secret).at(step * totp.STEP_SECONDS)
    confirmed = mfa.confirm(ctx, identity=identity, code=code, now=now)
    return Account(username, password, secret, confirmed.recovery_codes, step)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def session(ctx: Context, username: str, *, mfa_age: float = 0) -> TokenPair:
    """A new session of an existing account, its TOTP proved ``mfa_age`` seconds ago."""
    found = users.get_user(ctx, username)
    assert found is not None, f"no account {username}"
    start = datetime.now(UTC) - timedelta(seconds=mfa_age)
    return sessions.start(ctx, user=found[0], address=None, now=start)


def principal(
    ctx: Context, username: str, role: HumanRole, *, mfa_age: float = 0
) -> dict[str, str]:
    """Headers of a new account holding ``role``, through a session started for it directly.

    The account is not enrolled in MFA; its session counts as TOTP-proved
    ``mfa_age`` seconds ago (step-up routes want a fresh proof).
    """
    users.create_user(
        ctx, username=username, display_name=username, roles=[role], actor="system:test"
    )
    return bearer(session(ctx, username, mfa_age=mfa_age).access_token)


def login(client: TestClient, acct: Account) -> dict[str, Any]:
    """Log in with password and a fresh TOTP code; the token pair answered."""
    resp = client.post(
        "/api/v1/auth/login",
        json={"username": acct.username, "password": acct.password, "totp": acct.next_code()},
    )
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def person(ctx: Context, client: TestClient, username: str, role: HumanRole) -> dict[str, str]:
    """Headers of a new account holding ``role``, enrolled and logged in through the API."""
    return bearer(login(client, enrolled(ctx, username, [role]))["access_token"])


def later(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)
