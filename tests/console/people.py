"""People of the console tests: accounts with MFA enrolled, codes, a logged-in browser."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
from fastapi.testclient import TestClient

from secops.auth import sessions, totp, users
from secops.auth.crypto import seal
from secops.auth.keys import data_key
from secops.auth.models import HumanRole
from secops.auth.totp import DRIFT_STEPS, STEP_SECONDS
from secops.context import Context


@dataclass
class Person:
    username: str
    password: str
    secret: str
    last_step: int = 0

    def code(self) -> str:
        """A code not used before: each is accepted once, so a second code in the same
        30 seconds is the next step's (within the allowed drift), else wait for one."""
        while True:
            current = int(time.time()) // STEP_SECONDS
            step = max(current, self.last_step + 1)
            if step <= current + DRIFT_STEPS:
                self.last_step = step
                return str(pyotp.TOTP(self.secret).at(step * STEP_SECONDS))
            time.sleep(1)


def enrolled(ctx: Context, username: str, *roles: HumanRole) -> Person:
    """An account with confirmed MFA, as after its first login."""
    user, password = users.create_user(
        ctx,
        username=username,
        display_name=username.title(),
        roles=list(roles),
        actor="system:test",
        now=datetime.now(UTC),
    )
    secret = totp.new_secret()

    def enrol(doc: users.UserDoc) -> users.UserDoc:
        doc.totp_secret = seal(data_key(ctx.settings), secret, bound_to=doc.username)
        doc.mfa_confirmed = True
        doc.must_change_password = False
        return doc

    users.update_user(ctx, user.username, enrol)
    return Person(username=user.username, password=password, secret=secret)


def csrf_of(client: TestClient) -> str:
    """The browser's CSRF token (the login page sets it)."""
    if "secops_csrf" not in client.cookies:
        client.get("/login")
    return str(client.cookies["secops_csrf"])


def log_in(client: TestClient, person: Person) -> None:
    """Log ``client`` in through the console's login form."""
    answer = client.post(
        "/login",
        data={
            "csrf": csrf_of(client),
            "username": person.username,
            "password": person.password,
            "totp": person.code(),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def session_at(client: TestClient, ctx: Context, username: str, at: datetime) -> None:
    """Give ``client`` a console session of ``username`` that logged in at ``at`` (its TOTP
    proof as old as that)."""
    found = users.get_user(ctx, username)
    assert found is not None
    pair = sessions.start(ctx, user=found[0], address=None, now=at)
    # The test client's host, as the cookies the console sets name it.
    client.cookies.set("secops_access", pair.access_token, domain="testserver.local")
    client.cookies.set("secops_refresh", pair.refresh_token, domain="testserver.local")
