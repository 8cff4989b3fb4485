"""The compliance routes with real sessions: who may read, evaluate, sign and verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auth.support import principal
from fastapi.testclient import TestClient

from secops.context import Context


def test_roles_of_the_compliance_routes(ctx: Context, client: TestClient) -> None:
    soc = principal(ctx, "oscar", "soc_operator")
    auditor = principal(ctx, "audrey", "auditor")
    period = {"period_start": (datetime.now(UTC) - timedelta(days=7)).isoformat()}

    assert client.get("/api/v1/compliance/status").status_code == 401
    assert client.post("/api/v1/compliance/reports", json=period).status_code == 401
    assert client.post("/api/v1/compliance/reports", json=period, headers=soc).status_code == 403
    assert client.post("/api/v1/compliance/evaluate", headers=soc).status_code == 403
    assert client.get("/api/v1/compliance/reports", headers=soc).status_code == 403

    evaluated = client.post("/api/v1/compliance/evaluate", headers=auditor)
    assert evaluated.status_code == 200
    status = client.get("/api/v1/compliance/status", headers=soc)
    assert status.status_code == 200
    assert status.json()["run_id"] == evaluated.json()["run_id"]
    iam = {r["control_id"]: r for r in status.json()["results"]}["SEC-IAM-01"]
    assert iam["status"] == "fail"  # oscar and audrey have no MFA
    assert iam["evidence"]["without_mfa"] == ["audrey", "oscar"]

    history = client.get("/api/v1/compliance/controls/SEC-IAM-01", headers=auditor).json()
    assert history["control"]["check"] == "mfa_confirmed"
    assert len(history["results"]) == 1
    assert client.get("/api/v1/compliance/controls/NOPE-1", headers=auditor).status_code == 404

    created = client.post("/api/v1/compliance/reports", json=period, headers=auditor)
    assert created.status_code == 201
    report_id = created.json()["report_id"]
    listed = client.get("/api/v1/compliance/reports", headers=auditor).json()
    assert [r["report_id"] for r in listed] == [report_id]

    download = client.get(f"/api/v1/compliance/reports/{report_id}", headers=auditor)
    assert download.status_code == 200
    assert report_id in download.headers["content-disposition"]
    document = download.json()
    assert document["hash"] == created.json()["hash"]

    verified = client.post("/api/v1/compliance/reports/verify", json=document, headers=auditor)
    assert verified.json()["intact"] is True
    assert verified.json()["audit_seq"] is not None
    document["status"] = "pass"
    altered = client.post("/api/v1/compliance/reports/verify", json=document, headers=auditor)
    assert (altered.json()["intact"], altered.json()["reason"]) == (False, "altered")
    missing = client.get("/api/v1/compliance/reports/rpt-none", headers=auditor)
    assert missing.status_code == 404
