"""Writing events: deterministic ids, replays as no-ops, dead letters for refused documents."""

from __future__ import annotations

import threading

import orjson
import pytest
from elasticsearch import Elasticsearch

from secops.context import build_context
from secops.errors import StoreError
from secops.retry import RetryPolicy
from secops.settings import Settings
from secops.store.bulk import Doc, bulk_create
from secops.store.events import write_events


def ev(i: int, **extra: object) -> dict[str, object]:
    return {
        "@timestamp": "2026-01-10T10:00:00.000Z",
        "message": f"event {i}",
        "event": {"dataset": "test.events"},
        **extra,
    }


def test_create_replay_and_dead_letter(settings: Settings, es: Elasticsearch) -> None:
    ctx = build_context(settings)
    names = ctx.names
    batch = [(f"id{i}", ev(i)) for i in range(5)]
    batch.append(("bad", ev(5, user={"name": {"a": 1}})))  # an object where a keyword is mapped

    first = write_events(ctx.es, names, batch)
    assert first.created == 5
    assert set(first.deadlettered) == {"bad"}
    assert first.deadlettered["bad"].error_type == "document_parsing_exception"

    replay = write_events(ctx.es, names, [(f"id{i}", ev(i)) for i in range(5)])
    assert (replay.created, replay.existed, replay.deadlettered) == (0, 5, {})

    es.indices.refresh(index=f"{names.events_pattern},{names.deadletter}")
    stream = names.events_stream("test.events")
    hits = es.search(index=stream, size=10, sort=["secops.record_id"])["hits"]["hits"]
    assert [h["_id"] for h in hits] == [f"id{i}" for i in range(5)]
    src = hits[0]["_source"]
    assert src["secops"]["record_id"] == "id0"
    assert src["event"]["ingested"].endswith("Z")
    assert src["data_stream"] == {
        "type": "logs",
        "dataset": "secops.test.events",
        "namespace": names.namespace,
    }

    dead = es.get(index=names.deadletter, id="bad")["_source"]
    assert dead["target"] == stream
    assert dead["error_type"] == "document_parsing_exception"
    assert "user.name" in dead["reason"]
    assert orjson.loads(dead["document"])["user"] == {"name": {"a": 1}}


def test_unreachable_store_is_retried_until_stopped(settings: Settings) -> None:
    down = Elasticsearch("http://127.0.0.1:9", request_timeout=1, max_retries=0)
    stop = threading.Event()
    causes: list[str] = []

    def on_retry(cause: str) -> None:
        causes.append(cause)
        if len(causes) == 3:
            stop.set()

    docs = [Doc(index="x", id="1", source={"a": 1})]
    with pytest.raises(StoreError, match="undelivered"):
        bulk_create(
            down, docs, policy=RetryPolicy(base=0.001, cap=0.01), stop=stop, on_retry=on_retry
        )
    assert causes == ["connection"] * 3


def test_backoff_is_capped_and_jittered() -> None:
    policy = RetryPolicy(base=0.1, cap=2.0)
    delays = [policy.delay(12) for _ in range(200)]
    assert max(delays) <= 2.0
    assert len({round(d, 6) for d in delays}) > 100
