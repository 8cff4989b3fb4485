"""The login flow over the real app: in process, and over HTTP to a live server."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pyotp
import pytest
import uvicorn
from auth.support import Account, bearer, enrolled, login, session
from fastapi.testclient import TestClient
from polling import wait_until

from api.app import create_app
from secops.auth import users
from secops.context import Context

LOGIN_FAILED = {"error": "AuthError", "detail": "invalid username, password or code"}


def test_enrol_confirm_login_refresh_logout(ctx: Context, client: TestClient) -> None:
    _, password = users.create_user(
        ctx, username="nina", display_name="Nina", roles=["soc_operator"], actor="system:test"
    )
    first = client.post("/api/v1/auth/login", json={"username": "nina", "password": password})
    assert first.status_code == 200
    assert first.json()["status"] == "mfa_enrollment_required"
    enrol_token = first.json()["enrollment_token"]
    # The enrolment token opens nothing but enrolment.
    assert client.get("/api/v1/auth/me", headers=bearer(enrol_token)).status_code == 403
    enrolment = client.post("/api/v1/auth/mfa/enroll", headers=bearer(enrol_token)).json()
    assert enrolment["provisioning_uri"].startswith("otpauth://totp/secops:nina?secret=")
    assert b"<svg" in base64.b64decode(enrolment["qr_svg_base64"])
    totp = pyotp.TOTP(enrolment["secret"])
    confirmed = client.post(
        "/api/v1/auth/mfa/confirm", headers=bearer(enrol_token), json={"code": totp.now()}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert len(confirmed.json()["recovery_codes"]) == 10
    # A replay of the confirmation code at login is refused like a wrong password.
    replay = client.post(
        "/api/v1/auth/login", json={"username": "nina", "password": password, "totp": totp.now()}
    )
    assert (replay.status_code, replay.json()) == (401, LOGIN_FAILED)
    acct = Account("nina", password, enrolment["secret"], [], int(time.time()) // 30)
    tokens = login(client, acct)
    me = client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).json()
    assert (me["name"], me["roles"]) == ("nina", ["soc_operator"])
    rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200
    reuse = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert reuse.status_code == 401
    # The reuse ended the session: the rotated tokens are dead as well.
    new_access = rotated.json()["access_token"]
    assert client.get("/api/v1/auth/me", headers=bearer(new_access)).status_code == 401
    tokens = client.post(
        "/api/v1/auth/login",
        json={
            "username": "nina",
            "password": password,
            "recovery_code": confirmed.json()["recovery_codes"][0],
        },
    ).json()
    assert (
        client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"])).status_code
        == 204
    )
    assert client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 401


def test_unknown_user_and_wrong_password_answer_alike(ctx: Context, client: TestClient) -> None:
    acct = enrolled(ctx, "olga", ["auditor"])
    answers = [
        client.post("/api/v1/auth/login", json={"username": u, "password": p, "totp": "123456"})
        for u, p in (
            ("nobody", acct.password),
            ("olga", "wrong password!"),
            ("olga", acct.password),
        )
    ]
    assert {(r.status_code, r.text, r.headers.get("www-authenticate")) for r in answers} == {
        (401, '{"error":"AuthError","detail":"invalid username, password or code"}', "Bearer")
    }


def test_lockout_answers_429_with_retry_after(ctx: Context, client: TestClient) -> None:
    acct = enrolled(ctx, "pete", ["auditor"])
    for _ in range(5):
        bad = client.post("/api/v1/auth/login", json={"username": "pete", "password": "nope nope"})
        assert bad.status_code == 401
    locked = client.post(
        "/api/v1/auth/login",
        json={"username": "pete", "password": acct.password, "totp": acct.next_code()},
    )
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "2"


def test_step_up_and_api_key_lifecycle(ctx: Context, client: TestClient) -> None:
    acct = enrolled(ctx, "root", ["admin"])
    stale = session(ctx, "root", mfa_age=600)
    headers = bearer(stale.access_token)
    body = {"name": "evoting", "roles": ["ingest"]}
    denied = client.post("/api/v1/apikeys", headers=headers, json=body)
    assert denied.status_code == 403
    assert "step-up" in denied.json()["detail"]
    assert client.get("/api/v1/apikeys", headers=headers).status_code == 200  # no step-up needed
    fresh = client.post("/api/v1/auth/step-up", headers=headers, json={"code": acct.next_code()})
    assert fresh.status_code == 200
    headers = bearer(fresh.json()["access_token"])
    created = client.post("/api/v1/apikeys", headers=headers, json=body)
    assert created.status_code == 201
    key, key_id = created.json()["key"], created.json()["apikey"]["id"]
    for h in ({"Authorization": f"ApiKey {key}"}, {"X-API-Key": key}):
        who = client.get("/api/v1/auth/me", headers=h).json()
        assert (who["kind"], who["roles"]) == ("apikey", ["ingest"])
    # An ingest key opens no administration.
    assert client.get("/api/v1/apikeys", headers={"X-API-Key": key}).status_code == 403
    rotated = client.post(
        f"/api/v1/apikeys/{key_id}/rotate", headers=headers, json={"grace_seconds": 0}
    )
    assert rotated.status_code == 200
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": key}).status_code == 401
    new_key = rotated.json()["key"]
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": new_key}).status_code == 200
    assert client.post(f"/api/v1/apikeys/{key_id}/revoke", headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": new_key}).status_code == 401
    listed = client.get("/api/v1/apikeys", headers=headers).json()
    assert listed[0]["revoked_at"] is not None
    assert "secret_hash" not in listed[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_url(ctx: Context) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(ctx.settings, context=ctx), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), timeout=60, what="the server")
    if not server.started:
        raise RuntimeError("the server did not start")
    yield f"http://127.0.0.1:{port}/api/v1"
    server.should_exit = True
    thread.join(timeout=30)


def test_login_flow_over_http(ctx: Context, live_url: str) -> None:
    acct = enrolled(ctx, "quinn", ["auditor"])
    with httpx.Client(base_url=live_url, timeout=30) as http:
        wrong = http.post("/auth/login", json={"username": "quinn", "password": "x" * 12})
        unknown = http.post("/auth/login", json={"username": "zed", "password": "x" * 12})
        assert (wrong.status_code, wrong.json()) == (unknown.status_code, unknown.json())
        assert wrong.json() == LOGIN_FAILED
        code = acct.next_code()
        ok = http.post(
            "/auth/login", json={"username": "quinn", "password": acct.password, "totp": code}
        )
        assert ok.status_code == 200
        again = http.post(
            "/auth/login", json={"username": "quinn", "password": acct.password, "totp": code}
        )
        assert again.status_code == 401
        headers = bearer(ok.json()["access_token"])
        assert http.get("/auth/me", headers=headers).json()["roles"] == ["auditor"]
        assert http.get("/users", headers=headers).status_code == 403
        assert http.post("/auth/logout", headers=headers).status_code == 204
        assert http.get("/auth/me", headers=headers).status_code == 401
