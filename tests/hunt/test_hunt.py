"""Retro-hunts run the live matchers over stored history and raise hunt alerts once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from secops.context import Context, build_context
from secops.detect.loader import BUILTIN_RULES
from secops.errors import InvalidInputError
from secops.hunt import hunt, parse_since
from secops.normalize import normalize
from secops.records import RawRecord, Source
from secops.settings import Settings


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


ZEEK_RULE = """
title: RDP From The Lab Network
id: 6d1f0a3e-2b4c-4d5e-8f60-7a8b9c0d1e2f
status: test
logsource: {product: zeek, service: rdp}
detection:
    lab:
        id.orig_h|cidr: 203.0.113.0/24
    condition: lab
level: low
"""
ZEEK_MAPPING = """
logsources:
  - logsource: {product: zeek, service: rdp}
    conditions: [{event.dataset: zeek.rdp}]
fields:
  - logsource: {product: zeek}
    fields: {id.orig_h: source.ip, id.resp_h: destination.ip}
"""


def test_a_hunt_runs_rules_as_the_pipeline_does_mapping_file_and_overrides(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    """A logsource the deployment's mapping file adds is active in a hunt too, and the
    overrides file sets the hunt alerts' level; an override of a rule outside the hunt
    is no error of the hunt."""
    rules = tmp_path / "hunted"
    rules.mkdir()
    (rules / "zeek_rdp.yml").write_text(ZEEK_RULE)
    mapping = tmp_path / "mapping.yml"
    mapping.write_text(ZEEK_MAPPING)
    overrides = tmp_path / "overrides.yml"
    overrides.write_text(
        "6d1f0a3e-2b4c-4d5e-8f60-7a8b9c0d1e2f:\n  level: high\n"
        "some_rule_of_the_pipeline:\n  level: low\n"
    )
    update = {"detect_mapping_file": mapping, "rule_overrides_file": overrides}
    ctx = build_context(settings.model_copy(update=update))
    try:
        now = datetime.now(UTC).isoformat()
        for i, address in enumerate(["203.0.113.7", "198.51.100.7"]):
            ctx.es.create(
                index=ctx.names.events_stream("zeek.rdp"),
                id=f"rdp-{i}",
                document={
                    "@timestamp": now,
                    "event": {"dataset": "zeek.rdp"},
                    "source": {"ip": address},
                },
            )
        ctx.es.indices.refresh(index=ctx.names.events_pattern)

        report = hunt(ctx, paths=[rules], since="1d")
        assert report.rule_errors == []
        assert (report.events, report.matches, report.alerts_created) == (2, 1, 1)
        es.indices.refresh(index=ctx.names.alerts)
        (alert,) = [h["_source"] for h in es.search(index=ctx.names.alerts)["hits"]["hits"]]
        assert alert["severity"] == "high"
        assert alert["source"]["ip"] == "203.0.113.7"
    finally:
        ctx.close()
