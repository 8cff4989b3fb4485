"""API keys: shown once, stored hashed, rotated with a grace period, revoked, expired."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from secops.auth import apikeys
from secops.context import Context
from secops.errors import AuthError

from .support import later


def test_created_key_authenticates_and_is_stored_hashed(ctx: Context) -> None:
    now = datetime.now(UTC)
    created = apikeys.create(ctx, name="dms", roles=["ingest"], actor="system:test", now=now)
    assert created.key.startswith(f"sk_{created.apikey.id}_")
    who = apikeys.authenticate(ctx, key=created.key, now=now)
    assert (who.kind, who.name, who.roles) == ("apikey", "dms", frozenset({"ingest"}))
    raw = ctx.es.get(index=apikeys.index(ctx), id=created.apikey.id)["_source"]
    assert created.key.split("_", 2)[2] not in str(raw)
    assert raw["last_used_at"] is not None
    with pytest.raises(AuthError):
        apikeys.authenticate(ctx, key=created.key[:-1] + ("A" if created.key[-1] != "A" else "B"))
    listed = apikeys.list_keys(ctx)
    assert [k.id for k in listed] == [created.apikey.id]


def test_rotation_keeps_the_old_secret_for_the_grace_period(ctx: Context) -> None:
    now = datetime.now(UTC)
    old = apikeys.create(ctx, name="vpn", roles=["ingest"], actor="system:test", now=now)
    new = apikeys.rotate(ctx, key_id=old.apikey.id, grace_seconds=600, actor="system:test", now=now)
    assert new.key != old.key
    assert new.apikey.id == old.apikey.id
    assert apikeys.authenticate(ctx, key=old.key, now=later(now, 599)).name == "vpn"
    assert apikeys.authenticate(ctx, key=new.key, now=later(now, 599)).name == "vpn"
    with pytest.raises(AuthError):
        apikeys.authenticate(ctx, key=old.key, now=later(now, 601))
    assert apikeys.authenticate(ctx, key=new.key, now=later(now, 601)).name == "vpn"


def test_revoked_and_expired_keys_are_refused(ctx: Context) -> None:
    now = datetime.now(UTC)
    a = apikeys.create(ctx, name="mail", roles=["ingest"], actor="system:test", now=now)
    b = apikeys.create(
        ctx, name="portal", roles=["ingest"], expires_in_days=1, actor="system:test", now=now
    )
    apikeys.revoke(ctx, key_id=a.apikey.id, actor="system:test", now=now)
    with pytest.raises(AuthError):
        apikeys.authenticate(ctx, key=a.key, now=now)
    assert apikeys.authenticate(ctx, key=b.key, now=later(now, 86399)).name == "portal"
    with pytest.raises(AuthError):
        apikeys.authenticate(ctx, key=b.key, now=later(now, 86400))


def test_bootstrap_keys_of_the_settings_push_as_ingest(ctx: Context) -> None:
    ctx.settings = ctx.settings.model_copy(
        update={"ingest_api_keys": [SecretStr("bootstrap-key-0123456789abcdef")]}
    )
    who = apikeys.authenticate(ctx, key="bootstrap-key-0123456789abcdef")
    assert who.roles == frozenset({"ingest"})
    with pytest.raises(AuthError):
        apikeys.authenticate(ctx, key="bootstrap-key-0123456789abcdeX")
