"""The running pipeline enriches what it stores, follows a new directory within seconds,
and keeps first-seen addresses across a restart (checkpointed with the spool position)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from polling import wait_until

from secops.accounting import Metrics
from secops.context import Context, build_context
from secops.enrich.service import import_people
from secops.pipeline.checkpoint import load_enrich_checkpoint
from secops.pipeline.service import Pipeline, start_pipeline
from secops.records import RawRecord, Source
from secops.settings import Settings

DMS = Source("http", host="dms01", application="dms")


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    context = build_context(settings.model_copy(update={"directory_refresh_seconds": 0.5}))
    yield context
    context.close()


def _record(i: int, user: str, client: str, ts: str) -> RawRecord:
    fields = {
        "app": "dms", "ts": ts, "user": user, "clearance": "internal", "doc_id": f"DOC-{i}",
        "classification": "secret", "committee": "defence", "action": "download",
        "result": "success", "client": client,
    }  # fmt: skip
    return RawRecord(source=DMS, received_at=time.time(), message=json.dumps(fields))


def _send(pipeline: Pipeline, records: list[RawRecord]) -> None:
    target = pipeline.worker.delivered + len(records)
    pipeline.spool.append(records)
    wait_until(lambda: pipeline.worker.delivered >= target, timeout=60, what="records delivered")


def _stored(ctx: Context, doc_id: str) -> dict[str, Any]:
    ctx.es.indices.refresh(index=ctx.names.events_pattern)
    hits = ctx.es.search(
        index=ctx.names.events_pattern, query={"term": {"parliament.document.id": doc_id}}
    )["hits"]["hits"]
    assert len(hits) == 1, hits
    return dict(hits[0]["_source"])


def _enriched_source(event: dict[str, Any]) -> dict[str, Any]:
    """The enrich stage's part of ``secops.source`` (beside the record's origin)."""
    source = event["secops"]["source"]
    return {k: source[k] for k in ("internal", "first_seen") if k in source}


def test_live_pipeline_follows_a_new_directory(ctx: Context) -> None:
    import_people(
        ctx, text="user,clearance,committees,aliases\nmrossi,secret,budget,\n", source="a",
        actor="system:test",
    )  # fmt: skip
    pipeline = start_pipeline(ctx, metrics=Metrics())
    try:
        _send(pipeline, [_record(1, "mrossi", "10.1.1.1", "2026-06-06T06:00:00Z")])
        first = _stored(ctx, "DOC-1")
        assert first["secops"]["source"]["input"] == "http"  # where it came from, kept
        assert first["user"]["id"] == "mrossi"
        assert first["secops"]["need_to_know"] is False
        assert first["secops"]["time"]["working"] is True
        assert _enriched_source(first) == {"internal": True, "first_seen": True}
        _send(pipeline, [_record(2, "newcomer", "10.1.1.1", "2026-06-06T06:01:00Z")])
        assert _stored(ctx, "DOC-2")["secops"]["person"]["known"] is False

        import_people(
            ctx,
            text="user,clearance,committees,aliases\nmrossi,secret,budget;defence,\n"
            "newcomer,confidential,defence,\n",
            source="b",
            actor="system:test",
        )

        def followed() -> bool:
            n = pipeline.worker.delivered + 3
            _send(pipeline, [_record(n, "newcomer", "10.1.1.1", "2026-06-06T06:02:00Z")])
            return bool(_stored(ctx, f"DOC-{n}")["secops"]["person"]["known"])

        wait_until(followed, timeout=20, what="the new directory in the pipeline")
        later = pipeline.worker.delivered + 10
        _send(pipeline, [_record(later, "mrossi", "10.1.1.1", "2026-06-06T06:03:00Z")])
        assert _stored(ctx, f"DOC-{later}")["secops"]["need_to_know"] is True
    finally:
        pipeline.stop()


def test_first_seen_survives_a_restart(ctx: Context) -> None:
    import_people(
        ctx, text="user,clearance,committees,aliases\nmrossi,secret,defence,\n", source="a",
        actor="system:test",
    )  # fmt: skip
    pipeline = start_pipeline(ctx, metrics=Metrics())
    try:
        _send(pipeline, [_record(1, "mrossi", "198.51.100.7", "2026-06-06T06:00:00Z")])
        spool_id = pipeline.spool.id
    finally:
        pipeline.stop()
    saved = load_enrich_checkpoint(ctx.es, ctx.names, spool_id=spool_id)
    assert saved is not None
    assert saved["first_seen"]["pairs"][0][:2] == ["mrossi", "198.51.100.7"]
    first = _stored(ctx, "DOC-1")
    assert _enriched_source(first) == {"internal": False, "first_seen": True}

    pipeline = start_pipeline(ctx, metrics=Metrics())
    try:
        _send(
            pipeline,
            [
                _record(2, "mrossi", "198.51.100.7", "2026-06-10T06:00:00Z"),
                _record(3, "mrossi", "198.51.100.8", "2026-06-10T06:00:00Z"),
            ],
        )
    finally:
        pipeline.stop()
    assert _stored(ctx, "DOC-2")["secops"]["source"]["first_seen"] is False
    assert _stored(ctx, "DOC-3")["secops"]["source"]["first_seen"] is True
