"""Reading dead letters back: a period's count, its unexplained ones, the newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from secops.context import Context
from secops.store.deadletter import dead_letters
from secops.store.events import write_events


def _event(i: int, **extra: object) -> dict[str, object]:
    return {"@timestamp": "2026-01-10T10:00:00.000Z", "event": {"dataset": "test.dl"}, **extra}


def test_dead_letters_of_a_period(ctx: Context) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    refused = [(f"bad{i}", _event(i, user={"name": {"a": i}})) for i in range(3)]
    write_events(ctx.es, ctx.names, [("good", _event(9)), *refused])
    # A dead letter written by hand without a reason: unexplained.
    ctx.es.index(
        index=ctx.names.deadletter,
        id="noreason",
        document={"@timestamp": datetime.now(UTC).isoformat(), "record_id": "noreason"},
        refresh=True,
    )
    after = datetime.now(UTC) + timedelta(seconds=5)

    letters = dead_letters(ctx.es, ctx.names, since=before, until=after, limit=2)
    assert (letters.total, letters.unexplained) == (4, 1)
    assert len(letters.sample) == 2
    assert {"id", "@timestamp", "record_id"} <= set(letters.sample[0])
    assert "document" not in letters.sample[0]

    explained = dead_letters(ctx.es, ctx.names, since=before, until=after)
    assert sorted(d["id"] for d in explained.sample if d.get("reason")) == ["bad0", "bad1", "bad2"]

    earlier = dead_letters(ctx.es, ctx.names, since=before - timedelta(hours=1), until=before)
    assert (earlier.total, earlier.unexplained, earlier.sample) == (0, 0, [])
