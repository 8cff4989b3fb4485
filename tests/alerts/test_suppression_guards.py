"""Suppressions that could never apply, or that would silence everything, are refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from secops.alerts.service import write_alerts
from secops.alerts.suppressions import SuppressionIn, create_suppression
from secops.auth import sessions, users
from secops.context import Context
from secops.errors import InvalidInputError

from .factories import SSH_RULE, ssh_match

URL = "/api/v1/suppressions"
CIDR = [{"field": "source.ip", "op": "cidr", "value": "10.20.0.0/16"}]


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    with TestClient(create_app(ctx.settings, context=ctx)) as c:
        yield c


@pytest.fixture
def headers(ctx: Context) -> dict[str, str]:
    user, _ = users.create_user(
        ctx, username="olga", display_name="Olga", roles=["soc_operator"], actor="system:test"
    )
    pair = sessions.start(ctx, user=user, address="127.0.0.1", now=datetime.now(UTC))
    return {"Authorization": f"Bearer {pair.access_token}"}


def _messages(body: dict[str, Any]) -> str:
    detail = body["detail"]
    return detail if isinstance(detail, str) else " ".join(e["msg"] for e in detail)


@pytest.mark.parametrize(
    "expires_at", [0, "1970-01-01T00:00:00Z", "2020-01-01T00:00:00", "2024-12-31T23:59:59+02:00"]
)
def test_an_expiry_in_the_past_is_refused(
    ctx: Context, client: TestClient, headers: dict[str, str], expires_at: object
) -> None:
    body = {"rule_id": SSH_RULE.id, "conditions": CIDR, "reason": "scanner"}
    resp = client.post(URL, json={**body, "expires_at": expires_at}, headers=headers)
    assert resp.status_code == 422, resp.text
    assert "is not in the future" in resp.json()["detail"]
    assert "would never apply" in resp.json()["detail"]
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert client.post(URL, json={**body, "expires_at": later}, headers=headers).status_code == 201


def test_service_refuses_an_expiry_at_or_before_now(ctx: Context) -> None:
    now = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    spec = SuppressionIn(rule_id=SSH_RULE.id, reason="maintenance", expires_at=now)
    with pytest.raises(InvalidInputError, match="not in the future"):
        create_suppression(ctx, spec=spec, author="ann", now=now)


def test_silencing_every_alert_needs_all_alerts(
    ctx: Context, client: TestClient, headers: dict[str, str]
) -> None:
    for body in ({"reason": "noise"}, {"reason": "noise", "conditions": []}):
        resp = client.post(URL, json=body, headers=headers)
        assert resp.status_code == 422, resp.text
        assert "silences every alert" in _messages(resp.json())
        assert "all_alerts: true" in _messages(resp.json())
    contradictory = {"reason": "noise", "conditions": CIDR, "all_alerts": True}
    resp = client.post(URL, json=contradictory, headers=headers)
    assert resp.status_code == 422
    assert "cannot have rule_id or conditions" in _messages(resp.json())
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    confirmed = {"reason": "planned outage of the SIEM feed", "all_alerts": True}
    created = client.post(URL, json={**confirmed, "expires_at": later}, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["all_alerts"] is True
    assert write_alerts(ctx, [ssh_match(1)]).suppressed == 1


def test_a_rule_without_conditions_is_silenced_alone(
    ctx: Context, client: TestClient, headers: dict[str, str]
) -> None:
    body = {"rule_id": SSH_RULE.id, "reason": "rule under repair"}
    assert client.post(URL, json=body, headers=headers).status_code == 201
    other = SSH_RULE.model_copy(update={"id": "another-rule"})
    report = write_alerts(ctx, [ssh_match(1), ssh_match(2, rule=other)])
    assert report.suppressed == 1
    assert len(report.created) == 1
