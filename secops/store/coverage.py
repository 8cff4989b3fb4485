"""What the events data streams saw recently, per logsource and per source: one aggregation.

For the rules' coverage view (`secops.rules.coverage`): given the event conditions of
each logsource (the routing of `secops.detect.mapping`), one search over the events
since a time counts the events each logsource selects, and per ``event.dataset`` the
events no logsource selects. Nothing is scanned; the answer is aggregations only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch

MAX_SOURCES = 1000  # datasets reported; more are summed in `other_events`
MAX_MODULES = 20  # event.module values shown per dataset
NO_DATASET = "(none)"

# One alternative of a route: ECS field -> allowed values (compared case-insensitively).
Conditions = Sequence[Mapping[str, Collection[str]]]


@dataclass(frozen=True)
class SourceSeen:
    dataset: str
    modules: tuple[str, ...]
    events: int
    uncovered: int  # events of the dataset that no given logsource selects


@dataclass
class EventsSeen:
    total: int = 0
    by_logsource: dict[str, int] = field(default_factory=dict)
    sources: list[SourceSeen] = field(default_factory=list)
    other_events: int = 0  # events of datasets beyond MAX_SOURCES


def conditions_query(conditions: Conditions | None) -> dict[str, Any]:
    """The events a route selects: alternatives OR-ed, fields AND-ed, values OR-ed.

    None (a logsource that applies to every event) selects everything. Values compare
    case-insensitively, as the detection engine's routing does.
    """
    if conditions is None:
        return {"match_all": {}}
    alternatives = []
    for condition in conditions:
        musts = []
        for name, values in sorted(condition.items()):
            terms = [
                {"term": {name: {"value": value, "case_insensitive": True}}}
                for value in sorted(values)
            ]
            musts.append({"bool": {"should": terms, "minimum_should_match": 1}})
        alternatives.append({"bool": {"filter": musts}})
    return {"bool": {"should": alternatives, "minimum_should_match": 1}}


def events_seen(
    es: Elasticsearch,
    *,
    pattern: str,
    since: datetime,
    logsources: Mapping[str, dict[str, Any]],
) -> EventsSeen:
    """Events since ``since``: how many each of ``logsources`` (key -> query) selects, and
    per dataset how many none of them selects."""
    filters = dict(logsources)
    covered = list(filters.values())
    uncovered: dict[str, Any] = (
        {"bool": {"must_not": [{"bool": {"should": covered, "minimum_should_match": 1}}]}}
        if covered
        else {"match_all": {}}
    )
    aggs: dict[str, Any] = {
        "sources": {
            "terms": {"field": "event.dataset", "size": MAX_SOURCES, "missing": NO_DATASET},
            "aggs": {
                "modules": {"terms": {"field": "event.module", "size": MAX_MODULES}},
                "uncovered": {"filter": uncovered},
            },
        }
    }
    if filters:
        aggs["logsources"] = {"filters": {"filters": filters}}
    resp = es.search(
        index=pattern,
        size=0,
        track_total_hits=True,
        query={"range": {"@timestamp": {"gte": since.isoformat()}}},
        aggs=aggs,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    seen = EventsSeen(total=int(resp["hits"]["total"]["value"]))
    found = resp.get("aggregations") or {}
    buckets = (found.get("logsources") or {}).get("buckets") or {}
    seen.by_logsource = {key: int(buckets.get(key, {}).get("doc_count", 0)) for key in filters}
    sources = found.get("sources") or {}
    seen.other_events = int(sources.get("sum_other_doc_count", 0))
    for bucket in sources.get("buckets") or []:
        seen.sources.append(
            SourceSeen(
                dataset=str(bucket["key"]),
                modules=tuple(str(m["key"]) for m in bucket["modules"]["buckets"]),
                events=int(bucket["doc_count"]),
                uncovered=int(bucket["uncovered"]["doc_count"]),
            )
        )
    return seen
