"""Day-one administration over the real app and store, with real TOTP codes: one's own
password change, an administrator's reset, roles and display name, enable and disable."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from secops.audit.service import list_entries
from secops.auth import mfa, sessions, users
from secops.auth.models import PasswordChangeRequired
from secops.auth.principals import Principal
from secops.cli.main import main
from secops.context import Context
from secops.errors import ConflictError

from .support import Account, bearer, enrolled, session

ME = "/api/v1/auth/me"
PASSWORD = "/api/v1/auth/password"
NEW_PASSWORD = "violet lantern orbit quarry"


def _audit(ctx: Context, action: str) -> list[Any]:
    ctx.es.indices.refresh(index=ctx.names.audit)
    return list_entries(ctx, action=action).entries


def _change(
    client: TestClient,
    token: str,
    acct: Account,
    new: str,
    *,
    current: str | None = None,
    code: str | None = None,
) -> Any:
    body = {
        "current_password": current or acct.password,
        "code": code or acct.next_code(),
        "new_password": new,
    }
    return client.post(PASSWORD, headers=bearer(token), json=body)


def _login(client: TestClient, username: str, password: str, **factor: str) -> Any:
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password, **factor}
    )


# One's own password --------------------------------------------------------------


def test_password_change_ends_every_session_and_answers_a_new_one(
    ctx: Context, client: TestClient
) -> None:
    acct = enrolled(ctx, "paula", ["soc_operator"])
    mine, other = session(ctx, "paula"), session(ctx, "paula")
    wrong = client.post(
        PASSWORD,
        headers=bearer(mine.access_token),
        json={
            "current_password": "not the password",
            "code": "123456",
            "new_password": NEW_PASSWORD,
        },
    )
    assert (wrong.status_code, wrong.json()["detail"]) == (401, "invalid password or code")
    for new, rule in (
        ("short pass", "min_length"),
        ("PAULA", "min_length"),
        (acct.password, "not_current"),
    ):
        weak = client.post(
            PASSWORD,
            headers=bearer(mine.access_token),
            json={"current_password": acct.password, "code": "123456", "new_password": new},
        )
        assert weak.status_code == 422
        assert f"rule {rule}" in weak.json()["detail"]
    # A username long enough to pass the length rule on its own.
    acct12 = enrolled(ctx, "paula.long-name", ["auditor"])
    weak = client.post(
        PASSWORD,
        headers=bearer(session(ctx, acct12.username).access_token),
        json={
            "current_password": acct12.password,
            "code": "123456",
            "new_password": "Paula.Long-Name",
        },
    )
    assert weak.status_code == 422
    assert "rule not_username" in weak.json()["detail"]

    changed = _change(client, mine.access_token, acct, NEW_PASSWORD)
    assert changed.status_code == 200, changed.text
    fresh = changed.json()
    assert fresh["session_id"] not in (mine.session_id, other.session_id)
    for old in (mine, other):
        assert client.get(ME, headers=bearer(old.access_token)).status_code == 401
        refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": old.refresh_token})
        assert refresh.status_code == 401
    assert client.get(ME, headers=bearer(fresh["access_token"])).json()["name"] == "paula"
    assert _login(client, "paula", acct.password, totp="123456").status_code == 401
    again = _login(client, "paula", NEW_PASSWORD, recovery_code=acct.recovery_codes[0])
    assert again.status_code == 200, again.text
    failure, success = _audit(ctx, "auth.password_change")[::-1]
    assert (failure.outcome, failure.details) == ("failure", {"reason": "password"})
    assert (success.outcome, success.target) == ("success", "paula")
    assert success.details["session"] == fresh["session_id"]


def test_a_wrong_current_password_counts_towards_the_lockout(
    ctx: Context, client: TestClient
) -> None:
    acct = enrolled(ctx, "quentin", ["auditor"])
    token = session(ctx, "quentin").access_token
    threshold = ctx.settings.lockout_account_threshold
    for _ in range(threshold):
        assert (
            _change(
                client, token, acct, NEW_PASSWORD, current="wrong password!", code="123456"
            ).status_code
            == 401
        )
    locked = _change(client, token, acct, NEW_PASSWORD, code="123456")
    assert locked.status_code == 429
    assert _login(client, "quentin", acct.password, totp=acct.next_code()).status_code == 429
    failures = [e for e in _audit(ctx, "auth.password_change") if e.outcome == "failure"]
    assert len(failures) == threshold
    assert _audit(ctx, "auth.lockout")


def test_a_wrong_code_changes_nothing(ctx: Context, client: TestClient) -> None:
    acct = enrolled(ctx, "rhea", ["auditor"])
    token = session(ctx, "rhea").access_token
    body = {"current_password": acct.password, "code": "000000", "new_password": NEW_PASSWORD}
    if acct.next_code() == "000000":  # pragma: no cover - one chance in a million
        body["code"] = "111111"
    assert client.post(PASSWORD, headers=bearer(token), json=body).status_code == 401
    assert client.get(ME, headers=bearer(token)).status_code == 200
    assert _login(client, "rhea", NEW_PASSWORD, totp="123456").status_code == 401


# An administrator's reset ------------------------------------------------------------


def test_reset_password_opens_only_the_password_change_until_it_is_changed(
    ctx: Context,
    client: TestClient,
    cli_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    acct = enrolled(ctx, "sam", ["admin", "soc_operator"])
    before = session(ctx, "sam")
    assert main(["users", "set-password", "sam"]) == 0
    one_time = capsys.readouterr().out.split("(shown once): ")[1].split()[0]
    assert client.get(ME, headers=bearer(before.access_token)).status_code == 401
    stored = users.get_user(ctx, "sam")
    assert stored is not None
    assert stored[0].must_change_password
    assert _login(client, "sam", acct.password, totp="123456").status_code == 401

    limited = _login(client, "sam", one_time, totp=acct.next_code())
    assert limited.status_code == 200, limited.text
    assert limited.json()["status"] == "password_change_required"
    assert "access_token" not in limited.json()
    headers = bearer(limited.json()["password_change_token"])
    for method, path in (
        ("GET", ME),
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/alerts"),
        ("POST", "/api/v1/auth/step-up"),
        ("POST", "/api/v1/auth/logout"),
        ("POST", "/api/v1/auth/mfa/enroll"),
    ):
        answer = client.request(method, path, headers=headers, json={"code": "123456"})
        assert answer.status_code == 403, f"{method} {path}: {answer.status_code}"
    assert client.post("/api/v1/auth/mfa/enroll", headers=headers).json()["detail"] == (
        "change the password first: POST /api/v1/auth/password"
    )

    weak = client.post(
        PASSWORD,
        headers=headers,
        json={"current_password": one_time, "code": "123456", "new_password": one_time},
    )
    assert weak.status_code == 422
    changed = client.post(
        PASSWORD,
        headers=headers,
        json={"current_password": one_time, "code": acct.next_code(), "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    me = client.get(ME, headers=bearer(changed.json()["access_token"])).json()
    assert me["roles"] == ["admin", "soc_operator"]
    # The token of the reset ends with the change; the one-time password with it.
    assert client.get(ME, headers=headers).status_code == 401
    assert client.post(PASSWORD, headers=headers, json={}).status_code == 401
    assert _login(client, "sam", one_time, totp="123456").status_code == 401
    # The list is a search: near real time, so make the change visible to it first.
    ctx.es.indices.refresh(index=ctx.names.index("users"))
    listed = client.get("/api/v1/users", headers=bearer(changed.json()["access_token"])).json()
    assert [u["must_change_password"] for u in listed if u["username"] == "sam"] == [False]
    [entry] = _audit(ctx, "user.set_password")
    assert entry.target == "sam"
    [entry] = _audit(ctx, "auth.password_change")
    assert entry.details["required_by_reset"] is True


def test_reset_before_enrolment_asks_for_the_change_after_confirming(ctx: Context) -> None:
    users.create_user(
        ctx, username="tess", display_name="Tess", roles=["auditor"], actor="system:test"
    )
    users.set_password(ctx, username="tess", actor="system:test")
    identity = Principal(id="user:tess", kind="user", name="tess", roles=frozenset({"auditor"}))
    now = datetime.now(UTC)
    secret = mfa.enroll(ctx, identity=identity, now=now).secret
    done = mfa.confirm(ctx, identity=identity, code=pyotp.TOTP(secret).at(now), now=now)
    assert isinstance(done.tokens, PasswordChangeRequired)
    who = sessions.authenticate(ctx, token=done.tokens.password_change_token, now=now)
    assert (who.scope, who.enrolment_only, who.session_id) == ("password_change", True, None)


# Roles, display name, enable and disable ------------------------------------------------


def _patch(client: TestClient, headers: dict[str, str], username: str, **body: Any) -> Any:
    return client.patch(f"/api/v1/users/{username}", headers=headers, json=body)


def test_roles_change_needs_a_step_up_and_ends_sessions_when_roles_shrink(
    ctx: Context, client: TestClient
) -> None:
    enrolled(ctx, "ada", ["admin"])
    enrolled(ctx, "otto", ["soc_operator"])
    stale = bearer(session(ctx, "ada", mfa_age=600).access_token)
    denied = _patch(client, stale, "otto", roles=["auditor"])
    assert denied.status_code == 403
    assert "step-up" in denied.json()["detail"]
    admin = bearer(session(ctx, "ada").access_token)
    otto = bearer(session(ctx, "otto").access_token)

    grown = _patch(client, admin, "otto", roles=["soc_operator", "auditor"], display_name="Otto K.")
    assert grown.status_code == 200, grown.text
    assert (grown.json()["roles"], grown.json()["display_name"]) == (
        ["auditor", "soc_operator"],
        "Otto K.",
    )
    assert client.get(ME, headers=otto).status_code == 200  # nothing taken away
    shrunk = _patch(client, admin, "otto", roles=["auditor"])
    assert shrunk.json()["roles"] == ["auditor"]
    assert client.get(ME, headers=otto).status_code == 401
    new_otto = bearer(session(ctx, "otto").access_token)
    assert client.get(ME, headers=new_otto).json()["roles"] == ["auditor"]

    entries = _audit(ctx, "user.update")
    assert [e.details["roles"] for e in entries] == [
        {"old": ["auditor", "soc_operator"], "new": ["auditor"]},
        {"old": ["soc_operator"], "new": ["auditor", "soc_operator"]},
    ]
    assert [e.details["sessions_ended"] for e in entries] == [True, False]
    assert entries[1].details["display_name"] == {"old": "Otto", "new": "Otto K."}
    for body, status in (
        ({}, 422),
        ({"roles": []}, 422),
        ({"roles": ["ingest"]}, 422),
        ({"roles": ["auditor"], "disabled": True}, 422),
    ):
        assert _patch(client, admin, "otto", **body).status_code == status, body
    assert _patch(client, admin, "nobody", roles=["auditor"]).status_code == 404


def test_the_last_enabled_admin_keeps_admin(ctx: Context, client: TestClient) -> None:
    enrolled(ctx, "ada", ["admin"])
    admin = bearer(session(ctx, "ada").access_token)
    for answer in (
        _patch(client, admin, "ada", roles=["auditor"]),
        client.post("/api/v1/users/ada/disable", headers=admin),
    ):
        assert answer.status_code == 409
        assert "last enabled admin" in answer.json()["detail"]
    # A disabled admin does not count.
    users.create_user(ctx, username="bea", display_name="Bea", roles=["admin"], actor="system:test")
    assert client.post("/api/v1/users/bea/disable", headers=admin).status_code == 200
    assert _patch(client, admin, "ada", roles=["auditor"]).status_code == 409
    enabled = client.post("/api/v1/users/bea/enable", headers=admin)
    assert (enabled.status_code, enabled.json()["disabled"]) == (200, False)
    assert _patch(client, admin, "ada", roles=["auditor", "soc_operator"]).status_code == 200
    assert client.get(ME, headers=admin).status_code == 401  # fewer roles: the session ended
    stored = users.get_user(ctx, "ada")
    assert stored is not None
    assert stored[0].roles == ["auditor", "soc_operator"]
    refused = [e for e in _audit(ctx, "user.update") if e.outcome == "failure"]
    assert [e.details for e in refused] == [{"reason": "last enabled admin"}] * 2


def test_two_admins_demoting_each_other_at_once_leave_one(ctx: Context) -> None:
    for name in ("ann", "ben"):
        users.create_user(
            ctx, username=name, display_name=name, roles=["admin"], actor="system:test"
        )
    results: dict[str, str] = {}
    start = threading.Barrier(2)

    def demote(name: str) -> None:
        start.wait()
        try:
            users.change_user(ctx, username=name, roles=["auditor"], actor="system:test")
            results[name] = "demoted"
        except ConflictError:
            results[name] = "refused"

    threads = [threading.Thread(target=demote, args=(n,)) for n in ("ann", "ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "refused" in results.values()
    assert users.enabled_admins(ctx) >= 1


def test_disable_and_enable(ctx: Context, client: TestClient) -> None:
    enrolled(ctx, "ada", ["admin"])
    acct = enrolled(ctx, "uma", ["auditor"])
    admin = bearer(session(ctx, "ada").access_token)
    uma = bearer(session(ctx, "uma").access_token)
    assert client.post("/api/v1/users/uma/disable", headers=admin).json()["disabled"] is True
    assert client.get(ME, headers=uma).status_code == 401
    refused = _login(client, "uma", acct.password, recovery_code=acct.recovery_codes[0])
    assert refused.status_code == 401
    stale = bearer(session(ctx, "ada", mfa_age=600).access_token)
    assert client.post("/api/v1/users/uma/enable", headers=stale).status_code == 403
    assert client.post("/api/v1/users/uma/enable", headers=admin).json()["disabled"] is False
    assert client.get(ME, headers=uma).status_code == 401  # old sessions stay ended
    back = _login(client, "uma", acct.password, totp=acct.next_code())
    assert back.status_code == 200, back.text
    assert client.post("/api/v1/users/nobody/enable", headers=admin).status_code == 404
    assert [e.target for e in _audit(ctx, "user.enable")] == ["uma"]


def test_cli_set_roles_and_enable(
    ctx: Context, cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    users.create_user(
        ctx, username="root", display_name="Root", roles=["admin"], actor="system:test"
    )
    users.create_user(
        ctx, username="vic", display_name="Vic", roles=["auditor"], actor="system:test"
    )
    assert main(["users", "set-roles", "vic", "--role", "soc_operator", "--role", "auditor"]) == 0
    assert "vic: auditor, soc_operator" in capsys.readouterr().out
    assert main(["users", "set-roles", "root", "--role", "auditor"]) == 2  # last admin
    assert "last enabled admin" in capsys.readouterr().err
    assert main(["users", "disable", "vic"]) == 0
    assert main(["users", "enable", "vic"]) == 0
    stored = users.get_user(ctx, "vic")
    assert stored is not None
    assert (stored[0].roles, stored[0].disabled) == (["auditor", "soc_operator"], False)
    assert main(["users", "set-password", "vic"]) == 0
    assert main(["users", "list"]) == 0
    assert "password-reset" in capsys.readouterr().out
