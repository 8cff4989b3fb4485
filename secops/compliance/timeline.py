"""A control's status over a period, from its results: segments, time failing, end status.

A result holds from its evaluation until the next one; before the first result of
the period the control is in the state of its last result before the period
(``unknown`` without one). Pure: the results are given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from secops.compliance.models import ControlDef, ControlResult, OverallStatus
from secops.compliance.report_model import ControlRow, TimelineSegment

FAILING = frozenset({"fail", "error"})


def segments(
    results: Sequence[ControlResult],
    *,
    start: datetime,
    end: datetime,
    before: ControlResult | None = None,
) -> list[TimelineSegment]:
    """Consecutive [start, end) stretches of one status; ``results`` oldest first, all
    evaluated in [start, end)."""
    out: list[TimelineSegment] = []
    status: OverallStatus = before.status if before is not None else "unknown"
    at = start
    for r in results:
        if r.status == status:
            continue
        if r.evaluated_at > at:
            out.append(TimelineSegment(start=at, end=r.evaluated_at, status=status))
        at, status = max(at, r.evaluated_at), r.status
    out.append(TimelineSegment(start=at, end=end, status=status))
    return out


def failing_seconds(timeline: Sequence[TimelineSegment]) -> float:
    return sum(
        (s.end.astimezone(UTC) - s.start.astimezone(UTC)).total_seconds()
        for s in timeline
        if s.status in FAILING
    )


def control_row(
    control: ControlDef,
    results: Sequence[ControlResult],
    *,
    start: datetime,
    end: datetime,
    before: ControlResult | None = None,
) -> ControlRow:
    inside = [r for r in results if start <= r.evaluated_at < end]
    timeline = segments(inside, start=start, end=end, before=before)
    runs = Counter(r.status for r in inside)
    latest = inside[-1] if inside else before
    return ControlRow(
        id=control.id,
        severity=control.severity,
        references=list(control.references),
        status=timeline[-1].status,
        failing_seconds=failing_seconds(timeline),
        runs={s: runs.get(s, 0) for s in ("pass", "warn", "fail", "error")},
        timeline=timeline,
        summary=latest.summary if latest is not None else None,
    )
