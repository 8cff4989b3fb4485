"""/api/v1/archive: auditors and administrators read the archive, administrators restore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auth.support import principal
from fastapi.testclient import TestClient

from secops.archive.service import run_retention
from secops.audit import list_entries
from secops.context import Context


def _archive_one(ctx: Context) -> None:
    stream = ctx.names.events_stream("linux.sshd")
    ts = (datetime.now(UTC) - timedelta(days=420)).isoformat()
    ctx.es.create(index=stream, id="old", document={"@timestamp": ts, "message": "old"})
    ctx.es.indices.refresh(index=stream)
    run_retention(ctx, rollover_after_hours=0)


def test_the_archive_is_read_by_auditors_and_restored_by_admins(
    ctx: Context, client: TestClient, archive_repository: str
) -> None:
    _archive_one(ctx)
    assert client.get("/api/v1/archive").status_code == 401
    operator = principal(ctx, "oscar", "soc_operator")
    assert client.get("/api/v1/archive", headers=operator).status_code == 403
    auditor = principal(ctx, "audrey", "auditor")
    state = client.get("/api/v1/archive", headers=auditor)
    assert state.status_code == 200
    body = state.json()
    assert body["repository"] == archive_repository
    assert body["repository_type"] == "fs"
    [snap] = body["snapshots"]
    assert snap["events"] == 1
    assert snap["restored_as"] is None

    path = f"/api/v1/archive/{snap['snapshot']}/restore"
    assert client.post(path, headers=auditor).status_code == 403
    admin = principal(ctx, "adam", "admin")
    restored = client.post(path, headers=admin)
    assert restored.status_code == 201, restored.text
    assert restored.json()["events"] == 1
    again = client.post(path, headers=admin)
    assert again.status_code == 409
    assert "searchable already" in again.json()["detail"]
    missing = client.post("/api/v1/archive/secops-none-x/restore", headers=admin)
    assert missing.status_code == 404
    ctx.es.indices.refresh(index=ctx.names.audit)
    outcomes = [e.outcome for e in list_entries(ctx, action="archive.restore").entries]
    assert outcomes == ["failure", "failure", "success"]
    listed = client.get("/api/v1/archive", headers=auditor).json()["snapshots"]
    assert listed[0]["restored_as"] == restored.json()["index"]


def test_the_archive_routes_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/archive"]
    restore = paths["/api/v1/archive/{snapshot}/restore"]["post"]
    assert {"201", "404", "409"} <= set(restore["responses"])
