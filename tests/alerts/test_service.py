"""write_alerts against the real store: grouping windows, replays, correlations."""

from __future__ import annotations

from datetime import UTC, datetime

from secops.alerts.service import get_alert, get_alert_with_events, write_alerts
from secops.context import Context

from .conftest import refresh
from .factories import brute_match, ssh_event, ssh_match

NOW = datetime(2025, 3, 1, 10, 5, tzinfo=UTC)


def _count(ctx: Context) -> int:
    refresh(ctx)
    return int(ctx.es.count(index=ctx.names.alerts)["count"])


def test_matches_within_the_window_update_one_alert(ctx: Context) -> None:
    matches = [ssh_match(n, ts=f"2025-03-01T10:0{n % 5}:1{n % 10}Z") for n in range(12)]
    first = write_alerts(ctx, matches[:5], now=NOW)
    assert len(first.created) == 1
    second = write_alerts(ctx, matches[5:], now=NOW)
    assert second.created == []
    assert second.updated == first.created
    assert _count(ctx) == 1
    alert = get_alert(ctx, alert_id=first.created[0])
    assert alert.count == 12
    assert alert.event_ids == [f"ev-{n}" for n in range(12)]
    assert alert.first_seen.isoformat().startswith("2025-03-01T10:00:10")
    assert alert.last_seen.isoformat().startswith("2025-03-01T10:04:19")
    assert alert.summary.startswith("SSH failed login: 12 events by root from 183.62.140.253")


def test_after_the_window_a_new_alert_starts(ctx: Context) -> None:
    write_alerts(ctx, [ssh_match(1, ts="2025-03-01T10:04:59Z")], now=NOW)
    report = write_alerts(ctx, [ssh_match(2, ts="2025-03-01T10:05:00Z")], now=NOW)
    assert len(report.created) == 1
    assert _count(ctx) == 2


def test_replay_changes_nothing(ctx: Context) -> None:
    matches = [ssh_match(n) for n in range(3)]
    first = write_alerts(ctx, matches, now=NOW)
    before = get_alert(ctx, alert_id=first.created[0])
    again = write_alerts(ctx, matches, now=NOW)
    assert again.created == []
    assert again.unchanged == first.created
    after = get_alert(ctx, alert_id=first.created[0])
    assert after.count == before.count == 3
    assert after.version == before.version


def test_concurrent_writers_lose_no_match(ctx: Context) -> None:
    import threading

    from secops.context import build_context

    contexts = [build_context(ctx.settings, apply_templates=False) for _ in range(4)]
    threads = [
        threading.Thread(target=write_alerts, args=(c, [ssh_match(10 * i + n) for n in range(10)]))
        for i, c in enumerate(contexts)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in contexts:
        c.close()
    refresh(ctx)
    hits = ctx.es.search(index=ctx.names.alerts)["hits"]["hits"]
    assert len(hits) == 1
    assert hits[0]["_source"]["count"] == 40


def test_correlation_alert_is_stored_once_per_episode(ctx: Context) -> None:
    ids = [f"ev-{n}" for n in range(12)]
    first = write_alerts(ctx, [brute_match(ids)], now=NOW)
    again = write_alerts(ctx, [brute_match(ids)], now=NOW)
    assert len(first.created) == 1
    assert again.unchanged == first.created
    alert = get_alert(ctx, alert_id=first.created[0])
    assert alert.kind == "correlation"
    assert alert.severity == "high"
    assert alert.group == {"source.ip": "183.62.140.253", "host.name": "LabSZ"}
    assert alert.sla_due_at is not None
    assert (alert.sla_due_at - NOW).total_seconds() == 3600


def test_alert_with_events_fetches_them_from_the_event_streams(ctx: Context) -> None:
    stream = ctx.names.events_stream("linux.sshd")
    for n in range(3):
        ctx.es.index(index=stream, id=f"ev-{n}", document=ssh_event(n), op_type="create")
    report = write_alerts(ctx, [ssh_match(n) for n in range(3)], now=NOW)
    refresh(ctx)
    ctx.es.indices.refresh(index=stream)
    alert = get_alert_with_events(ctx, alert_id=report.created[0])
    assert sorted(e["_id"] for e in alert.stored_events) == ["ev-0", "ev-1", "ev-2"]
    assert alert.stored_events[0]["source"]["ip"] == "183.62.140.253"
