"""Retro-hunts run the live matchers over stored history and raise hunt alerts once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import Elasticsearch

from secops.context import Context
from secops.detect.loader import BUILTIN_RULES
from secops.errors import InvalidInputError
from secops.hunt import hunt, parse_since
from secops.normalize import normalize
from secops.records import RawRecord, Source


def _store(ctx: Context, lines: list[str]) -> None:
    now = datetime.now(UTC).timestamp()
    for i, line in enumerate(lines):
        rec = RawRecord(source=Source(input="cli"), received_at=now, message=line, origin=f"t:{i}")
        event = normalize(rec)
        stream = ctx.names.events_stream(event["event"]["dataset"])
        ctx.es.create(index=stream, id=rec.record_id(), document=event)
    ctx.es.indices.refresh(index=ctx.names.events_pattern)


def _syslog_time(t: datetime) -> str:
    return t.strftime("%b %e %H:%M:%S")


def test_hunt_raises_correlation_and_single_event_alerts_once(
    ctx: Context, es: Elasticsearch
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    failures = [
        f"{_syslog_time(start + timedelta(seconds=10 * i))} bastion sshd[4{i:03d}]: "
        f"Failed password for root from 198.51.100.23 port {40000 + i} ssh2"
        for i in range(12)
    ]
    day = (start - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    deletion = (
        f"app=dms ts={day} user=archivist role=records clearance=secret doc_id=DOC-3 "
        "classification=secret committee=defence action=delete result=success client=10.1.2.9"
    )
    _store(ctx, [*failures, deletion])

    first = hunt(ctx, paths=[BUILTIN_RULES], since="7d")
    assert first.events == 13
    assert first.rule_errors == []
    es.indices.refresh(index=ctx.names.alerts)
    alerts = [h["_source"] for h in es.search(index=ctx.names.alerts, size=50)["hits"]["hits"]]
    kinds = {a["rule"]["title"]: a for a in alerts}
    brute = [a for a in alerts if a["rule"]["kind"] == "correlation"]
    assert all(a["kind"] == "hunt" for a in alerts if a not in brute)
    assert len(brute) == 1
    assert brute[0]["source"]["ip"] == "198.51.100.23" or brute[0]["group"] == {
        "source.ip": "198.51.100.23"
    }
    assert any("DOC-3" in str(a["events"]) for a in kinds.values())
    # Single failed logins feed the correlation but raise nothing on their own.
    assert not any(a["rule"].get("name") == "secops_ssh_failed_login" for a in alerts)

    second = hunt(ctx, paths=[BUILTIN_RULES], since="7d")
    assert second.alerts_created == 0
    es.indices.refresh(index=ctx.names.alerts)
    assert es.count(index=ctx.names.alerts)["count"] == len(alerts)


def test_hunt_window_excludes_older_events(ctx: Context) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    line = (
        f"app=dms ts={old.strftime('%Y-%m-%dT%H:%M:%S.000Z')} user=a role=r clearance=secret "
        "doc_id=DOC-9 classification=secret committee=c action=delete result=success "
        "client=10.0.0.1"
    )
    _store(ctx, [line])
    report = hunt(ctx, paths=[BUILTIN_RULES], since="30d")
    assert report.events == 0
    assert report.alerts_created == 0


def test_since_accepts_durations_and_instants_and_refuses_the_rest() -> None:
    now = datetime(2026, 1, 31, tzinfo=UTC)
    assert parse_since("30d", now=now) == datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    assert parse_since("2h", now=now) == datetime(2026, 1, 30, 22, tzinfo=UTC).isoformat()
    assert parse_since("2026-01-02T00:00:00").startswith("2026-01-02T00:00:00")
    with pytest.raises(InvalidInputError, match="duration"):
        parse_since("yesterday")
