"""A downloaded rendering, opened in a browser, may run no script and load nothing."""

from __future__ import annotations

from auth.support import principal
from fastapi.testclient import TestClient
from stored_report import store_report

from secops.context import Context


def test_renderings_are_served_with_a_policy_that_confines_them(
    ctx: Context, client: TestClient
) -> None:
    rid = store_report(ctx)["report_id"]
    auditor = principal(ctx, "audrey", "auditor")
    for kind in ("html", "pdf"):
        got = client.get(
            f"/api/v1/compliance/reports/{rid}/rendering?format={kind}&lang=en", headers=auditor
        )
        assert got.status_code == 200
        policy = got.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "script-src" not in policy  # no exception for scripts
        assert got.headers["x-content-type-options"] == "nosniff"
