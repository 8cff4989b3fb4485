"""Evaluate every control, keep each result with its evidence, answer what the status is.

A run evaluates the controls one after the other; each result is stored under
``<run_id>:<control_id>``, where the run id is the run's instant, so evaluating
again at the same instant replaces, never duplicates. A check that raises gives
the status ``error`` with the reason: one broken check never hides the others.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from secops.compliance.checks import CHECKS, CheckRun
from secops.compliance.controls import builtin_controls, find_control
from secops.compliance.models import (
    STATUS_RANK,
    CheckOutcome,
    ComplianceStatus,
    ControlDef,
    ControlHistory,
    ControlResult,
    OverallStatus,
)
from secops.context import Context
from secops.errors import InvalidInputError, StoreError
from secops.store.scan import scan_hits

log = logging.getLogger(__name__)

RESULT = "result"
MAX_HISTORY = 500


def index(ctx: Context) -> str:
    return ctx.names.index("compliance")


def run_id_of(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    """Evidence as plain JSON values, as it will read back from the store."""
    plain: dict[str, Any] = json.loads(json.dumps(value, default=str, allow_nan=False))
    return plain


def _run_check(
    ctx: Context, control: ControlDef, now: datetime, previous: ControlResult | None
) -> CheckOutcome:
    check = CHECKS[control.check]
    try:
        params = check.params.model_validate(control.params)
        outcome = check.fn(CheckRun(ctx=ctx, now=now, previous=previous), params)
        return CheckOutcome(
            status=outcome.status, summary=outcome.summary, evidence=_plain(outcome.evidence)
        )
    except Exception as exc:
        log.warning("compliance check %s of %s failed", control.check, control.id, exc_info=True)
        reason = f"{type(exc).__name__}: {exc}"
        return CheckOutcome(
            status="error",
            summary=f"The check could not run: {reason}",
            evidence={"error": reason, "error_type": type(exc).__name__},
        )


def evaluate_control(
    ctx: Context, control: ControlDef, *, now: datetime, previous: ControlResult | None = None
) -> ControlResult:
    started = time.perf_counter()
    outcome = _run_check(ctx, control, now, previous)
    return ControlResult(
        run_id=run_id_of(now),
        control_id=control.id,
        title=control.title,
        severity=control.severity,
        references=control.references,
        check=control.check,
        params=control.params,
        status=outcome.status,
        summary=outcome.summary,
        evidence=outcome.evidence,
        evaluated_at=now,
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
    )


def overall(results: list[ControlResult]) -> OverallStatus:
    if not results:
        return "unknown"
    worst = max(results, key=lambda r: STATUS_RANK[r.status])
    return worst.status


def _status(results: list[ControlResult]) -> ComplianceStatus:
    counts = {s: 0 for s in ("pass", "warn", "fail", "error")}
    for r in results:
        counts[r.status] += 1
    runs = {r.run_id for r in results}
    return ComplianceStatus(
        status=overall(results),
        run_id=runs.pop() if len(runs) == 1 else None,
        evaluated_at=max((r.evaluated_at for r in results), default=None),
        counts=counts,
        results=results,
    )


def _store(ctx: Context, results: list[ControlResult]) -> None:
    ops: list[dict[str, Any]] = []
    for r in results:
        ops.append({"index": {"_index": index(ctx), "_id": f"{r.run_id}:{r.control_id}"}})
        ops.append({"kind": RESULT, **r.model_dump(mode="json")})
    resp = ctx.es.bulk(operations=ops, refresh="wait_for", filter_path="errors,items.*.error")
    if resp.get("errors"):
        raise StoreError(f"compliance results refused: {resp['items'][:3]}", where=index(ctx))


def evaluate(
    ctx: Context, *, now: datetime | None = None, controls: list[ControlDef] | None = None
) -> ComplianceStatus:
    """Run every control (the built-in ones by default), store the results, return them."""
    now = now or datetime.now(UTC)
    controls = controls if controls is not None else builtin_controls()
    previous = latest_results(ctx, before=now)
    results = [evaluate_control(ctx, c, now=now, previous=previous.get(c.id)) for c in controls]
    _store(ctx, results)
    return _status(results)


def _results(hits: list[dict[str, Any]]) -> list[ControlResult]:
    out = []
    for hit in hits:
        src = {k: v for k, v in hit["_source"].items() if k != "kind"}
        out.append(ControlResult.model_validate(src))
    return out


def latest_results(ctx: Context, *, before: datetime | None = None) -> dict[str, ControlResult]:
    """The newest result of each control (evaluated before ``before``), by control id."""
    filters: list[dict[str, Any]] = [{"term": {"kind": RESULT}}]
    if before is not None:
        filters.append({"range": {"evaluated_at": {"lt": before.isoformat()}}})
    resp = ctx.es.search(
        index=index(ctx),
        query={"bool": {"filter": filters}},
        collapse={"field": "control_id"},
        sort=[{"evaluated_at": "desc"}],
        size=1000,
        ignore_unavailable=True,
    )
    return {r.control_id: r for r in _results(resp["hits"]["hits"])}


def compliance_status(ctx: Context) -> ComplianceStatus:
    """The latest result of every control currently defined, in the order of the file."""
    latest = latest_results(ctx)
    results = [latest[c.id] for c in builtin_controls() if c.id in latest]
    return _status(results)


def control_history(
    ctx: Context,
    *,
    control_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
) -> ControlHistory:
    """A control's definition and its results, newest first."""
    if not 1 <= limit <= MAX_HISTORY:
        raise InvalidInputError(f"limit must be between 1 and {MAX_HISTORY}")
    control = find_control(control_id)
    filters: list[dict[str, Any]] = [
        {"term": {"kind": RESULT}},
        {"term": {"control_id": control.id}},
    ]
    bounds = {"gte": since, "lt": until}
    if since or until:
        filters.append(
            {"range": {"evaluated_at": {k: v.isoformat() for k, v in bounds.items() if v}}}
        )
    resp = ctx.es.search(
        index=index(ctx),
        query={"bool": {"filter": filters}},
        sort=[{"evaluated_at": "desc"}],
        size=limit,
        ignore_unavailable=True,
    )
    return ControlHistory(control=control, results=_results(resp["hits"]["hits"]))


def results_between(ctx: Context, *, start: datetime, end: datetime) -> list[ControlResult]:
    """Every result evaluated in [start, end], oldest first (a run at the end counts)."""
    query = {
        "bool": {
            "filter": [
                {"term": {"kind": RESULT}},
                {"range": {"evaluated_at": {"gte": start.isoformat(), "lte": end.isoformat()}}},
            ]
        }
    }
    hits = list(scan_hits(ctx.es, index=index(ctx), query=query))
    results = _results(hits)
    results.sort(key=lambda r: (r.evaluated_at, r.control_id))
    return results
