"""Questions other domains ask about alerts: overdue and untriaged ones, a period's figures.

Compliance checks and signed reports ask these; they never query the alerts index
themselves. Times in the results are the stored text, as evidence shows it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from statistics import fmean
from typing import Any

from pydantic import BaseModel

from secops.alerts.build import parse_time
from secops.context import Context
from secops.definitions import Severity
from secops.store.scan import scan_hits

_BRIEF_FIELDS = ["alert_id", "severity", "rule.title", "created_at", "sla_due_at"]
_PERIOD_FIELDS = [
    "severity",
    "status",
    "created_at",
    "acknowledged_at",
    "resolved_at",
    "sla_due_at",
]


class AlertBrief(BaseModel):
    id: str
    severity: str | None
    title: str | None
    created_at: str | None
    sla_due_at: str | None


class AlertSample(BaseModel):
    """How many alerts match, and the oldest ``limit`` of them (by creation)."""

    total: int
    oldest: list[AlertBrief]


class PeriodFigures(BaseModel):
    """Alerts created in a period: counts, and mean times to acknowledge and to resolve."""

    total: int
    by_severity: dict[str, int]
    by_status: dict[str, int]
    overdue_at_period_end: int
    mtta_seconds: float | None
    mttr_seconds: float | None
    acknowledged: int
    resolved: int


def _sample(ctx: Context, filters: list[dict[str, Any]], limit: int) -> AlertSample:
    resp = ctx.es.search(
        index=ctx.names.alerts,
        query={"bool": {"filter": filters}},
        sort=[{"created_at": "asc"}],
        size=limit,
        track_total_hits=True,
        source_includes=_BRIEF_FIELDS,
        ignore_unavailable=True,
    )
    oldest = [
        AlertBrief(
            id=h["_id"],
            severity=h["_source"].get("severity"),
            title=(h["_source"].get("rule") or {}).get("title"),
            created_at=h["_source"].get("created_at"),
            sla_due_at=h["_source"].get("sla_due_at"),
        )
        for h in resp["hits"]["hits"]
    ]
    return AlertSample(total=int(resp["hits"]["total"]["value"]), oldest=oldest)


def overdue_alerts(
    ctx: Context, *, severities: Sequence[Severity], now: datetime, limit: int = 50
) -> AlertSample:
    """Alerts of these severities still ``new`` after their time to acknowledge."""
    return _sample(
        ctx,
        [
            {"term": {"status": "new"}},
            {"terms": {"severity": list(severities)}},
            {"range": {"sla_due_at": {"lt": now.isoformat()}}},
        ],
        limit,
    )


def untriaged_confidential(
    ctx: Context, *, created_before: datetime, limit: int = 50
) -> AlertSample:
    """Alerts about confidential data created before ``created_before`` and still ``new``."""
    return _sample(
        ctx,
        [
            {"term": {"confidential": True}},
            {"term": {"status": "new"}},
            {"range": {"created_at": {"lt": created_before.isoformat()}}},
        ],
        limit,
    )


def _seconds(later: Any, earlier: datetime) -> float | None:
    if not later:
        return None
    return (parse_time(later) - earlier).total_seconds()


def period_figures(ctx: Context, *, start: datetime, end: datetime) -> PeriodFigures:
    """Alerts created in [start, end).

    Time to acknowledge runs from creation to ``acknowledged_at`` (or to
    ``resolved_at`` for an alert resolved without being acknowledged first); an alert
    is overdue at the period's end when it is still ``new`` past its SLA then.
    """
    query = {"range": {"created_at": {"gte": start.isoformat(), "lt": end.isoformat()}}}
    by_severity: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    tta: list[float] = []
    ttr: list[float] = []
    overdue = 0
    for hit in scan_hits(ctx.es, index=ctx.names.alerts, query=query, source=_PERIOD_FIELDS):
        src = hit["_source"]
        by_severity[src.get("severity") or "unknown"] += 1
        by_status[src.get("status") or "unknown"] += 1
        created = parse_time(src["created_at"])
        ack = _seconds(src.get("acknowledged_at") or src.get("resolved_at"), created)
        if ack is not None:
            tta.append(ack)
        res = _seconds(src.get("resolved_at"), created)
        if res is not None:
            ttr.append(res)
        due = src.get("sla_due_at")
        if src.get("status") == "new" and due and parse_time(due) < end:
            overdue += 1
    return PeriodFigures(
        total=sum(by_severity.values()),
        by_severity=dict(sorted(by_severity.items())),
        by_status=dict(sorted(by_status.items())),
        overdue_at_period_end=overdue,
        mtta_seconds=round(fmean(tta), 3) if tta else None,
        mttr_seconds=round(fmean(ttr), 3) if ttr else None,
        acknowledged=len(tta),
        resolved=len(ttr),
    )
