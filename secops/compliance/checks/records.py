"""Logging and evidence: the audit trail, sources reporting, records accounted, retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from elasticsearch import ApiError
from pydantic import Field

from secops.accounting.service import list_sources
from secops.audit import blocked, verify
from secops.compliance.checks.base import (
    MAX_LISTED,
    CheckRun,
    NoParams,
    Params,
    iso,
    listed,
    names,
)
from secops.compliance.models import CheckOutcome
from secops.store.retention import lifecycle_is_managed


def audit_trail_intact(run: CheckRun, params: NoParams) -> CheckOutcome:
    """The audit trail verifies end to end with this deployment's key and still reaches
    its latest signed checkpoint; the checkpoint file itself verifies.

    It also makes this process's writer look again: a truncation found here raises the
    critical alert and holds appends, as at a writer's start.
    """
    report = verify(run.ctx)
    evidence = report.model_dump(mode="json")
    evidence["appends_held"] = blocked(run.ctx) is not None
    if (gone := report.missing_seqs) is not None:
        evidence["missing"] = list(range(gone.first, gone.last + 1)[:MAX_LISTED])
    if not report.intact:
        where = f" at seq {report.first_broken_seq}" if report.first_broken_seq else ""
        return CheckOutcome(
            status="fail",
            summary=f"The audit trail is broken{where} ({report.reason}): {report.detail}.",
            evidence=evidence,
        )
    if report.checkpoint is None and report.head_seq:
        return CheckOutcome(
            status="warn",
            summary=f"The audit trail is intact ({report.entries_checked} entries) but no "
            "signed checkpoint anchors it: deleting its newest entries would go unseen.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary=f"The audit trail is intact: {report.entries_checked} entries, "
        f"head seq {report.head_seq}.",
        evidence=evidence,
    )


def _source_name(input_: str, host: str, application: str) -> str:
    return "/".join(part for part in (input_, host, application) if part) or "unknown"


class SilenceParams(Params):
    max_silent_hours: float = Field(24, gt=0, le=24 * 365)


def sources_reporting(run: CheckRun, params: SilenceParams) -> CheckOutcome:
    """Every known source sent something within ``max_silent_hours``."""
    limit = params.max_silent_hours * 3600
    sources = list_sources(run.ctx, now=run.now.timestamp())
    silent: list[dict[str, Any]] = [
        {
            "source": _source_name(s.input, s.host, s.application),
            "last_seen": iso(s.last_seen),
            "silent_for_seconds": s.silent_for_seconds,
        }
        for s in sources
        if s.silent_for_seconds is None or s.silent_for_seconds > limit
    ]
    evidence = {
        "sources": len(sources),
        "max_silent_hours": params.max_silent_hours,
        "silent": listed(silent),
        "silent_count": len(silent),
    }
    if not sources:
        return CheckOutcome(status="warn", summary="No source has reported yet.", evidence=evidence)
    if silent:
        return CheckOutcome(
            status="fail",
            summary=f"{len(silent)} of {len(sources)} sources are silent for more than "
            f"{params.max_silent_hours:g} hours: {names([str(s['source']) for s in silent])}.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary=f"All {len(sources)} sources reported within {params.max_silent_hours:g} hours.",
        evidence=evidence,
    )


class PeriodParams(Params):
    period_hours: float = Field(24, gt=0, le=24 * 366)


def records_accounted(run: CheckRun, params: PeriodParams) -> CheckOutcome:
    """Records refused or dead-lettered in the period are counted, each with its reason.

    Drops (UDP overflow, full spool) are counted per source: this compares each
    source's total with the one this control saw at its previous run (the whole
    total at the first run). Dead-lettered records are kept whole with the reason
    Elasticsearch gave; one without a reason is unexplained and fails the control.
    """
    since = run.now - timedelta(hours=params.period_hours)
    totals = {
        _source_name(s.input, s.host, s.application): s.dropped
        for s in list_sources(run.ctx, now=run.now.timestamp())
    }
    before: dict[str, Any] = {}
    if run.previous is not None:
        before = dict(run.previous.evidence.get("dropped_totals") or {})
    dropped = {k: n - int(before.get(k, 0)) for k, n in totals.items() if n > int(before.get(k, 0))}
    resp = run.ctx.es.search(
        index=run.ctx.names.deadletter,
        query={"range": {"@timestamp": {"gte": iso(since), "lt": iso(run.now)}}},
        sort=[{"@timestamp": "desc"}],
        size=50,
        track_total_hits=True,
        source_includes=["@timestamp", "target", "reason", "error_type", "record_id", "source"],
        ignore_unavailable=True,
    )
    letters = [{"id": h["_id"], **h["_source"]} for h in resp["hits"]["hits"]]
    dead_total = int(resp["hits"]["total"]["value"])
    unexplained = run.ctx.es.count(
        index=run.ctx.names.deadletter,
        query={
            "bool": {
                "filter": [{"range": {"@timestamp": {"gte": iso(since), "lt": iso(run.now)}}}],
                "must_not": [{"exists": {"field": "reason"}}],
            }
        },
        ignore_unavailable=True,
    )["count"]
    evidence = {
        "period_start": iso(since),
        "period_end": iso(run.now),
        "dropped_since_previous_run": dropped,
        "dropped_totals": totals,
        "baseline": run.previous.evaluated_at.isoformat() if run.previous else None,
        "deadlettered": dead_total,
        "deadletter_sample": letters,
        "deadletter_unexplained": int(unexplained),
    }
    if unexplained:
        return CheckOutcome(
            status="fail",
            summary=f"{unexplained} dead-lettered records in the period carry no reason.",
            evidence=evidence,
        )
    if dropped or dead_total:
        return CheckOutcome(
            status="warn",
            summary=f"{sum(dropped.values())} records were dropped "
            f"({names(sorted(dropped)) or 'no source'}) and {dead_total} dead-lettered in the "
            "period, each counted with its source or reason; review them.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary="No record was dropped or dead-lettered in the period.",
        evidence=evidence,
    )


class RetentionParams(Params):
    min_days: int = Field(90, ge=1, le=36500)


def retention_configured(run: CheckRun, params: RetentionParams) -> CheckOutcome:
    """Events are kept at least ``min_days``: in the settings and in the applied template."""
    configured = run.ctx.settings.retention_days
    # The events template is cluster-wide (secops-events); older deployments kept one
    # per namespace.
    found: list[dict[str, Any]] = []
    for template_name in (f"secops-{run.ctx.settings.namespace}-events", "secops-events"):
        try:
            found = run.ctx.es.indices.get_index_template(name=template_name)["index_templates"]
        except ApiError as exc:
            if exc.meta.status != 404:
                raise
        if found:
            break
    applied: int | None = None
    if found:
        meta = found[0]["index_template"].get("_meta") or {}
        applied = meta.get("retention_days")
    evidence = {
        "min_days": params.min_days,
        "settings_retention_days": configured,
        "template": template_name,
        "template_retention_days": applied,
        "lifecycle_managed_by_cluster": lifecycle_is_managed(run.ctx.es),
    }
    if applied is None:
        return CheckOutcome(
            status="fail",
            summary=f"The events template {template_name} is not applied.",
            evidence=evidence,
        )
    shortest = min(configured, int(applied))
    if shortest < params.min_days:
        return CheckOutcome(
            status="fail",
            summary=f"Events are kept {shortest} days, less than the required {params.min_days}.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary=f"Events are kept {shortest} days (at least {params.min_days} required).",
        evidence=evidence,
    )
