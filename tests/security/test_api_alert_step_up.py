"""Hiding a critical or confidential alert needs a fresh TOTP code, whatever it is
resolved as, alone or in a bulk change that contains it."""

from __future__ import annotations

import pytest
from auth.support import principal
from fastapi.testclient import TestClient

from secops.alerts.service import get_alert, write_alerts
from secops.context import Context
from secops.detect.models import RuleMatch, RuleMeta

RULE = RuleMeta(
    id="8c1f7f0e-5a4b-4c3d-9e2f-1a2b3c4d5e6f",
    title="Vote register read outside hours",
    level="medium",
    logsource={"product": "linux", "service": "sshd"},
)
RESOLUTIONS = ("true_positive", "false_positive", "benign", "duplicate")


def _alerts(ctx: Context, *rules: RuleMeta) -> list[str]:
    matches = [
        RuleMatch(
            rule=rule,
            event={"@timestamp": "2025-03-01T10:00:00Z", "host": {"name": f"h{n}"}},
            event_id=f"ev-{n}",
        )
        for n, rule in enumerate(rules)
    ]
    ids = write_alerts(ctx, matches).created
    ctx.es.indices.refresh(index=ctx.names.alerts)
    return ids


CRITICAL = RULE.model_copy(update={"level": "critical"})
CONFIDENTIAL = RULE.model_copy(update={"tags": ("secops.confidentiality",)})


@pytest.mark.parametrize("resolution", RESOLUTIONS)
def test_resolving_a_sensitive_alert_as_anything_needs_a_fresh_code(
    ctx: Context, client: TestClient, resolution: str
) -> None:
    stale = principal(
        ctx, "oscar", "soc_operator", mfa_age=ctx.settings.step_up_window_seconds + 60
    )
    fresh = principal(ctx, "fiona", "soc_operator")
    body = {"status": "resolved", "resolution": resolution}
    for alert_id in _alerts(ctx, CRITICAL, CONFIDENTIAL):
        url = f"/api/v1/alerts/{alert_id}"
        etag = client.get(url, headers=stale).headers["ETag"]
        refused = client.patch(url, json=body, headers={**stale, "If-Match": etag})
        assert refused.status_code == 403, refused.text
        assert "fresh TOTP" in refused.json()["detail"]
        assert get_alert(ctx, alert_id=alert_id).status == "new"
        done = client.patch(url, json=body, headers={**fresh, "If-Match": etag})
        assert done.status_code == 200, done.text


def test_an_ordinary_alert_resolves_without_a_step_up(ctx: Context, client: TestClient) -> None:
    stale = principal(
        ctx, "oscar", "soc_operator", mfa_age=ctx.settings.step_up_window_seconds + 60
    )
    [alert_id] = _alerts(ctx, RULE)
    url = f"/api/v1/alerts/{alert_id}"
    etag = client.get(url, headers=stale).headers["ETag"]
    body = {"status": "resolved", "resolution": "benign"}
    assert client.patch(url, json=body, headers={**stale, "If-Match": etag}).status_code == 200


def test_a_bulk_change_containing_one_needs_it_for_the_whole_request(
    ctx: Context, client: TestClient
) -> None:
    stale = principal(
        ctx, "oscar", "soc_operator", mfa_age=ctx.settings.step_up_window_seconds + 60
    )
    fresh = principal(ctx, "fiona", "soc_operator")
    ids = _alerts(ctx, RULE, RULE, CRITICAL)
    for body in (
        {"ids": ids, "change": {"status": "resolved", "resolution": "duplicate"}},
        {
            "filter": {"rule_id": [RULE.id]},
            "change": {"status": "resolved", "resolution": "benign"},
        },
    ):
        refused = client.post("/api/v1/alerts/bulk", json=body, headers=stale)
        assert refused.status_code == 403, refused.text
        assert "fresh TOTP" in refused.json()["detail"]
        # Refused as a whole: not even the ordinary alerts changed.
        assert {get_alert(ctx, alert_id=i).status for i in ids} == {"new"}
    # Other changes (acknowledging) need no step-up, in bulk either.
    ack = {"ids": ids, "change": {"status": "acknowledged"}}
    assert client.post("/api/v1/alerts/bulk", json=ack, headers=stale).json()["updated"] == 3
    done = client.post(
        "/api/v1/alerts/bulk",
        json={"ids": ids, "change": {"status": "resolved", "resolution": "true_positive"}},
        headers=fresh,
    )
    assert done.status_code == 200
    assert done.json()["updated"] == 3
