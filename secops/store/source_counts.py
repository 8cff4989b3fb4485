"""What each source's records became in a period, read from the stored data itself.

A record of the period is an event whose ``@timestamp`` (the event's own time; the
received time when the record carries none) lies in [start, end); dead letters count
in the period in which Elasticsearch refused them. Unlike the lifetime counters of
``secops.accounting``, these figures belong to the period and can be recomputed.
The longest silence is read from hourly buckets: it is exact at the period's edges
and to the hour inside.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch

from secops.store.names import IndexNames

SourceKey = tuple[str, str, str]  # input, host (or peer address), application
_HOUR_MS = 3_600_000
_PAGE = 200


@dataclass
class PeriodSourceCounts:
    stored: int = 0
    unparsed: int = 0
    dead_lettered: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    hours: list[int] = field(default_factory=list)  # epoch ms of the hours with records

    def longest_silence_seconds(self, start: datetime, end: datetime) -> float:
        """The longest stretch of the period without a record of this source."""
        if self.first_seen is None or self.last_seen is None:
            return (end - start).total_seconds()
        gaps = [
            (self.first_seen - start).total_seconds(),
            (end - self.last_seen).total_seconds(),
        ]
        for a, b in zip(self.hours, self.hours[1:], strict=False):
            gaps.append((b - a - _HOUR_MS) / 1000)
        return max(0.0, *gaps)


def _ms(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value) / 1000, UTC)


def _composite(
    es: Elasticsearch,
    *,
    index: str,
    query: dict[str, Any],
    sources: list[dict[str, Any]],
    aggs: dict[str, Any],
) -> Iterator[dict[str, Any]]:
    after: dict[str, Any] | None = None
    while True:
        composite: dict[str, Any] = {"size": _PAGE, "sources": sources}
        if after is not None:
            composite["after"] = after
        resp = es.search(
            index=index,
            query=query,
            size=0,
            aggs={"by_source": {"composite": composite, **({"aggs": aggs} if aggs else {})}},
            allow_no_indices=True,
            ignore_unavailable=True,
        )
        agg = (resp.get("aggregations") or {}).get("by_source")
        if not agg:
            return
        yield from agg["buckets"]
        after = agg.get("after_key")
        if after is None or not agg["buckets"]:
            return


def _terms(name: str, path: str) -> dict[str, Any]:
    return {name: {"terms": {"field": path, "missing_bucket": True}}}


def _key(bucket: dict[str, Any]) -> SourceKey:
    k = bucket["key"]
    return (k.get("input") or "", k.get("host") or k.get("address") or "", k.get("app") or "")


def period_source_counts(
    es: Elasticsearch, names: IndexNames, *, start: datetime, end: datetime
) -> dict[SourceKey, PeriodSourceCounts]:
    """Per source: events stored and unparsed in the period, its first and last record,
    the hours it sent in, and the records dead-lettered in the period."""
    period = {"gte": start.isoformat(), "lt": end.isoformat()}
    out: dict[SourceKey, PeriodSourceCounts] = {}
    sources = [
        _terms("input", "secops.source.input"),
        _terms("host", "secops.source.host"),
        _terms("address", "secops.source.address"),
        _terms("app", "secops.source.application"),
    ]
    aggs = {
        "unparsed": {"filter": {"term": {"tags": "unparsed"}}},
        "first": {"min": {"field": "@timestamp"}},
        "last": {"max": {"field": "@timestamp"}},
        "hours": {"date_histogram": {"field": "@timestamp", "fixed_interval": "1h"}},
    }
    for b in _composite(
        es,
        index=names.events_pattern,
        query={"range": {"@timestamp": period}},
        sources=sources,
        aggs=aggs,
    ):
        counts = out.setdefault(_key(b), PeriodSourceCounts())
        counts.stored += int(b["doc_count"])
        counts.unparsed += int(b["unparsed"]["doc_count"])
        first, last = _ms(b["first"]["value"]), _ms(b["last"]["value"])
        if first is not None:
            counts.first_seen = min(counts.first_seen or first, first)
        if last is not None:
            counts.last_seen = max(counts.last_seen or last, last)
        hours = [int(h["key"]) for h in b["hours"]["buckets"] if h["doc_count"]]
        counts.hours = sorted(set(counts.hours) | set(hours))
    dead_sources = [
        _terms("input", "source.input"),
        _terms("host", "source.host"),
        _terms("address", "source.address"),
        _terms("app", "source.application"),
    ]
    for b in _composite(
        es,
        index=names.deadletter,
        query={"range": {"@timestamp": period}},
        sources=dead_sources,
        aggs={},
    ):
        out.setdefault(_key(b), PeriodSourceCounts()).dead_lettered += int(b["doc_count"])
    return out
