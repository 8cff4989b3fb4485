"""Triage against the real store: lifecycle, history, step-up, optimistic concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from secops.alerts.models import AlertChange, AlertFilter, BulkChange
from secops.alerts.service import get_alert, write_alerts
from secops.alerts.triage import add_comment, bulk_update, update_alert
from secops.context import Context
from secops.errors import ConflictError, InvalidInputError, PermissionDeniedError

from .conftest import refresh
from .factories import SSH_RULE, ssh_match


def _alert(ctx: Context, level: str = "medium", n: int = 1) -> str:
    rule = SSH_RULE.model_copy(update={"level": level})
    return write_alerts(ctx, [ssh_match(n, rule=rule, host=f"h{n}")]).created[0]


def _change(ctx: Context, alert_id: str, **fields: object) -> None:
    version = get_alert(ctx, alert_id=alert_id).version
    update_alert(
        ctx,
        alert_id=alert_id,
        change=AlertChange(**fields),
        version=version,
        by="ann",
        mfa_verified_at=datetime.now(UTC),
    )


def test_lifecycle_with_history(ctx: Context) -> None:
    alert_id = _alert(ctx)
    _change(ctx, alert_id, status="acknowledged", assignee="bob", reason="mine")
    _change(ctx, alert_id, status="in_progress")
    _change(ctx, alert_id, status="resolved", resolution="true_positive", reason="confirmed")
    _change(ctx, alert_id, status="in_progress", reason="came back")
    alert = get_alert(ctx, alert_id=alert_id)
    assert alert.status == "in_progress"
    assert alert.resolution is None
    assert alert.acknowledged_at is not None
    steps = [(h.field, h.old, h.new) for h in alert.history]
    assert steps == [
        ("status", "new", "acknowledged"),
        ("assignee", None, "bob"),
        ("status", "acknowledged", "in_progress"),
        ("status", "in_progress", "resolved"),
        ("resolution", None, "true_positive"),
        ("status", "resolved", "in_progress"),
        ("resolution", "true_positive", None),
    ]
    assert alert.history[0].reason == "mine"
    assert {h.by for h in alert.history} == {"ann"}


def test_invalid_transition_names_the_allowed_ones(ctx: Context) -> None:
    alert_id = _alert(ctx)
    _change(ctx, alert_id, status="resolved", resolution="benign")
    with pytest.raises(InvalidInputError, match="allowed statuses are: in_progress"):
        _change(ctx, alert_id, status="acknowledged")
    with pytest.raises(InvalidInputError, match="needs a resolution"):
        _change(ctx, _alert(ctx, n=2), status="resolved")


def test_stale_version_is_refused(ctx: Context) -> None:
    alert_id = _alert(ctx)
    seen = get_alert(ctx, alert_id=alert_id).version
    _change(ctx, alert_id, assignee="bob")
    with pytest.raises(ConflictError, match="reload"):
        update_alert(
            ctx, alert_id=alert_id, change=AlertChange(assignee="eve"), version=seen, by="eve"
        )
    assert get_alert(ctx, alert_id=alert_id).assignee == "bob"


def test_concurrent_updates_exactly_one_wins(ctx: Context) -> None:
    alert_id = _alert(ctx)
    seen = get_alert(ctx, alert_id=alert_id).version
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def worker(who: str) -> None:
        barrier.wait()
        try:
            update_alert(
                ctx, alert_id=alert_id, change=AlertChange(assignee=who), version=seen, by=who
            )
            outcomes[who] = "ok"
        except ConflictError:
            outcomes[who] = "conflict"

    threads = [threading.Thread(target=worker, args=(w,)) for w in ("ann", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["conflict", "ok"]
    winner = next(w for w, o in outcomes.items() if o == "ok")
    alert = get_alert(ctx, alert_id=alert_id)
    assert alert.assignee == winner
    assert len(alert.history) == 1


def test_resolving_a_critical_alert_needs_fresh_totp(ctx: Context) -> None:
    alert_id = _alert(ctx, level="critical")
    version = get_alert(ctx, alert_id=alert_id).version
    change = AlertChange(status="resolved", resolution="false_positive")
    stale = datetime.now(UTC) - timedelta(minutes=30)
    with pytest.raises(PermissionDeniedError, match="fresh TOTP"):
        update_alert(
            ctx, alert_id=alert_id, change=change, version=version, by="ann", mfa_verified_at=stale
        )
    # a true positive leaves the open queue as well: the same step-up
    tp = AlertChange(status="resolved", resolution="true_positive")
    with pytest.raises(PermissionDeniedError, match="fresh TOTP"):
        update_alert(
            ctx, alert_id=alert_id, change=tp, version=version, by="ann", mfa_verified_at=stale
        )
    fresh = datetime.now(UTC)
    update_alert(
        ctx, alert_id=alert_id, change=tp, version=version, by="ann", mfa_verified_at=fresh
    )


def test_comments_append_and_survive_concurrency(ctx: Context) -> None:
    alert_id = _alert(ctx)
    threads = [
        threading.Thread(
            target=add_comment,
            args=(ctx,),
            kwargs={"alert_id": alert_id, "text": f"note {i}", "by": "ann"},
        )
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    alert = get_alert(ctx, alert_id=alert_id)
    assert sorted(c.text for c in alert.comments) == [f"note {i}" for i in range(4)]
    assert [h.field for h in alert.history] == ["comments"] * 4


def test_bulk_by_filter_reports_each_alert(ctx: Context) -> None:
    ids = [_alert(ctx, n=n) for n in range(3)]
    _change(ctx, ids[0], status="resolved", resolution="benign")
    refresh(ctx)
    result = bulk_update(
        ctx,
        request=BulkChange(
            filter=AlertFilter(rule_id=[SSH_RULE.id]), change=AlertChange(status="acknowledged")
        ),
        by="ann",
    )
    by_id = {i.id: i.status for i in result.items}
    assert by_id == {ids[0]: 422, ids[1]: 200, ids[2]: 200}
    assert (result.updated, result.failed) == (2, 1)
    assert get_alert(ctx, alert_id=ids[1]).status == "acknowledged"
