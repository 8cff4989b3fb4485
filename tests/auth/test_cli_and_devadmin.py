"""The `secops users` and `secops apikeys` commands, and the development admin."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest

from secops.auth import apikeys, sessions, users
from secops.auth.devadmin import ensure_dev_admin
from secops.auth.logins import login
from secops.auth.models import LoginRequest, TokenPair
from secops.cli.main import main
from secops.context import Context


@pytest.fixture
def env(ctx: Context, cli_env: pytest.MonkeyPatch) -> Context:
    """The test's context, and the CLI pointed at the same namespace."""
    return ctx


def test_users_commands(env: Context, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "add", "rita", "--role", "auditor", "--role", "soc_operator"]) == 0
    out = capsys.readouterr().out
    password = out.split("initial password (shown once): ")[1].split()[0]
    found = users.get_user(env, "rita")
    assert found is not None
    assert found[0].roles == ["auditor", "soc_operator"]
    assert main(["users", "list"]) == 0
    assert "rita" in capsys.readouterr().out
    assert main(["users", "disable", "rita"]) == 0
    with pytest.raises(Exception, match="invalid username"):
        login(env, request=LoginRequest(username="rita", password=password), address=None)
    assert main(["users", "add", "rita", "--role", "admin"]) == 2  # exists


def test_apikeys_commands(env: Context, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apikeys", "create", "syslog-relay"]) == 0
    key = capsys.readouterr().out.split("key (shown once): ")[1].split()[0]
    who = apikeys.authenticate(env, key=key)
    assert who.roles == frozenset({"ingest"})
    key_id = key.split("_")[1]
    assert main(["apikeys", "rotate", key_id, "--grace-seconds", "0"]) == 0
    new_key = capsys.readouterr().out.split("new key (shown once): ")[1].split()[0]
    assert apikeys.authenticate(env, key=new_key).name == "syslog-relay"
    assert main(["apikeys", "revoke", key_id]) == 0
    with pytest.raises(Exception, match="revoked"):
        apikeys.authenticate(env, key=new_key)
    assert main(["apikeys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out


def test_dev_admin_is_created_once_and_can_log_in(ctx: Context) -> None:
    creds = ensure_dev_admin(ctx)
    assert creds is not None
    assert ensure_dev_admin(ctx) is None
    now = datetime.now(UTC)
    code = pyotp.TOTP(creds.totp_secret).at(now)
    assert creds.provisioning_uri.startswith("otpauth://totp/secops:admin?secret=")
    result = login(
        ctx,
        request=LoginRequest(username="admin", password=creds.password, totp=code),
        address=None,
        now=now,
    )
    assert isinstance(result, TokenPair)
    assert sessions.authenticate(ctx, token=result.access_token, now=now).roles == {"admin"}


def test_no_dev_admin_outside_development_mode(ctx: Context) -> None:
    ctx.settings = ctx.settings.model_copy(update={"dev_mode": False})
    assert ensure_dev_admin(ctx) is None
    assert not users.any_admin(ctx)
