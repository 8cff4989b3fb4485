"""Detection over an import: read back in event-time order, and idempotent even for alerts
that hold fewer event ids than they count."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from places import SHARED

from secops.accounting import SourceAccounting
from secops.context import Context, build_context
from secops.detect.detector import RuleDetector
from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.hunt.imports import ImportOrder, detect_import
from secops.pipeline.deliver import deliver
from secops.pipeline.detection import NoDetection
from secops.records import RawRecord, Source
from secops.retry import RetryPolicy
from secops.settings import Settings

OPENSSH = SHARED / "samples" / "loghub" / "OpenSSH_2k.log"
RULE_ID = "6d1e3f70-2b4c-4d5e-8f9a-0b1c2d3e4f52"
RULE = f"""
title: SSH Password Failure
id: {RULE_ID}
status: test
logsource: {{product: linux, service: sshd}}
detection:
    selection:
        event.action: ssh_failed_login
    condition: selection
level: low
"""


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    # An alert keeps one event id, and its window spans the whole sample.
    context = build_context(
        settings.model_copy(
            update={"alert_max_event_ids": 1, "alert_group_window_seconds": 86_400 * 365}
        )
    )
    yield context
    context.close()


def _import(ctx: Context, lines: list[str]) -> ImportOrder:
    """Store the lines as `secops ingest` does, noting each event's time and id."""
    source = Source("file", host="LabSZ", application="OpenSSH_2k.log")
    records = [
        RawRecord(source=source, received_at=0.0, message=line, origin=f"file:{OPENSSH}:{i}")
        for i, line in enumerate(lines)
    ]
    groups, _ = deliver(
        records,
        es=ctx.es,
        names=ctx.names,
        detector=NoDetection(),
        accounting=SourceAccounting(),
        policy=RetryPolicy(),
        stop=threading.Event(),
    )
    order = ImportOrder()
    for recs, event in groups:
        order.add(recs[0].record_id(), event)
    return order


def _detector(rules: Path) -> RuleDetector:
    return RuleDetector(DetectionEngine(load_rules([rules])))


def _counts(ctx: Context) -> list[int]:
    ctx.es.indices.refresh(index=ctx.names.alerts)
    hits = ctx.es.search(index=ctx.names.alerts, size=100, query={"term": {"rule.id": RULE_ID}})
    return sorted(h["_source"]["count"] for h in hits["hits"]["hits"])


def test_importing_again_counts_no_event_twice(ctx: Context, tmp_path: Path) -> None:
    rule = tmp_path / "ssh_failure.yml"
    rule.write_text(RULE)
    lines = OPENSSH.read_text().splitlines()[:120]
    failures = sum("Failed password" in line for line in lines)

    first = detect_import(ctx, _import(ctx, lines), _detector(rule), batch_size=10)
    assert first.rules[RULE_ID].matches == failures
    counts = _counts(ctx)
    assert sum(counts) == failures
    assert first.rules[RULE_ID].alerts_created == len(counts)

    # Read back in batches of ten, the replayed events beyond the one id each alert
    # keeps would look new: the import's record says the rule already raised them.
    again = detect_import(ctx, _import(ctx, lines), _detector(rule), batch_size=10)
    assert _counts(ctx) == counts
    assert again.already_detected == failures
    assert again.rules == {}


def test_a_rule_new_since_the_last_import_still_runs(ctx: Context, tmp_path: Path) -> None:
    lines = OPENSSH.read_text().splitlines()[:120]
    other = tmp_path / "other.yml"
    other.write_text(RULE.replace(RULE_ID, "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"))
    detect_import(ctx, _import(ctx, lines), _detector(other))
    rule = tmp_path / "ssh_failure.yml"
    rule.write_text(RULE)
    again = detect_import(ctx, _import(ctx, lines), _detector(rule))
    assert again.rules[RULE_ID].matches > 0
    assert again.already_detected == 0
