"""Auditors' pages: compliance, reports (generate, download, verify an upload), the
audit trail (browse, filter, verify); rules, suppressions and sources for operators;
administration for administrators only."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from secops.context import Context

from .people import csrf_of, enrolled, log_in


def test_generate_download_and_verify_a_report(ctx: Context, client: TestClient) -> None:
    log_in(client, enrolled(ctx, "audrey", "auditor"))
    made = client.post("/reports", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert made.status_code == 303
    report_id = made.headers["location"].split("#")[1]
    listed = client.get("/reports")
    assert f'id="{report_id}"' in listed.text
    download = client.get(f"/reports/{report_id}/download?format=json")
    assert download.headers["content-disposition"] == f'attachment; filename="{report_id}.json"'
    document = download.json()
    upload = {"document": ("r.json", json.dumps(document).encode(), "application/json")}
    intact = client.post("/reports/verify", data={"csrf": csrf_of(client)}, files=upload)
    assert 'id="verify-result"' in intact.text
    assert "secret" in re.search(r'class="panel ([^"]+)" id="verify-result"', intact.text)[1]  # type: ignore[index]
    document["status"] = "pass" if document["status"] != "pass" else "fail"
    forged = {"document": ("r.json", json.dumps(document).encode(), "application/json")}
    broken = client.post("/reports/verify", data={"csrf": csrf_of(client)}, files=forged)
    assert "conflict" in re.search(r'class="panel ([^"]+)" id="verify-result"', broken.text)[1]  # type: ignore[index]
    junk = {"document": ("r.json", b"not json", "application/json")}
    refused = client.post("/reports/verify", data={"csrf": csrf_of(client)}, files=junk)
    assert refused.status_code == 422
    assert "the file is not a report" in refused.text


def test_audit_trail_browse_filter_and_verify(ctx: Context, client: TestClient) -> None:
    log_in(client, enrolled(ctx, "audrey", "auditor"))
    trail = client.get("/audit", params={"action": "auth.login"})
    assert trail.status_code == 200
    assert "auth.login" in trail.text
    verified = client.post("/audit/verify", data={"csrf": csrf_of(client)})
    assert 'id="verify-result"' in verified.text
    assert "secret" in re.search(r'class="panel ([^"]+)" id="verify-result"', verified.text)[1]  # type: ignore[index]
    assert client.get("/compliance").status_code == 200


def test_rules_suppressions_and_sources(ctx: Context, client: TestClient) -> None:
    log_in(client, enrolled(ctx, "oscar", "soc_operator"))
    rules = client.get("/rules")
    assert rules.status_code == 200
    first = re.search(r'<td><a href="/rules/([^"]+)"', rules.text)[1]  # type: ignore[index]
    detail = client.get(f"/rules/{first}")
    assert "detection:" in detail.text  # the YAML
    bad = client.post("/rules/validate", data={"csrf": csrf_of(client), "draft": "title: x\n"})
    assert 'id="validation"' in bad.text
    assert client.get("/suppressions").status_code == 200
    assert client.get("/sources").status_code == 200


def test_an_operator_cannot_reach_administration(ctx: Context, client: TestClient) -> None:
    log_in(client, enrolled(ctx, "oscar", "soc_operator"))
    assert client.get("/admin").status_code == 403
    assert 'href="/admin"' not in client.get("/").text
    refused = client.post("/admin/apikeys", data={"csrf": csrf_of(client), "name": "x"})
    assert refused.status_code == 403


def test_an_administrator_creates_a_key_after_a_fresh_code(
    ctx: Context, client: TestClient
) -> None:
    ann = enrolled(ctx, "ann", "admin")
    log_in(client, ann)  # the login's code is fresh
    made = client.post(
        "/admin/apikeys",
        data={"csrf": csrf_of(client), "name": "dms", "roles": ["ingest"], "expires_in_days": "30"},
    )
    assert made.status_code == 200
    secret = re.search(r'<code id="secret" dir="ltr">([^<]+)</code>', made.text)[1]  # type: ignore[index]
    ingest = client.post("/api/v1/ingest", headers={"X-API-Key": secret}, json={"message": "hi"})
    assert ingest.status_code not in (401, 403)


def test_administration_of_users_and_keys(ctx: Context, client: TestClient) -> None:
    from secops.auth import apikeys, users

    log_in(client, enrolled(ctx, "ann", "admin"))
    csrf = csrf_of(client)
    made = client.post(
        "/admin/users",
        data={"csrf": csrf, "username": "vera", "display_name": "Vera", "roles": ["auditor"]},
    )
    assert made.status_code == 200
    assert re.search(r'<code id="secret" dir="ltr">[^<]{12,}</code>', made.text)
    client.post("/admin/users/vera/roles", data={"csrf": csrf, "roles": ["soc_operator"]})
    found = users.get_user(ctx, "vera")
    assert found is not None
    assert found[0].roles == ["soc_operator"]
    enrolled_before = enrolled(ctx, "walt", "auditor")
    client.post(f"/admin/users/{enrolled_before.username}/reset_mfa", data={"csrf": csrf})
    walt = users.get_user(ctx, "walt")
    assert walt is not None
    assert not walt[0].mfa_confirmed
    key = apikeys.create(ctx, name="dms", roles=["ingest"], actor="system:test")
    rotated = client.post(f"/admin/apikeys/{key.apikey.id}/rotate", data={"csrf": csrf})
    assert 'id="secret"' in rotated.text
    client.post(f"/admin/apikeys/{key.apikey.id}/revoke", data={"csrf": csrf})
    assert [k.revoked_at is not None for k in apikeys.list_keys(ctx)] == [True]
    unknown = client.post("/admin/users/vera/promote", data={"csrf": csrf})
    assert unknown.status_code == 422
