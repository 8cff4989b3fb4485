"""The alerts of a report period: counts by severity, tactic and confidentiality, times to
acknowledge and resolve (median and 90th percentile), SLA breaches, share triaged.

Alerts of a period are those created in [start, end); their triage is read as it
stood at ``end`` (a step taken after the period's end does not count in it).
Percentiles are nearest-rank: the smallest time that at least that share of the
alerts reached, always one of the measured times.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from secops.alerts.build import parse_time
from secops.context import Context
from secops.store.scan import scan_hits

_FIELDS = [
    "severity",
    "status",
    "resolution",
    "confidential",
    "threat.tactics",
    "created_at",
    "acknowledged_at",
    "resolved_at",
    "sla_due_at",
]
NO_TACTIC = "none"


class AlertPeriod(BaseModel):
    total: int
    by_severity: dict[str, int]
    by_tactic: dict[str, int]
    confidential: int
    confidential_confirmed: int  # confidential alerts resolved as true positives by the end
    per_day: dict[date, int]  # local date of creation -> alerts
    triaged: int  # acknowledged or resolved by the period's end
    sla_breaches: int  # acknowledged after their SLA, or still new past it at the end
    tta_median_seconds: float | None
    tta_p90_seconds: float | None
    ttr_median_seconds: float | None
    ttr_p90_seconds: float | None


def nearest_rank(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile of ``values`` (``share`` in (0, 1]); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def _before(value: object, end: datetime) -> datetime | None:
    """The stored time when it falls before the period's end, else None."""
    if not value:
        return None
    at = parse_time(value)
    return at if at < end else None


def alerts_of_period(ctx: Context, *, start: datetime, end: datetime, timezone: str) -> AlertPeriod:
    tz = ZoneInfo(timezone)
    query = {"range": {"created_at": {"gte": start.isoformat(), "lt": end.isoformat()}}}
    by_severity: Counter[str] = Counter()
    by_tactic: Counter[str] = Counter()
    per_day: Counter[date] = Counter()
    tta: list[float] = []
    ttr: list[float] = []
    confidential = confirmed = triaged = breaches = 0
    for hit in scan_hits(ctx.es, index=ctx.names.alerts, query=query, source=_FIELDS):
        src = hit["_source"]
        created = parse_time(src["created_at"])
        by_severity[src.get("severity") or "unknown"] += 1
        tactics = (src.get("threat") or {}).get("tactics") or [NO_TACTIC]
        for tactic in sorted(set(tactics)):
            by_tactic[tactic] += 1
        per_day[created.astimezone(tz).date()] += 1
        resolved = _before(src.get("resolved_at"), end)
        acked = _before(src.get("acknowledged_at"), end) or resolved
        if acked is not None:
            triaged += 1
            tta.append((acked - created).total_seconds())
        if resolved is not None:
            ttr.append((resolved - created).total_seconds())
        if src.get("confidential"):
            confidential += 1
            if resolved is not None and src.get("resolution") == "true_positive":
                confirmed += 1
        due = parse_time(src["sla_due_at"]) if src.get("sla_due_at") else None
        if due is not None and (acked > due if acked is not None else due < end):
            breaches += 1
    return AlertPeriod(
        total=sum(by_severity.values()),
        by_severity=dict(sorted(by_severity.items())),
        by_tactic=dict(sorted(by_tactic.items())),
        confidential=confidential,
        confidential_confirmed=confirmed,
        per_day=dict(sorted(per_day.items())),
        triaged=triaged,
        sla_breaches=breaches,
        tta_median_seconds=nearest_rank(tta, 0.5),
        tta_p90_seconds=nearest_rank(tta, 0.9),
        ttr_median_seconds=nearest_rank(ttr, 0.5),
        ttr_p90_seconds=nearest_rank(ttr, 0.9),
    )


def days_of(start: datetime, end: datetime, timezone: str) -> list[date]:
    """Every local date of [start, end)."""
    tz = ZoneInfo(timezone)
    first = start.astimezone(tz).date()
    last = (end.astimezone(tz) - timedelta(microseconds=1)).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
