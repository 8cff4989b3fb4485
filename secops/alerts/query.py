"""Finding alerts: filters, sorting, opaque cursors over ``search_after``, dashboard stats.

The default order, ``priority``, puts what matters first: open alerts (any status but
resolved) before resolved ones, each by severity (critical first), then by latest
activity (``last_seen``, newest first). ``order=asc`` reverses all three.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from secops.alerts.models import Alert, AlertFilter, AlertPage, AlertStats, Bucket
from secops.alerts.service import alert_from_hit
from secops.context import Context
from secops.errors import InvalidInputError
from secops.times import iso_millis

SortField = Literal[
    "priority",
    "last_seen",
    "first_seen",
    "created_at",
    "updated_at",
    "severity_rank",
    "risk_score",
    "count",
]
SortOrder = Literal["asc", "desc"]
MAX_PAGE = 500


def _overdue_query(now: datetime) -> dict[str, Any]:
    return {
        "bool": {
            "filter": [
                {"term": {"status": "new"}},
                {"range": {"sla_due_at": {"lt": iso_millis(now)}}},
            ]
        }
    }


def build_query(flt: AlertFilter | None, *, now: datetime | None = None) -> dict[str, Any]:
    """The Elasticsearch query of a filter; every given field narrows."""
    if flt is None:
        return {"match_all": {}}
    now = now or datetime.now(UTC)
    must: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = []
    must_not: list[dict[str, Any]] = []
    for values, path in (
        (flt.status, "status"),
        (flt.severity, "severity"),
        (flt.rule_id, "rule.id"),
        (flt.tag, "tags"),
        (flt.kind, "kind"),
    ):
        if values:
            filters.append({"terms": {path: [str(v) for v in values]}})
    for value, path in (
        (flt.host, "host.name"),
        (flt.user, "user.name"),
        (flt.assignee, "assignee"),
        (flt.source, "source.ip"),  # an ip field takes a CIDR block in a term query
    ):
        if value:
            filters.append({"term": {path: value}})
    if flt.confidential is not None:
        filters.append({"term": {"confidential": flt.confidential}})
    if flt.since:
        filters.append({"range": {"last_seen": {"gte": iso_millis(flt.since)}}})
    if flt.until:
        filters.append({"range": {"first_seen": {"lt": iso_millis(flt.until)}}})
    if flt.q:
        must.append(
            {
                "multi_match": {
                    "query": flt.q,
                    "fields": ["rule.title.text^2", "summary"],
                    "operator": "and",
                }
            }
        )
    if flt.overdue is True:
        filters.append(_overdue_query(now))
    elif flt.overdue is False:
        must_not.append(_overdue_query(now))
    return {"bool": {"must": must, "filter": filters, "must_not": must_not}}


DEFAULT_SORT: SortField = "priority"


def _open_first(query: dict[str, Any]) -> dict[str, Any]:
    """``query`` as a filter, scored 1 for an open alert and 0 for a resolved one.

    The score carries the open/resolved rank of the priority order: no stored field
    to keep in step with triage, and no script (the store may run without one).
    """
    is_open = {"bool": {"must_not": [{"term": {"status": "resolved"}}]}}
    return {
        "bool": {
            "filter": [query],
            "should": [{"constant_score": {"filter": is_open, "boost": 1.0}}],
        }
    }


def _sort(field: SortField, order: SortOrder) -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = [{field: {"order": order, "missing": "_last"}}]
    if field == "priority":
        keys = [
            {"_score": {"order": order}},
            {"severity_rank": {"order": order, "missing": "_last"}},
            {"last_seen": {"order": order, "missing": "_last"}},
        ]
    # alert_id is unique: the tie-breaker that makes search_after exact.
    return [*keys, {"alert_id": {"order": "asc"}}]


def encode_cursor(values: list[Any], field: str, order: str) -> str:
    raw = orjson.dumps({"a": values, "s": f"{field}:{order}"})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, field: str, order: str) -> list[Any]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values, sort = data["a"], data["s"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError("cursor is not one this API returned") from exc
    if sort != f"{field}:{order}" or not isinstance(values, list):
        raise InvalidInputError("cursor belongs to another sort order; start again without it")
    return values


def search_alerts(
    ctx: Context,
    *,
    flt: AlertFilter | None = None,
    sort: SortField = DEFAULT_SORT,
    order: SortOrder = "desc",
    size: int = 50,
    cursor: str | None = None,
) -> AlertPage:
    if not 1 <= size <= MAX_PAGE:
        raise InvalidInputError(f"size must be between 1 and {MAX_PAGE}")
    now = datetime.now(UTC)
    kwargs: dict[str, Any] = {}
    if cursor:
        kwargs["search_after"] = decode_cursor(cursor, sort, order)
    query = build_query(flt, now=now)
    resp = ctx.es.search(
        index=ctx.names.alerts,
        query=_open_first(query) if sort == "priority" else query,
        sort=_sort(sort, order),
        size=size,
        seq_no_primary_term=True,
        source_excludes=["history", "comments", "events"],
        **kwargs,
    )
    hits = resp["hits"]["hits"]
    items = [alert_from_hit(h, now=now) for h in hits]
    next_cursor = encode_cursor(hits[-1]["sort"], sort, order) if len(hits) == size else None
    return AlertPage(items=items, total=resp["hits"]["total"]["value"], next_cursor=next_cursor)


def iter_alerts(
    ctx: Context,
    *,
    flt: AlertFilter | None = None,
    sort: SortField = "last_seen",
    order: SortOrder = "desc",
    page_size: int = 500,
    limit: int | None = None,
) -> Iterator[Alert]:
    """Every matching alert, page by page over search_after (for export and bulk)."""
    cursor: str | None = None
    seen = 0
    while True:
        page = search_alerts(ctx, flt=flt, sort=sort, order=order, size=page_size, cursor=cursor)
        for alert in page.items:
            yield alert
            seen += 1
            if limit is not None and seen >= limit:
                return
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def ids_matching(ctx: Context, *, flt: AlertFilter | None, limit: int) -> list[str]:
    return [a.id for a in iter_alerts(ctx, flt=flt, limit=limit)]


def alert_stats(
    ctx: Context, *, flt: AlertFilter | None = None, interval: str = "1h", top_rules: int = 20
) -> AlertStats:
    """Counts for dashboards: by status, severity, rule, and over time (first_seen)."""
    now = datetime.now(UTC)
    resp = ctx.es.search(
        index=ctx.names.alerts,
        query=build_query(flt, now=now),
        size=0,
        track_total_hits=True,
        aggs={
            "status": {"terms": {"field": "status", "size": 10}},
            "severity": {"terms": {"field": "severity", "size": 10}},
            "rule": {"terms": {"field": "rule.id", "size": top_rules}},
            "tactic": {"terms": {"field": "threat.tactics", "size": 20}},
            "overdue": {"filter": _overdue_query(now)},
            "time": {
                "date_histogram": {
                    "field": "first_seen",
                    "fixed_interval": interval,
                    "min_doc_count": 1,
                }
            },
        },
    )
    aggs = resp["aggregations"]

    def buckets(name: str) -> list[Bucket]:
        return [Bucket(key=str(b["key"]), count=b["doc_count"]) for b in aggs[name]["buckets"]]

    return AlertStats(
        total=resp["hits"]["total"]["value"],
        overdue=aggs["overdue"]["doc_count"],
        by_status=buckets("status"),
        by_severity=buckets("severity"),
        by_rule=buckets("rule"),
        by_tactic=buckets("tactic"),
        over_time=[
            Bucket(key=b["key_as_string"], count=b["doc_count"]) for b in aggs["time"]["buckets"]
        ],
    )
