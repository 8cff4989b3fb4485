"""New activity after resolution raises a successor alert, linked to the resolved one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from secops.alerts.models import Alert, AlertChange, Status
from secops.alerts.service import get_alert, write_alerts
from secops.alerts.triage import update_alert
from secops.context import Context

from .conftest import refresh
from .factories import brute_match, ssh_match

NOW = datetime(2025, 3, 1, 10, 5, tzinfo=UTC)


class Sink:
    def __init__(self) -> None:
        self.ids: list[str] = []

    def submit(self, alert_id: str, alert: dict[str, Any]) -> None:
        self.ids.append(alert_id)


def _set_status(ctx: Context, alert_id: str, status: Status, **kw: Any) -> Alert:
    alert = get_alert(ctx, alert_id=alert_id)
    change = AlertChange(status=status, reason="checked", **kw)
    return update_alert(ctx, alert_id=alert_id, change=change, version=alert.version, by="ann")


def _resolve(ctx: Context, alert_id: str) -> Alert:
    return _set_status(ctx, alert_id, Status.resolved, resolution="true_positive")


def _all(ctx: Context) -> dict[str, dict[str, Any]]:
    refresh(ctx)
    hits = ctx.es.search(index=ctx.names.alerts, size=100)["hits"]["hits"]
    return {h["_id"]: h["_source"] for h in hits}


def test_new_activity_after_resolution_raises_a_linked_alert(ctx: Context) -> None:
    first = write_alerts(ctx, [ssh_match(n) for n in range(3)], now=NOW)
    (old_id,) = first.created
    resolved = _resolve(ctx, old_id)
    sink = Sink()
    report = write_alerts(
        ctx, [ssh_match(n, ts="2025-03-01T10:03:00Z") for n in range(3, 5)], sink=sink, now=NOW
    )
    assert report.created == [f"{old_id}-1"] == sink.ids
    assert report.updated == []
    new = get_alert(ctx, alert_id=f"{old_id}-1")
    assert (new.status, new.previous_alert_id, new.generation) == ("new", old_id, 1)
    assert (new.count, new.event_ids) == (2, ["ev-3", "ev-4"])
    assert new.sla_due_at is not None
    assert new.summary.startswith("SSH failed login: 2 events by root")
    old = get_alert(ctx, alert_id=old_id)
    assert (old.status, old.resolution, old.count) == ("resolved", "true_positive", 3)
    assert old.resolved_at == resolved.resolved_at
    assert old.superseded_by == f"{old_id}-1"
    last = old.history[-1]
    assert (last.field, last.new, last.reason) == (
        "superseded_by",
        f"{old_id}-1",
        "new activity after resolution",
    )


def test_replays_of_counted_events_change_nothing(ctx: Context) -> None:
    matches = [ssh_match(n) for n in range(5)]
    (old_id,) = write_alerts(ctx, matches[:3], now=NOW).created
    _resolve(ctx, old_id)
    write_alerts(ctx, matches[3:], now=NOW)
    before = {i: get_alert(ctx, alert_id=i).version for i in (old_id, f"{old_id}-1")}
    for batch in (matches, matches[:3], matches[3:], list(reversed(matches))):
        again = write_alerts(ctx, batch, now=NOW)
        assert (again.created, again.updated) == ([], [])
    assert set(_all(ctx)) == {old_id, f"{old_id}-1"}
    after = {i: get_alert(ctx, alert_id=i).version for i in before}
    assert after == before


def test_each_resolution_starts_a_new_generation(ctx: Context) -> None:
    (old_id,) = write_alerts(ctx, [ssh_match(0)], now=NOW).created
    for generation in (1, 2):
        _resolve(ctx, get_alert(ctx, alert_id=old_id).superseded_by or old_id)
        report = write_alerts(ctx, [ssh_match(generation)], now=NOW)
        assert report.created == [f"{old_id}-{generation}"]
    docs = _all(ctx)
    assert docs[f"{old_id}-2"]["previous_alert_id"] == f"{old_id}-1"
    assert docs[f"{old_id}-1"]["superseded_by"] == f"{old_id}-2"
    assert [docs[i]["status"] for i in (old_id, f"{old_id}-1", f"{old_id}-2")] == [
        "resolved",
        "resolved",
        "new",
    ]
    # An open newest generation takes further activity in place.
    more = write_alerts(ctx, [ssh_match(3)], now=NOW)
    assert more.updated == [f"{old_id}-2"]
    assert get_alert(ctx, alert_id=f"{old_id}-2").count == 2


def test_a_reopened_alert_sends_activity_to_its_successor(ctx: Context) -> None:
    (old_id,) = write_alerts(ctx, [ssh_match(0)], now=NOW).created
    _resolve(ctx, old_id)
    write_alerts(ctx, [ssh_match(1)], now=NOW)
    _set_status(ctx, old_id, Status.in_progress)
    report = write_alerts(ctx, [ssh_match(1), ssh_match(2)], now=NOW)
    assert report.updated == [f"{old_id}-1"]
    assert get_alert(ctx, alert_id=old_id).count == 1
    assert get_alert(ctx, alert_id=f"{old_id}-1").event_ids == ["ev-1", "ev-2"]


def test_correlation_after_resolution_raises_a_successor_once(ctx: Context) -> None:
    ids = [f"ev-{n}" for n in range(20)]
    first = brute_match(ids[:10], first="2025-03-01T10:00:00Z", last="2025-03-01T10:01:00Z")
    second = brute_match(ids[10:], first="2025-03-01T10:02:00Z", last="2025-03-01T10:03:00Z")
    (old_id,) = write_alerts(ctx, [first], now=NOW).created
    _resolve(ctx, old_id)
    assert write_alerts(ctx, [first], now=NOW).unchanged == [old_id]
    assert write_alerts(ctx, [second], now=NOW).created == [f"{old_id}-1"]
    again = write_alerts(ctx, [first, second], now=NOW)
    assert (again.created, again.updated) == ([], [])
    new = get_alert(ctx, alert_id=f"{old_id}-1")
    assert (new.kind, new.count, new.previous_alert_id) == ("correlation", 10, old_id)
