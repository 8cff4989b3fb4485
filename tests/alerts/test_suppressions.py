"""Suppressions stop matching alerts, count what they stopped, and expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from secops.alerts.service import write_alerts
from secops.alerts.suppressions import (
    Condition,
    SuppressionIn,
    SuppressionUpdate,
    create_suppression,
    get_suppression,
    list_suppressions,
    update_suppression,
)
from secops.context import Context

from .conftest import refresh
from .factories import SSH_RULE, ssh_match


def _suppress(
    ctx: Context, *conds: Condition, rule_id: str | None = None, expires: datetime | None = None
) -> str:
    spec = SuppressionIn(
        rule_id=rule_id, conditions=list(conds), reason="scanner", expires_at=expires
    )
    return create_suppression(ctx, spec=spec, author="ann").id


def test_cidr_suppression_stops_alerts_and_counts(ctx: Context) -> None:
    sid = _suppress(
        ctx, Condition(field="source.ip", op="cidr", value="10.20.0.0/16"), rule_id=SSH_RULE.id
    )
    report = write_alerts(ctx, [ssh_match(n, source=f"10.20.1.{n}") for n in range(3)])
    assert report.created == []
    assert report.suppressed == 3
    kept = write_alerts(ctx, [ssh_match(9, source="10.21.0.1")])
    assert len(kept.created) == 1
    refresh(ctx)
    assert ctx.es.count(index=ctx.names.alerts)["count"] == 1
    listed = {s.id: s for s in list_suppressions(ctx)}
    assert listed[sid].suppressed == 3
    assert listed[sid].last_suppressed_at is not None


def test_scope_and_all_conditions(ctx: Context) -> None:
    _suppress(
        ctx,
        Condition(field="user.name", op="in", value=["backup", "nagios"]),
        Condition(field="host.name", value="LabSZ"),
        rule_id="another-rule",
    )
    everywhere = _suppress(
        ctx,
        Condition(field="user.name", value="nagios"),
        Condition(field="event.outcome", value="failure"),
    )
    assert len(write_alerts(ctx, [ssh_match(1, user="backup")]).created) == 1
    assert write_alerts(ctx, [ssh_match(2, user="nagios")]).suppressed == 1
    assert get_suppression(ctx, suppression_id=everywhere).suppressed == 1


def test_expired_suppression_no_longer_applies(ctx: Context) -> None:
    sid = _suppress(ctx, Condition(field="host.name", value="LabSZ"))
    ended = SuppressionUpdate(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    update_suppression(ctx, suppression_id=sid, change=ended)
    assert len(write_alerts(ctx, [ssh_match(1)]).created) == 1
    assert list_suppressions(ctx) == []
    expired = list_suppressions(ctx, include_expired=True)
    assert [(s.id, s.active, s.suppressed) for s in expired] == [(sid, False, 0)]
