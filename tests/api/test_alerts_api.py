"""The alert, suppression and notification routes with real sessions and the real store."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, datetime, timedelta

import orjson
from auth.support import principal
from fastapi.testclient import TestClient

from secops.alerts.service import write_alerts
from secops.context import Context
from secops.detect.models import RuleMatch, RuleMeta

SSH_RULE = RuleMeta(
    id="0d8b4c1e-7a1f-4f0e-9d57-3b3c3e1b2a01",
    title="SSH failed login",
    level="medium",
    tags=("attack.credential-access", "attack.t1110"),
    logsource={"product": "linux", "service": "sshd"},
)


def ssh_match(
    n: int, *, rule: RuleMeta = SSH_RULE, host: str = "LabSZ", source: str = "183.62.140.253"
) -> RuleMatch:
    event = {
        "@timestamp": "2025-03-01T10:00:00Z",
        "host": {"name": host},
        "user": {"name": "root"},
        "source": {"ip": source},
        "message": f"Failed password for root from {source}",
    }
    return RuleMatch(rule=rule, event=event, event_id=f"ev-{n}")


def _seed(ctx: Context, n: int, **kw: object) -> list[str]:
    matches = [ssh_match(i, host=f"h{i:03d}", source=f"10.{i % 2}.0.{i % 250}") for i in range(n)]
    ids = write_alerts(ctx, matches, **kw).created  # type: ignore[arg-type]
    ctx.es.indices.refresh(index=ctx.names.alerts)
    return ids


def test_roles_read_write_and_admin(ctx: Context, client: TestClient) -> None:
    [alert_id] = _seed(ctx, 1)
    auditor = principal(ctx, "audrey", "auditor")
    operator = principal(ctx, "oscar", "soc_operator")
    assert client.get("/api/v1/alerts").status_code == 401
    assert client.get("/api/v1/alerts", headers=auditor).status_code == 200
    etag = client.get(f"/api/v1/alerts/{alert_id}", headers=auditor).headers["ETag"]
    patch = {"assignee": "audrey"}
    denied = client.patch(
        f"/api/v1/alerts/{alert_id}", json=patch, headers={**auditor, "If-Match": etag}
    )
    assert denied.status_code == 403
    assert (
        client.patch(
            f"/api/v1/alerts/{alert_id}", json=patch, headers={**operator, "If-Match": etag}
        ).status_code
        == 200
    )
    assert client.get("/api/v1/notifications/status", headers=operator).status_code == 403
    admin = principal(ctx, "adam", "admin")
    assert client.get("/api/v1/notifications/status", headers=admin).json() == []


def test_cursor_pagination_has_no_duplicates_or_gaps(ctx: Context, client: TestClient) -> None:
    ids = _seed(ctx, 260)
    headers = principal(ctx, "oscar", "soc_operator")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"size": 37, "sort": "first_seen", "order": "asc"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/alerts", params=params, headers=headers).json()
        assert page["total"] == 260
        seen += [a["id"] for a in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 260
    assert set(seen) == set(ids)
    assert pages == 8
    bad = client.get("/api/v1/alerts", params={"cursor": "nonsense"}, headers=headers)
    assert bad.status_code == 422


def test_filters(ctx: Context, client: TestClient) -> None:
    _seed(ctx, 20)
    headers = principal(ctx, "oscar", "soc_operator")

    def ids(**params: object) -> int:
        resp = client.get("/api/v1/alerts", params={"size": 100, **params}, headers=headers)
        assert resp.status_code == 200, resp.text
        return int(resp.json()["total"])

    assert ids(source="10.1.0.0/16") == 10
    assert ids(source="10.0.0.4") == 1
    assert ids(host="h007") == 1
    assert ids(severity="medium", status="new") == 20
    assert ids(severity="high") == 0
    assert ids(rule_id=SSH_RULE.id, user="root") == 20
    assert ids(q="failed login") == 20
    assert ids(q="kerberos") == 0
    assert ids(since="2025-03-01T10:00:00Z", until="2025-03-01T10:00:01Z") == 20
    assert ids(since="2025-03-02T00:00:00Z") == 0
    assert (
        client.get("/api/v1/alerts", params={"source": "not-an-ip"}, headers=headers).status_code
        == 422
    )
    stats = client.get("/api/v1/alerts/stats", headers=headers).json()
    assert stats["total"] == 20
    assert stats["by_severity"] == [{"key": "medium", "count": 20}]
    assert stats["by_rule"] == [{"key": SSH_RULE.id, "count": 20}]
    assert stats["overdue"] == 0
    # created five hours ago and never acknowledged: past the medium SLA of 4 h
    write_alerts(ctx, [ssh_match(99, host="late")], now=datetime.now(UTC) - timedelta(hours=5))
    ctx.es.indices.refresh(index=ctx.names.alerts)
    assert ids(overdue="true", host="late") == 1
    assert ids(overdue="false") == 20
    assert client.get("/api/v1/alerts/stats", headers=headers).json()["overdue"] == 1


def test_patch_needs_current_version_and_reports_allowed_transitions(
    ctx: Context, client: TestClient
) -> None:
    [alert_id] = _seed(ctx, 1)
    headers = principal(ctx, "oscar", "soc_operator")
    url = f"/api/v1/alerts/{alert_id}"
    etag = client.get(url, headers=headers).headers["ETag"]
    missing = client.patch(url, json={"status": "acknowledged"}, headers=headers)
    assert missing.status_code == 422
    ok = client.patch(
        url,
        json={"status": "resolved", "resolution": "benign", "reason": "scan"},
        headers={**headers, "If-Match": etag},
    )
    assert ok.status_code == 200
    assert ok.headers["ETag"] != etag
    stale = client.patch(url, json={"assignee": "x"}, headers={**headers, "If-Match": etag})
    assert stale.status_code == 409
    assert "reload" in stale.json()["detail"]
    bad = client.patch(
        url, json={"status": "acknowledged"}, headers={**headers, "If-Match": ok.headers["ETag"]}
    )
    assert bad.status_code == 422
    assert "in_progress" in bad.json()["detail"]
    body = client.get(url, headers=headers).json()
    assert [h["field"] for h in body["history"]] == ["status", "resolution"]
    assert body["history"][0]["by"] == "oscar"


def test_concurrent_patches_one_wins_one_gets_409(ctx: Context, client: TestClient) -> None:
    [alert_id] = _seed(ctx, 1)
    headers = principal(ctx, "oscar", "soc_operator")
    url = f"/api/v1/alerts/{alert_id}"
    etag = client.get(url, headers=headers).headers["ETag"]
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def patch(who: str) -> None:
        barrier.wait()
        resp = client.patch(url, json={"assignee": who}, headers={**headers, "If-Match": etag})
        codes.append(resp.status_code)

    threads = [threading.Thread(target=patch, args=(w,)) for w in ("ann", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409]


def test_critical_false_positive_needs_fresh_totp(ctx: Context, client: TestClient) -> None:
    rule = SSH_RULE.model_copy(update={"level": "critical"})
    [alert_id] = write_alerts(ctx, [ssh_match(1, rule=rule)]).created
    url = f"/api/v1/alerts/{alert_id}"
    stale = principal(ctx, "oscar", "soc_operator", mfa_age=400)
    etag = client.get(url, headers=stale).headers["ETag"]
    fp = {"status": "resolved", "resolution": "false_positive"}
    refused = client.patch(url, json=fp, headers={**stale, "If-Match": etag})
    assert refused.status_code == 403
    assert "fresh TOTP" in refused.json()["detail"]
    fresh = principal(ctx, "fiona", "soc_operator")
    assert client.patch(url, json=fp, headers={**fresh, "If-Match": etag}).status_code == 200


def test_comments_bulk_and_alert_events(ctx: Context, client: TestClient) -> None:
    ids = _seed(ctx, 3)
    headers = principal(ctx, "oscar", "soc_operator")
    resp = client.post(
        f"/api/v1/alerts/{ids[0]}/comments", json={"text": "scanner"}, headers=headers
    )
    assert resp.status_code == 201
    assert resp.json()["comments"][0]["by"] == "oscar"
    bulk = client.post(
        "/api/v1/alerts/bulk",
        headers=headers,
        json={"ids": [*ids, "nope"], "change": {"status": "acknowledged"}},
    )
    assert bulk.status_code == 200
    result = bulk.json()
    assert (result["updated"], result["failed"]) == (3, 1)
    assert {i["id"]: i["status"] for i in result["items"]}["nope"] == 404
    assert client.get("/api/v1/alerts/nope", headers=headers).status_code == 404


def test_export_streams_csv_and_ndjson_with_step_up(ctx: Context, client: TestClient) -> None:
    ids = _seed(ctx, 120)
    stale = principal(ctx, "audrey", "auditor", mfa_age=400)
    assert client.get("/api/v1/alerts/export", headers=stale).status_code == 403
    headers = principal(ctx, "alice", "auditor")
    resp = client.get("/api/v1/alerts/export", params={"format": "csv"}, headers=headers)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert sorted(r["id"] for r in rows) == sorted(ids)
    assert rows[0]["rule.title"] == "SSH failed login"
    resp = client.get(
        "/api/v1/alerts/export",
        params={"format": "ndjson", "source": "10.1.0.0/16"},
        headers=headers,
    )
    lines = [orjson.loads(line) for line in resp.text.splitlines()]
    assert len(lines) == 60
    assert all(line["source"]["ip"].startswith("10.1.") for line in lines)
    # Each export is in the audit trail, with who asked for what.
    ctx.es.indices.refresh(index=ctx.names.audit)
    exports = ctx.es.search(
        index=ctx.names.audit, query={"term": {"action": "alert.export"}}, size=10
    )["hits"]["hits"]
    assert sorted(h["_source"]["details"]["format"] for h in exports) == ["csv", "ndjson"]
    assert {h["_source"]["actor"]["name"] for h in exports} == {"alice"}


def test_suppressions_crud_with_step_up(ctx: Context, client: TestClient) -> None:
    body = {
        "rule_id": SSH_RULE.id,
        "reason": "scanner",
        "conditions": [{"field": "source.ip", "op": "cidr", "value": "10.1.0.0/16"}],
    }
    stale = principal(ctx, "oscar", "soc_operator", mfa_age=400)
    assert client.post("/api/v1/suppressions", json=body, headers=stale).status_code == 403
    headers = principal(ctx, "olga", "soc_operator")
    bad = {**body, "conditions": [{"field": "source.ip", "op": "cidr", "value": "x"}]}
    assert client.post("/api/v1/suppressions", json=bad, headers=headers).status_code == 422
    created = client.post("/api/v1/suppressions", json=body, headers=headers)
    assert created.status_code == 201
    sid = created.json()["id"]
    assert len(_seed(ctx, 10)) == 5
    ctx.es.indices.refresh(index=ctx.names.index("suppressions"))
    listed = client.get("/api/v1/suppressions", headers=headers).json()
    assert [(s["id"], s["suppressed"], s["author"]) for s in listed] == [(sid, 5, "olga")]
    assert client.delete(f"/api/v1/suppressions/{sid}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/suppressions/{sid}", headers=headers).status_code == 404


def test_openapi_documents_bodies_examples_and_errors(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    patch = spec["paths"]["/api/v1/alerts/{alert_id}"]["patch"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(patch["responses"])
    schemas = spec["components"]["schemas"]
    assert schemas["AlertChange"]["examples"]
    assert schemas["SuppressionIn"]["examples"]
    assert "/api/v1/alerts/export" in spec["paths"]
