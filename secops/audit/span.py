"""The audit entries of a period: how many, and the first and last sequence numbers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from secops.context import Context


class EntrySpan(BaseModel):
    entries: int
    first_seq: int | None
    last_seq: int | None


def entries_between(ctx: Context, *, since: datetime, until: datetime) -> EntrySpan:
    """Entries appended in [since, until)."""
    resp = ctx.es.search(
        index=ctx.names.audit,
        query={"range": {"@timestamp": {"gte": since.isoformat(), "lt": until.isoformat()}}},
        size=0,
        track_total_hits=True,
        aggs={"first": {"min": {"field": "seq"}}, "last": {"max": {"field": "seq"}}},
        ignore_unavailable=True,
    )
    aggs = resp.get("aggregations") or {}
    first = (aggs.get("first") or {}).get("value")
    last = (aggs.get("last") or {}).get("value")
    return EntrySpan(
        entries=int(resp["hits"]["total"]["value"]),
        first_seq=None if first is None else int(first),
        last_seq=None if last is None else int(last),
    )
