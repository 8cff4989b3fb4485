"""A session has an absolute lifetime from its login; refreshing does not extend it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from auth.support import bearer, enrolled
from fastapi.testclient import TestClient

from secops.auth import sessions, users
from secops.context import Context
from secops.errors import AuthError


def test_refreshing_never_extends_a_session_past_its_absolute_end(
    ctx: Context, client: TestClient
) -> None:
    assert ctx.settings.session_max_seconds == 12 * 3600  # the default
    enrolled(ctx, "liam", ["soc_operator"])
    found = users.get_user(ctx, "liam")
    assert found is not None
    login_at = datetime.now(UTC) - timedelta(hours=11)
    first = sessions.start(ctx, user=found[0], address=None, now=login_at)
    end = login_at + timedelta(hours=12)
    # Refreshed now, through the API: the new refresh token ends with the session, in ~1 h.
    resp = client.post("/api/v1/auth/refresh", json={"refresh_token": first.refresh_token})
    assert resp.status_code == 200, resp.text
    pair = resp.json()
    assert pair["refresh_expires_in"] <= 3600
    assert client.get("/api/v1/auth/me", headers=bearer(pair["access_token"])).status_code == 200
    # A refresh just before the end still works, and still ends there.
    before = end - timedelta(seconds=30)
    again = sessions.refresh(ctx, refresh_token=pair["refresh_token"], now=before)
    assert again.refresh_expires_in <= 30
    # Past the end nothing keeps it alive: neither a refresh nor a fresh access token.
    after = end + timedelta(seconds=1)
    with pytest.raises(AuthError, match="session ended"):
        sessions.refresh(ctx, refresh_token=again.refresh_token, now=after)
    with pytest.raises(AuthError, match="session ended"):
        sessions.authenticate(ctx, token=again.access_token, now=after)


def test_the_lifetime_is_a_setting(ctx: Context) -> None:
    ctx.settings = ctx.settings.model_copy(update={"session_max_seconds": 3600})
    enrolled(ctx, "mia", ["auditor"])
    found = users.get_user(ctx, "mia")
    assert found is not None
    now = datetime.now(UTC)
    pair = sessions.start(ctx, user=found[0], address=None, now=now)
    assert pair.refresh_expires_in == 3600
    later = now + timedelta(minutes=50)
    renewed = sessions.refresh(ctx, refresh_token=pair.refresh_token, now=later)
    assert renewed.refresh_expires_in == 600
    with pytest.raises(AuthError):
        sessions.refresh(ctx, refresh_token=renewed.refresh_token, now=now + timedelta(hours=1))
