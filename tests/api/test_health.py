"""The health route reports the real cluster's status and version to authenticated callers."""

from __future__ import annotations

from auth.support import principal
from fastapi.testclient import TestClient

from api.app import create_app
from secops.context import Context, build_context
from secops.settings import Settings


def test_health_reports_elasticsearch_status_and_version(ctx: Context, client: TestClient) -> None:
    resp = client.get("/api/v1/health", headers=principal(ctx, "otto", "auditor"))
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok"
    assert body["elasticsearch"]["status"] in ("green", "yellow")
    assert str(body["elasticsearch"]["version"]).startswith("9.")


def test_health_is_503_when_elasticsearch_is_unreachable(settings: Settings) -> None:
    down = settings.model_copy(update={"es_url": "http://127.0.0.1:9"})
    ctx = build_context(down, apply_templates=False)
    with TestClient(create_app(down, context=ctx)) as client:
        resp = client.get("/api/v1/health")
    ctx.close()
    assert resp.status_code == 503
    assert resp.json() == {"status": "degraded"}
