"""The worker on the real Elasticsearch: exactly once, replays, dead letters, detection."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from polling import wait_until

from secops.accounting import SourceAccounting
from secops.alerts.writer import Alerter
from secops.context import Context
from secops.detect.models import Match, RuleMatch, RuleMeta
from secops.pipeline.checkpoint import load_checkpoint
from secops.pipeline.worker import Worker, WorkerConfig
from secops.records import RawRecord, Source
from secops.spool import Spool

SSHD = Source("syslog-tcp", host="web1", application="sshd")


def sshd_lines(start: int, n: int) -> list[RawRecord]:
    return [
        RawRecord(
            source=SSHD,
            received_at=time.time(),
            message=f"<38>Jan 10 10:00:00 web1 sshd[12]: Failed password for root from 10.0.0.1 "
            f"port {i} ssh2",
        )
        for i in range(start, start + n)
    ]


def make_worker(ctx: Context, **kwargs: Any) -> Worker:
    spool = Spool(ctx.settings.spool_dir, max_bytes=ctx.settings.spool_max_bytes)
    return Worker(spool=spool, es=ctx.es, names=ctx.names, accounting=SourceAccounting(), **kwargs)


def count(es: Elasticsearch, index: str) -> int:
    es.indices.refresh(index=index, ignore_unavailable=True)
    return int(es.count(index=index, ignore_unavailable=True)["count"])


def test_records_become_searchable_events_exactly_once(ctx: Context, es: Elasticsearch) -> None:
    worker = make_worker(ctx)
    worker.start()
    try:
        for i in range(0, 3000, 300):
            worker.spool.append(sshd_lines(i, 300))
        assert worker.drain(60)
        # no refresh: the 200 ms refresh interval makes them visible within a second
        wait_until(
            lambda: es.count(index=ctx.names.events_pattern)["count"] >= 3000,
            timeout=2.0,
            what="3000 events searchable",
        )
    finally:
        worker.stop()
    stream = ctx.names.events_stream("linux.sshd")
    assert count(es, stream) == 3000
    ports = es.search(index=stream, size=0, aggs={"p": {"cardinality": {"field": "source.port"}}})
    assert ports["aggregations"]["p"]["value"] == 3000
    counts = worker.accounting.snapshot()[("syslog-tcp", "web1", "sshd")]
    assert (counts.parsed, counts.indexed, counts.unparsed, counts.deadlettered) == (
        3000,
        3000,
        0,
        0,
    )
    # stop() saved the source totals to the state index
    es.indices.refresh(index=ctx.names.state)
    saved = es.search(index=ctx.names.state, query={"term": {"kind": "source_stats"}})["hits"][
        "hits"
    ]
    assert [h["_source"]["data"]["indexed"] for h in saved] == [3000]


def test_replay_after_crash_before_commit_is_a_no_op(
    ctx: Context, es: Elasticsearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_worker(ctx)
    first.spool.append(sshd_lines(0, 500))

    def crash(position: object) -> None:
        raise KeyboardInterrupt("killed after Elasticsearch accepted, before the commit")

    monkeypatch.setattr(first.spool, "commit", crash)
    with pytest.raises(KeyboardInterrupt):
        first.run_once()
    first.spool.close()
    stream = ctx.names.events_stream("linux.sshd")
    assert count(es, stream) == 500

    second = make_worker(ctx)  # a new process: same spool directory, nothing committed
    assert second.run_once() == 500
    assert second.spool.caught_up()
    assert count(es, stream) == 500
    assert second.accounting.snapshot()[("syslog-tcp", "web1", "sshd")].indexed == 500
    assert second.run_once() == 0


def test_malformed_event_goes_to_dead_letter_and_the_rest_is_indexed(
    ctx: Context, es: Elasticsearch
) -> None:
    worker = make_worker(ctx)
    app = Source("http", host="dms", application="dms-api")
    bad = RawRecord(
        source=app,
        received_at=time.time(),
        structured={
            "@timestamp": "2026-01-10T10:00:00Z",
            "message": "m",
            "user": {"name": {"a": 1}},
        },
    )
    worker.spool.append([*sshd_lines(0, 10), bad, *sshd_lines(10, 10)])
    assert worker.run_once() == 21
    assert count(es, ctx.names.events_stream("linux.sshd")) == 20
    assert count(es, ctx.names.deadletter) == 1
    hit = es.search(index=ctx.names.deadletter)["hits"]["hits"][0]
    dead = hit["_source"]
    assert hit["_id"] == dead["record_id"]
    assert dead["target"] == ctx.names.events_stream("ecs")
    assert dead["error_type"] == "document_parsing_exception"
    assert "user.name" in dead["reason"]
    assert dead["source"]["input"] == "http"
    snap = worker.accounting.snapshot()
    assert snap[("http", "dms", "dms-api")].deadlettered == 1
    assert snap[("syslog-tcp", "web1", "sshd")].indexed == 20
    assert worker.spool.caught_up()


RULE = RuleMeta(id="test-first-of-batch", title="first event of a batch", level="low")


class CountingDetector:
    """One match per batch, on its first event; state = events seen."""

    def __init__(self) -> None:
        self.seen = 0
        self.restored: dict[str, Any] | None = None

    def detect(self, events: Sequence[dict[str, Any]]) -> list[Match]:
        self.seen += len(events)
        first = events[0]
        return [RuleMatch(rule=RULE, event=first, event_id=first["secops"]["record_id"])]

    def snapshot(self) -> dict[str, Any] | None:
        return {"seen": self.seen}

    def restore(self, state: dict[str, Any]) -> None:
        self.restored = state
        self.seen = int(state["seen"])


def test_detector_alerts_and_checkpoint_survive_a_restart(ctx: Context, es: Elasticsearch) -> None:
    detector = CountingDetector()
    worker = make_worker(
        ctx, detector=detector, alerts=Alerter(ctx), config=WorkerConfig(batch_size=100)
    )
    worker.spool.append(sshd_lines(0, 250))
    while worker.run_once():
        pass
    assert detector.seen == 250
    assert count(es, ctx.names.alerts) == 1  # one rule, one group: batches of 100, 100, 50
    alert = ctx.es.search(index=ctx.names.alerts)["hits"]["hits"][0]["_source"]
    assert (alert["count"], len(set(alert["event_ids"]))) == (3, 3)
    assert load_checkpoint(ctx.es, ctx.names, spool_id=worker.spool.id) == {"seen": 250}
    worker.spool.close()

    again = CountingDetector()
    restarted = make_worker(ctx, detector=again, alerts=Alerter(ctx))
    restarted.start()
    try:
        wait_until(lambda: again.restored is not None, timeout=30, what="the state restored")
    finally:
        restarted.stop()
    assert again.restored == {"seen": 250}
