"""The rules routes with real sessions and the real store: list, read, disable, validate, hunt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from auth.support import bearer, enrolled, login, person, session
from fastapi.testclient import TestClient
from rules_api_support import (
    BROKEN_RULE,
    GOOD_RULE,
    SSH_SEEN_ID,
    count_alerts,
    write_rule_dir,
)

from secops import audit
from secops.context import Context, build_context
from secops.normalize import normalize
from secops.records import RawRecord, Source
from secops.settings import Settings

CORRELATION_ID = "7991d1ce-d685-4bb6-aa1b-8570e2839816"  # rules/correlation/ssh_bruteforce.yml
BUILTIN_ID = "52fccf69-72d5-4801-9d53-21b66d1f15ae"  # rules/linux/account_or_group_created.yml


@pytest.fixture
def ctx(settings: Settings, tmp_path: Path) -> Iterator[Context]:
    rule_dir = write_rule_dir(tmp_path / "rules")
    context = build_context(settings.model_copy(update={"rule_dirs": [rule_dir]}))
    yield context  # the settings fixture drops the namespace
    context.close()


def test_list_shows_every_loaded_rule_and_the_load_errors(ctx: Context, client: TestClient) -> None:
    auditor = person(ctx, client, "audrey", "auditor")
    assert client.get("/api/v1/rules").status_code == 401
    page = client.get("/api/v1/rules", headers=auditor).json()
    by_id = {r["id"]: r for r in page["items"]}
    assert {SSH_SEEN_ID, BUILTIN_ID, CORRELATION_ID} <= set(by_id)
    ours = by_id[SSH_SEEN_ID]
    assert ours["kind"] == "detection"
    assert ours["enabled"] is True
    assert ours["state"] is None
    assert ours["level"] == "high"
    assert ours["logsource"] == {"product": "linux", "service": "sshd"}
    assert ours["path"].endswith("ssh_seen.yml")
    assert by_id[CORRELATION_ID]["kind"] == "correlation"
    # The broken files are reported with file and line, and keep nobody else from loading.
    errors = {Path(e["path"]).name: e for e in page["errors"]}
    assert set(errors) == {"broken_modifier.yml", "not_yaml.yml"}
    assert errors["broken_modifier.yml"]["line"] == 10
    assert "contians" in errors["broken_modifier.yml"]["reason"]
    assert errors["broken_modifier.yml"]["location"].endswith(
        f"broken_modifier.yml:10: {errors['broken_modifier.yml']['reason']}"
    )
    assert errors["not_yaml.yml"]["reason"].startswith("invalid YAML")


def test_filters_and_paging(ctx: Context, client: TestClient) -> None:
    operator = person(ctx, client, "oscar", "soc_operator")

    def ids(**params: object) -> list[str]:
        resp = client.get("/api/v1/rules", params=params, headers=operator)
        assert resp.status_code == 200, resp.text
        return [r["id"] for r in resp.json()["items"]]

    assert ids(tag="test.rules-api") == [SSH_SEEN_ID]
    assert ids(text="SSH FAILURE SEEN") == [SSH_SEEN_ID]
    correlations = ids(kind="correlation")
    assert CORRELATION_ID in correlations
    assert SSH_SEEN_ID not in correlations
    assert BUILTIN_ID not in correlations
    assert SSH_SEEN_ID in ids(level=["high", "critical"])
    assert SSH_SEEN_ID not in ids(level="low")
    assert ids(enabled=False) == []
    everything = ids(limit=500)
    pages = ids(limit=5) + ids(offset=5, limit=5) + ids(offset=10, limit=500)
    assert pages == everything
    total = client.get("/api/v1/rules", params={"limit": 1}, headers=operator).json()["total"]
    assert total == len(everything)
    bad = client.get("/api/v1/rules", params={"level": "severe"}, headers=operator)
    assert bad.status_code == 422


def test_one_rule_with_its_yaml(ctx: Context, client: TestClient) -> None:
    auditor = person(ctx, client, "audrey", "auditor")
    rule = client.get(f"/api/v1/rules/{SSH_SEEN_ID}", headers=auditor).json()
    assert rule["title"] == "Test SSH Failure Seen"
    assert rule["yaml"] == GOOD_RULE
    corr = client.get(f"/api/v1/rules/{CORRELATION_ID}", headers=auditor).json()
    assert "event_count" in corr["yaml"]
    missing = client.get("/api/v1/rules/no-such-rule", headers=auditor)
    assert missing.status_code == 404
    assert "no-such-rule" in missing.json()["detail"]


def test_disable_needs_a_fresh_totp_and_a_reason_and_is_audited(
    ctx: Context, client: TestClient
) -> None:
    acct = enrolled(ctx, "oscar", ["soc_operator"])
    stale = session(ctx, "oscar", mfa_age=600)
    url = f"/api/v1/rules/{SSH_SEEN_ID}/disable"
    body = {"reason": "floods the queue during the migration"}
    denied = client.post(url, json=body, headers=bearer(stale.access_token))
    assert denied.status_code == 403
    assert "recent TOTP code" in denied.json()["detail"]
    assert "/api/v1/auth/step-up" in denied.json()["detail"]
    # A step-up with the stale session gives a token that may disable.
    stepped = client.post(
        "/api/v1/auth/step-up", headers=bearer(stale.access_token), json={"code": acct.next_code()}
    )
    assert stepped.status_code == 200
    fresh = bearer(stepped.json()["access_token"])
    assert client.post(url, json={}, headers=fresh).status_code == 422
    assert client.post(url, json={"reason": "  "}, headers=fresh).status_code == 422
    done = client.post(url, json=body, headers=fresh)
    assert done.status_code == 200, done.text
    view = done.json()
    assert view["enabled"] is False
    assert (view["state"]["by"], view["state"]["reason"]) == ("oscar", body["reason"])
    listed = client.get("/api/v1/rules", params={"enabled": False}, headers=fresh).json()
    assert [r["id"] for r in listed["items"]] == [SSH_SEEN_ID]
    assert client.get(f"/api/v1/rules/{SSH_SEEN_ID}", headers=fresh).json()["enabled"] is False
    # An auditor reads but does not switch rules; enabling needs no step-up.
    auditor = person(ctx, client, "audrey", "auditor")
    enable = f"/api/v1/rules/{SSH_SEEN_ID}/enable"
    assert client.post(enable, json={}, headers=auditor).status_code == 403
    back = client.post(enable, headers=bearer(stale.access_token))
    assert back.status_code == 200, back.text
    assert back.json()["enabled"] is True
    assert back.json()["state"]["reason"] is None
    unknown = client.post("/api/v1/rules/no-such-rule/disable", json=body, headers=fresh)
    assert unknown.status_code == 404

    ctx.es.indices.refresh(index=ctx.names.audit)
    entries = audit.list_entries(ctx, action="rule.disable").entries
    assert len(entries) == 1
    (entry,) = entries
    assert entry.target == f"rule:{SSH_SEEN_ID}"
    assert entry.outcome == "success"
    assert entry.actor.name == "oscar"
    assert entry.details["reason"] == body["reason"]
    [enabled] = audit.list_entries(ctx, action="rule.enable").entries
    assert enabled.target == f"rule:{SSH_SEEN_ID}"
    assert enabled.details["was_enabled"] is False


def test_validate_reports_lines_and_stores_nothing(ctx: Context, client: TestClient) -> None:
    operator = person(ctx, client, "oscar", "soc_operator")
    before = client.get("/api/v1/rules", headers=operator).json()["total"]
    yaml_body = {"Content-Type": "application/yaml", **operator}
    good = client.post("/api/v1/rules/validate", content=GOOD_RULE, headers=yaml_body)
    assert good.status_code == 200, good.text
    assert good.json()["ok"] is True
    assert good.json()["loaded"] == 1
    bad = client.post("/api/v1/rules/validate", content=BROKEN_RULE, headers=yaml_body)
    report = bad.json()
    assert report["ok"] is False
    assert report["rejected"] == 1
    [error] = report["errors"]
    assert error["line"] == 10
    assert error["location"].startswith("body:10: ")
    not_yaml = client.post("/api/v1/rules/validate", content="a: [b\n", headers=yaml_body).json()
    assert not_yaml["errors"][0]["reason"].startswith("invalid YAML")
    empty = client.post("/api/v1/rules/validate", content="", headers=yaml_body)
    assert empty.status_code == 422
    auditor = person(ctx, client, "audrey", "auditor")
    assert (
        client.post(
            "/api/v1/rules/validate",
            content=GOOD_RULE,
            headers={"Content-Type": "application/yaml", **auditor},
        ).status_code
        == 403
    )
    assert client.get("/api/v1/rules", headers=operator).json()["total"] == before


def test_hunt_runs_the_rules_asked_for(ctx: Context, client: TestClient) -> None:
    now = datetime.now(UTC)
    for i in range(3):
        stamp = (now - timedelta(minutes=30 - i)).strftime("%b %e %H:%M:%S")
        rec = RawRecord(
            source=Source(input="cli"),
            received_at=now.timestamp(),
            message=f"{stamp} bastion sshd[{700 + i}]: Failed password for root "
            f"from 198.51.100.23 port {41000 + i} ssh2",
            origin=f"t:{i}",
        )
        event = normalize(rec)
        ctx.es.create(
            index=ctx.names.events_stream(event["event"]["dataset"]),
            id=rec.record_id(),
            document=event,
        )
    ctx.es.indices.refresh(index=ctx.names.events_pattern)
    operator = person(ctx, client, "oscar", "soc_operator")
    resp = client.post(
        "/api/v1/rules/hunt", json={"rule_ids": [SSH_SEEN_ID], "since": "1d"}, headers=operator
    )
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert (report["rules"], report["correlations"], report["events"]) == (1, 0, 3)
    assert report["matches"] == 3
    assert report["alerts_created"] >= 1
    assert count_alerts(ctx, SSH_SEEN_ID) == report["alerts_created"]
    # A correlation brings its base rule along; three failures do not reach its threshold.
    corr = client.post(
        "/api/v1/rules/hunt", json={"rule_ids": [CORRELATION_ID], "since": "1d"}, headers=operator
    ).json()
    assert (corr["rules"], corr["correlations"], corr["matches"]) == (1, 1, 3)
    assert corr["alerts_created"] == 0
    missing = client.post(
        "/api/v1/rules/hunt", json={"rule_ids": ["nope"], "since": "1d"}, headers=operator
    )
    assert missing.status_code == 404
    bad_since = client.post(
        "/api/v1/rules/hunt",
        json={"rule_ids": [SSH_SEEN_ID], "since": "yesterday"},
        headers=operator,
    )
    assert bad_since.status_code == 422
    auditor = person(ctx, client, "audrey", "auditor")
    denied = client.post(
        "/api/v1/rules/hunt", json={"rule_ids": [SSH_SEEN_ID], "since": "1d"}, headers=auditor
    )
    assert denied.status_code == 403


def test_login_gives_a_fresh_proof(ctx: Context, client: TestClient) -> None:
    """A login with a TOTP code counts as a step-up for the next minutes."""
    headers = bearer(login(client, enrolled(ctx, "adam", ["admin"]))["access_token"])
    resp = client.post(
        f"/api/v1/rules/{BUILTIN_ID}/disable",
        json={"reason": "noisy on build hosts"},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
