"""The audit routes with real sessions, and the middleware recording state changes."""

from __future__ import annotations

import logging

import pytest
from auth.support import principal
from fastapi.testclient import TestClient

from api.audit_middleware import audit_request
from secops.accounting import process_metrics
from secops.audit import BreakReason, list_entries, record, verify
from secops.audit.metrics import audit_metrics
from secops.auth.principals import Principal, Role
from secops.context import Context, build_context
from secops.settings import Settings


def _entries(ctx: Context, **filters: str) -> list:
    ctx.es.indices.refresh(index=ctx.names.audit)
    return list_entries(ctx, limit=500, **filters).entries


@pytest.mark.parametrize(
    "path", ["/api/v1/audit", "/api/v1/audit/verify", "/api/v1/audit/public-key"]
)
def test_routes_admit_auditors_and_admins_only(ctx: Context, client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers=principal(ctx, "oscar", "soc_operator")).status_code == 403
    assert client.get(path, headers=principal(ctx, "audrey", "auditor")).status_code == 200
    assert client.get(path, headers=principal(ctx, "adam", "admin")).status_code == 200


def test_list_filters_and_pages_through_the_api(ctx: Context, client: TestClient) -> None:
    auditor = principal(ctx, "audrey", "auditor")
    for i in range(5):
        record(
            ctx, actor="system:scheduler", action="retention.run", target=f"r{i}", outcome="success"
        )
    ctx.es.indices.refresh(index=ctx.names.audit)
    first = client.get(
        "/api/v1/audit", params={"action": "retention.run", "limit": 3}, headers=auditor
    ).json()
    assert [e["target"] for e in first["entries"]] == ["r4", "r3", "r2"]
    rest = client.get(
        "/api/v1/audit",
        headers=auditor,
        params={"action": "retention.run", "limit": 3, "cursor": first["next_cursor"]},
    ).json()
    assert [e["target"] for e in rest["entries"]] == ["r1", "r0"]
    assert rest["next_cursor"] is None
    assert client.get("/api/v1/audit", params={"cursor": "x"}, headers=auditor).status_code == 422


def test_verify_route_reports_tampering(ctx: Context, client: TestClient) -> None:
    auditor = principal(ctx, "audrey", "auditor")  # creating the user already records an entry
    for i in range(3):
        record(ctx, actor="system:test", action="a", target=str(i), outcome="success")
    body = client.get("/api/v1/audit/verify", headers=auditor).json()
    assert body["intact"] is True
    assert body["head_seq"] >= 3
    doc = dict(ctx.es.get(index=ctx.names.audit, id="2")["_source"])
    doc["outcome"] = "failure"
    ctx.es.index(index=ctx.names.audit, id="2", document=doc, refresh=True)
    body = client.get("/api/v1/audit/verify", headers=auditor).json()
    assert body["intact"] is False
    assert (body["first_broken_seq"], body["reason"]) == (2, "altered")


def test_public_key_from_the_api_verifies_the_chain(ctx: Context, client: TestClient) -> None:
    auditor = principal(ctx, "audrey", "auditor")
    record(ctx, actor="system:test", action="a", target=None, outcome="success")
    key = client.get("/api/v1/audit/public-key", headers=auditor).json()
    assert key["algorithm"] == "Ed25519"
    assert key["pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert verify(ctx, public_key=key["pem"]).intact


def test_state_changing_requests_are_recorded_with_caller_route_and_status(
    ctx: Context, client: TestClient
) -> None:
    auditor = principal(ctx, "audrey", "auditor")
    client.get("/api/v1/audit", headers=auditor)  # a read: not recorded
    resp = client.post("/api/v1/auth/logout", headers=auditor)
    denied = client.post(
        "/api/v1/auth/login", json={"username": "mallory", "password": "guess", "totp": "000000"}
    )
    missing = client.delete("/api/v1/no-such-thing")

    entries = _entries(ctx)
    http = [e for e in entries if e.details.get("status") is not None]
    assert [e.details["method"] for e in http] == ["POST"]
    [logout] = http
    assert logout.actor.name == "audrey"
    assert logout.actor.roles == ["auditor"]
    assert logout.action == "POST /api/v1/auth/logout"
    assert logout.details["status"] == resp.status_code
    assert logout.actor.address == "testclient"
    # Anonymous callers' refusals (the failed login, the unknown route) are summarised per
    # address: the first of the window at once, the rest with their count when it ends.
    [window] = [e for e in entries if e.action == "api.anonymous_refused"]
    assert (window.actor.kind, window.actor.address) == ("anonymous", "testclient")
    assert (window.outcome, window.details["count"]) == ("denied", 1)
    assert window.details["by_request"] == {f"POST /api/v1/auth/login {denied.status_code}": 1}
    assert missing.status_code == 404
    # The login records its failure itself, with the name claimed.
    [failure] = [e for e in entries if e.action == "auth.login"]
    assert (failure.target, failure.outcome) == ("mallory", "failure")
    assert not any(e.action.startswith("GET ") for e in entries)
    assert verify(ctx).intact


def test_unrecordable_request_is_logged_and_counted(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    down = build_context(
        settings.model_copy(update={"es_url": "http://127.0.0.1:9"}), apply_templates=False
    )
    before = audit_metrics().write_failures._value.get()
    who = Principal(id="user:eve", kind="user", name="eve", roles=frozenset({Role.admin}))
    with caplog.at_level(logging.WARNING, logger="secops.audit"):
        ok = audit_request(
            down,
            principal=who,
            method="DELETE",
            route="/api/v1/users/{u}",
            path="/api/v1/users/bob",
            status=200,
            address="10.1.1.1",
            backoff=0.001,
        )
    down.close()
    assert ok is False
    assert audit_metrics().write_failures._value.get() == before + 1
    scraped = process_metrics().render().decode()
    assert f"secops_audit_write_failures_total {before + 1}" in scraped
    critical = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(critical) == 1
    assert "user:eve" in critical[0].getMessage()
    assert "/api/v1/users/bob" in critical[0].getMessage()


def test_a_break_reason_is_reported_by_name(ctx: Context) -> None:
    record(ctx, actor="system:test", action="a", target=None, outcome="success")
    ctx.es.delete(index=ctx.names.audit, id="1", refresh=True)
    record(ctx, actor="system:test", action="b", target=None, outcome="success")
    assert verify(ctx).reason == BreakReason.missing


def test_route_template_carries_the_prefix_and_keeps_parameters(
    ctx: Context, client: TestClient
) -> None:
    admin = principal(ctx, "adam", "admin")
    client.post("/api/v1/users/nobody/disable", headers=admin)
    [entry] = [e for e in _entries(ctx) if e.details.get("method") == "POST"]
    assert entry.details["route"] == "/api/v1/users/{username}/disable"
    assert entry.action == "POST /api/v1/users/{username}/disable"
    assert entry.target == "/api/v1/users/nobody/disable"
