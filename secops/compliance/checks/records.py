"""Logging and evidence: the audit trail, sources reporting, records accounted, retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

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
from secops.compliance.register import load_register
from secops.store.bootstrap import applied_retention
from secops.store.deadletter import dead_letters
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
    """Every system of the register, and every other source known, sent something within
    its tolerated silence (the system's own, else ``max_silent_hours``); a registered
    system that never sent anything is named as never connected."""
    register = load_register(run.ctx.settings.sources_register_file)
    sources = list_sources(run.ctx, now=run.now.timestamp())
    heard: dict[str, float | None] = {}  # registered system -> newest last_seen of its sources
    silent: list[dict[str, Any]] = []

    def too_long(silence: float | None, hours: float) -> bool:
        return silence is None or silence > hours * 3600

    for s in sources:
        system = register.system_of(s.input, s.host, s.application)
        if system is not None:
            last = heard.get(system.name)
            if s.last_seen is not None and (last is None or s.last_seen > last):
                heard[system.name] = s.last_seen
            else:
                heard.setdefault(system.name, last)
            continue
        if too_long(s.silent_for_seconds, params.max_silent_hours):
            silent.append(
                {
                    "source": _source_name(s.input, s.host, s.application),
                    "last_seen": iso(s.last_seen),
                    "silent_for_seconds": s.silent_for_seconds,
                }
            )
    never = sorted(x.name for x in register.systems if heard.get(x.name) is None)
    for x in register.systems:
        last = heard.get(x.name)
        if last is not None and too_long(run.now.timestamp() - last, x.max_silence_hours):
            silent.append(
                {
                    "source": x.name,
                    "last_seen": iso(last),
                    "silent_for_seconds": max(0.0, run.now.timestamp() - last),
                    "max_silence_hours": x.max_silence_hours,
                }
            )
    evidence = {
        "sources": len(sources),
        "registered_systems": len(register.systems),
        "max_silent_hours": params.max_silent_hours,
        "silent": listed(silent),
        "silent_count": len(silent),
        "never_connected": listed(never),
        "never_connected_count": len(never),
    }
    if not sources and not register.systems:
        return CheckOutcome(status="warn", summary="No source has reported yet.", evidence=evidence)
    if silent or never:
        parts = []
        if never:
            parts.append(
                f"{len(never)} of {len(register.systems)} registered systems never sent "
                f"anything: {names(never)}"
            )
        if silent:
            parts.append(
                f"{len(silent)} sources are silent for longer than they may be: "
                f"{names([str(s['source']) for s in silent])}"
            )
        return CheckOutcome(status="fail", summary="; ".join(parts) + ".", evidence=evidence)
    return CheckOutcome(
        status="pass",
        summary=f"All {len(sources)} sources reported within their tolerated silence.",
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
    sources = list_sources(run.ctx, now=run.now.timestamp())
    totals = {_source_name(s.input, s.host, s.application): s.dropped for s in sources}
    before: dict[str, Any] = {}
    if run.previous is not None:
        before = dict(run.previous.evidence.get("dropped_totals") or {})
    dropped = {k: n - int(before.get(k, 0)) for k, n in totals.items() if n > int(before.get(k, 0))}
    letters = dead_letters(run.ctx.es, run.ctx.names, since=since, until=run.now)
    dead_total, unexplained = letters.total, letters.unexplained
    evidence = {
        "period_start": iso(since),
        "period_end": iso(run.now),
        "dropped_since_previous_run": dropped,
        "dropped_totals": totals,
        # The same totals keyed by source, for period reports (differences of two runs).
        "dropped_sources": [
            {"input": s.input, "host": s.host, "application": s.application, "dropped": s.dropped}
            for s in sources
            if s.dropped
        ],
        "baseline": run.previous.evaluated_at.isoformat() if run.previous else None,
        "deadlettered": dead_total,
        "deadletter_sample": letters.sample,
        "deadletter_unexplained": unexplained,
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
    applied = applied_retention(run.ctx.es, namespace=run.ctx.settings.namespace)
    evidence = {
        "min_days": params.min_days,
        "settings_retention_days": configured,
        "template": applied.template,
        "template_retention_days": applied.days,
        "lifecycle_managed_by_cluster": lifecycle_is_managed(run.ctx.es),
    }
    if applied.days is None:
        return CheckOutcome(
            status="fail",
            summary=f"The events template {applied.template} is not applied.",
            evidence=evidence,
        )
    shortest = min(configured, int(applied.days))
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
