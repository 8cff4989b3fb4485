"""What anonymous callers and error answers tell: the status, not the software behind it.

Health gives anonymous callers the status only; versions, the cluster's name and error
texts go to authenticated callers. A refusal of the store (502) or a failure inside the
server (500) does not echo the store's message, which names indices and internals.
"""

from __future__ import annotations

from typing import Any

from auth.support import bearer, principal
from fastapi.testclient import TestClient

from api.app import create_app
from secops import __version__
from secops.auth import apikeys
from secops.context import Context
from secops.errors import StoreError


def test_health_tells_anonymous_callers_the_status_only(ctx: Context, client: TestClient) -> None:
    for headers in ({}, bearer("forged.token"), {"X-API-Key": "sk_0123456789abcdef_" + "x" * 43}):
        resp = client.get("/api/v1/health", headers=headers)
        assert resp.status_code == 200
        assert resp.json() == {"status": "ok"}
    cluster = ctx.es.cluster.health()["cluster_name"]
    assert cluster not in client.get("/api/v1/health").text


def test_health_tells_authenticated_callers_the_details(ctx: Context, client: TestClient) -> None:
    key = apikeys.create(ctx, name="monitor", roles=["ingest"], actor="system:test").key
    cluster = ctx.es.cluster.health()["cluster_name"]
    for headers in (principal(ctx, "ines", "auditor"), {"X-API-Key": key}):
        body = client.get("/api/v1/health", headers=headers).json()
        assert body["version"] == __version__
        assert body["elasticsearch"]["cluster_name"] == cluster
        assert str(body["elasticsearch"]["version"]).startswith("9.")


def test_store_refusals_do_not_echo_the_stores_message(ctx: Context) -> None:
    app = create_app(ctx.settings, context=ctx)

    @app.get("/api/v1/test/refused")
    def refused() -> Any:  # a query the real store refuses, as a route's bug would send
        return ctx.es.search(index=ctx.names.alerts, query={"no_such_query": {"field": 1}})

    @app.get("/api/v1/test/failed")
    def failed() -> Any:
        raise StoreError(f"alert not written: mapper_parsing_exception in {ctx.names.alerts}")

    with TestClient(app) as client:
        for path in ("/api/v1/test/refused", "/api/v1/test/failed"):
            resp = client.get(path)
            assert resp.status_code == 502
            assert resp.json() == {
                "error": resp.json()["error"],
                "detail": "the store refused the request",
            }
            for leak in ("no_such_query", "parsing_exception", ctx.names.alerts):
                assert leak not in resp.text
