"""The alert list puts what matters first: open alerts by severity, then newest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from secops.alerts.models import AlertChange, Status
from secops.alerts.service import get_alert, write_alerts
from secops.alerts.triage import update_alert
from secops.auth import sessions, users
from secops.context import Context

from .conftest import refresh
from .factories import SSH_RULE, ssh_match

NOW = datetime(2025, 3, 1, 11, 0, tzinfo=UTC)
# (name, level, last_seen, status)
SEEDED = [
    ("medium-new", "medium", "10:00", "new"),
    ("critical-resolved", "critical", "10:30", "resolved"),
    ("critical-new", "critical", "10:01", "new"),
    ("high-acknowledged", "high", "10:20", "acknowledged"),
    ("low-new", "low", "10:40", "new"),
    ("high-new", "high", "10:10", "new"),
    ("informational-in-progress", "informational", "10:50", "in_progress"),
]
PRIORITY = [
    "critical-new",
    "high-acknowledged",
    "high-new",
    "medium-new",
    "low-new",
    "informational-in-progress",
    "critical-resolved",
]


@pytest.fixture
def seeded(ctx: Context) -> dict[str, str]:
    """Alert id -> name, one alert per row of SEEDED, in the status it names."""
    names = {}
    for n, (name, level, hhmm, status) in enumerate(SEEDED):
        rule = SSH_RULE.model_copy(update={"id": name, "title": name, "level": level})
        (alert_id,) = write_alerts(
            ctx, [ssh_match(n, rule=rule, ts=f"2025-03-01T{hhmm}:00Z")], now=NOW
        ).created
        if status != "new":
            extra = {"resolution": "true_positive"} if status == "resolved" else {}
            update_alert(
                ctx,
                alert_id=alert_id,
                change=AlertChange(status=Status(status), **extra),  # type: ignore[arg-type]
                version=get_alert(ctx, alert_id=alert_id).version,
                by="ann",
                mfa_verified_at=datetime.now(UTC),  # resolving a critical one needs a step-up
            )
        names[alert_id] = name
    refresh(ctx)
    return names


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    with TestClient(create_app(ctx.settings, context=ctx)) as c:
        yield c


@pytest.fixture
def headers(ctx: Context) -> dict[str, str]:
    user, _ = users.create_user(
        ctx, username="night", display_name="Night shift", roles=["soc_operator"], actor="t"
    )
    pair = sessions.start(ctx, user=user, address="127.0.0.1", now=datetime.now(UTC))
    return {"Authorization": f"Bearer {pair.access_token}"}


def _names(resp_items: list[dict[str, object]], seeded: dict[str, str]) -> list[str]:
    return [seeded[str(item["id"])] for item in resp_items]


def test_default_order_is_open_then_severity_then_newest(
    seeded: dict[str, str], client: TestClient, headers: dict[str, str]
) -> None:
    resp = client.get("/api/v1/alerts", headers=headers)
    assert resp.status_code == 200, resp.text
    assert _names(resp.json()["items"], seeded) == PRIORITY


def test_default_order_pages_with_cursors(
    seeded: dict[str, str], client: TestClient, headers: dict[str, str]
) -> None:
    seen: list[str] = []
    params: dict[str, object] = {"size": 2}
    while True:
        page = client.get("/api/v1/alerts", params=params, headers=headers).json()
        seen += _names(page["items"], seeded)
        if page["next_cursor"] is None:
            break
        params = {"size": 2, "cursor": page["next_cursor"]}
    assert seen == PRIORITY
    reversed_page = client.get("/api/v1/alerts", params={"order": "asc"}, headers=headers)
    assert _names(reversed_page.json()["items"], seeded) == PRIORITY[::-1]


def test_explicit_sort_still_orders_by_that_field(
    seeded: dict[str, str], client: TestClient, headers: dict[str, str]
) -> None:
    newest = client.get("/api/v1/alerts", params={"sort": "last_seen"}, headers=headers).json()
    by_time = sorted(SEEDED, key=lambda row: row[2], reverse=True)
    assert _names(newest["items"], seeded) == [row[0] for row in by_time]
    cursor = client.get(
        "/api/v1/alerts", params={"size": 1, "sort": "last_seen"}, headers=headers
    ).json()["next_cursor"]
    mixed = client.get("/api/v1/alerts", params={"cursor": cursor}, headers=headers)
    assert mixed.status_code == 422
    assert "another sort order" in mixed.json()["detail"]


def test_openapi_describes_the_default_order(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    listing = spec["paths"]["/api/v1/alerts"]["get"]
    assert "open alerts" in listing["description"]
    sort = next(p for p in listing["parameters"] if p["name"] == "sort")
    assert sort["schema"]["default"] == "priority"
