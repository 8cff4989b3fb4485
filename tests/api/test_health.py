"""The health route reports the real cluster's status and version."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from secops.settings import Settings


def test_health_reports_elasticsearch_status_and_version(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        resp = client.get("/api/v1/health")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok"
    assert body["elasticsearch"]["status"] in ("green", "yellow")
    assert str(body["elasticsearch"]["version"]).startswith("9.")


def test_health_is_503_when_elasticsearch_is_unreachable(settings: Settings) -> None:
    down = settings.model_copy(update={"es_url": "http://127.0.0.1:9"})
    from secops.context import build_context

    ctx = build_context(down, apply_templates=False)
    with TestClient(create_app(down, context=ctx)) as client:
        resp = client.get("/api/v1/health")
    ctx.close()
    assert resp.status_code == 503
    assert resp.json()["elasticsearch"]["status"] == "unreachable"
