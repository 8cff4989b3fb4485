"""Everything a period report states, read from the period's own data.

Each figure comes from the documents of the period: events and dead letters
(per system, through ``secops.store``), alerts created in it (``secops.alerts``),
control results evaluated in it (this domain), audit entries appended in it
(``secops.audit``). Records dropped before they existed (UDP overflow, full spool)
leave no document: they are the difference between the per-source totals that the
records control (``records_accounted``) saw at its last run before the period's end
and at its last run before its start. A record received is one stored, dead-lettered
or dropped. Rules, retention and archives are stated as they stand at signing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from secops import audit
from secops.accounting.service import list_sources
from secops.alerts.period import AlertPeriod, alerts_of_period, days_of
from secops.audit.span import entries_between
from secops.compliance import service
from secops.compliance.controls import builtin_controls
from secops.compliance.indicators import FigureKey
from secops.compliance.models import ControlResult
from secops.compliance.periods import week_start
from secops.compliance.preservation import preservation_section
from secops.compliance.register import ExpectedSystem, Register, load_register
from secops.compliance.report_model import (
    AuditTrailDoc,
    ControlRow,
    Preservation,
    RulesDoc,
    Series,
    SystemRow,
    WeekCount,
)
from secops.compliance.timeline import control_row
from secops.context import Context
from secops.definitions import SEVERITIES
from secops.rules.catalog import load_catalog
from secops.rules.state import rule_states
from secops.store.source_counts import PeriodSourceCounts, SourceKey, period_source_counts

Figures = dict[FigureKey, float | None]
_COUNTED = ("received", "stored", "unparsed", "dead_lettered", "dropped")


@dataclass
class PeriodData:
    figures: Figures
    systems: list[SystemRow] = field(default_factory=list)
    controls: list[ControlRow] = field(default_factory=list)
    series: Series | None = None
    audit_trail: AuditTrailDoc | None = None
    rules: RulesDoc | None = None
    preservation: Preservation | None = None


def _check_result(latest: dict[str, ControlResult], check: str) -> ControlResult | None:
    for control in builtin_controls():
        if control.check == check and control.id in latest:
            return latest[control.id]
    return None


def _dropped_totals(result: ControlResult | None) -> dict[SourceKey, int]:
    if result is None:
        return {}
    out: dict[SourceKey, int] = {}
    for row in result.evidence.get("dropped_sources") or []:
        key = (str(row["input"]), str(row["host"]), str(row["application"]))
        out[key] = int(row["dropped"])
    return out


def dropped_in_period(ctx: Context, *, start: datetime, end: datetime) -> dict[SourceKey, int]:
    """Records dropped per source in [start, end), from the records control's runs."""
    at_end = _dropped_totals(
        _check_result(service.latest_results(ctx, before=end), "records_accounted")
    )
    at_start = _dropped_totals(
        _check_result(service.latest_results(ctx, before=start), "records_accounted")
    )
    return {k: n - at_start.get(k, 0) for k, n in at_end.items() if n > at_start.get(k, 0)}


def _system_row(
    system: ExpectedSystem | None,
    key: SourceKey | None,
    counts: PeriodSourceCounts,
    dropped: int,
    *,
    start: datetime,
    end: datetime,
    ever_heard: bool,
) -> SystemRow:
    silence = counts.longest_silence_seconds(start, end)
    if system is None:
        state = "unregistered"
    elif counts.stored == 0 and counts.dead_lettered == 0 and dropped == 0 and not ever_heard:
        state = "never_connected"
    elif silence > system.max_silence_hours * 3600:
        state = "silent"
    else:
        state = "reporting"
    name = system.name if system else "/".join(p for p in key or () if p) or "unknown"
    return SystemRow(
        name=name,
        owner=system.owner if system else None,
        criticality=system.criticality if system else None,
        input=system.input if system else (key[0] if key else None),
        host=system.host if system else (key[1] if key else None),
        application=system.application if system else (key[2] if key else None),
        expected_format=system.format if system else None,
        max_silence_hours=system.max_silence_hours if system else None,
        state=state,
        received=counts.stored + counts.dead_lettered + dropped,
        stored=counts.stored,
        unparsed=counts.unparsed,
        dead_lettered=counts.dead_lettered,
        dropped=dropped,
        first_seen=counts.first_seen,
        last_seen=counts.last_seen,
        longest_silence_seconds=silence,
    )


def _merge(into: PeriodSourceCounts, other: PeriodSourceCounts) -> None:
    into.stored += other.stored
    into.unparsed += other.unparsed
    into.dead_lettered += other.dead_lettered
    if other.first_seen is not None:
        into.first_seen = min(into.first_seen or other.first_seen, other.first_seen)
    if other.last_seen is not None:
        into.last_seen = max(into.last_seen or other.last_seen, other.last_seen)
    into.hours = sorted(set(into.hours) | set(other.hours))


def systems_of_period(
    ctx: Context, register: Register, *, start: datetime, end: datetime, now: datetime
) -> list[SystemRow]:
    """One row per registered system (in the register's order), then one per source the
    register does not name."""
    counts = period_source_counts(ctx.es, ctx.names, start=start, end=end)
    dropped = dropped_in_period(ctx, start=start, end=end)
    heard = {
        (s.input, s.host, s.application)
        for s in list_sources(ctx, now=now.timestamp())
        if s.first_seen is not None and s.first_seen < end.timestamp()
    }
    per_system: dict[str, PeriodSourceCounts] = defaultdict(PeriodSourceCounts)
    per_system_dropped: dict[str, int] = defaultdict(int)
    per_system_heard: set[str] = set()
    others: dict[SourceKey, tuple[PeriodSourceCounts, int]] = {}
    for key in sorted(set(counts) | set(dropped) | heard):
        system = register.system_of(*key)
        c = counts.get(key, PeriodSourceCounts())
        if system is not None:
            _merge(per_system[system.name], c)
            per_system_dropped[system.name] += dropped.get(key, 0)
            if key in heard:
                per_system_heard.add(system.name)
        elif key in counts or key in dropped:
            others[key] = (c, dropped.get(key, 0))
    rows = [
        _system_row(
            s,
            None,
            per_system[s.name],
            per_system_dropped[s.name],
            start=start,
            end=end,
            ever_heard=s.name in per_system_heard,
        )
        for s in register.systems
    ]
    rows += [
        _system_row(None, key, c, n, start=start, end=end, ever_heard=True)
        for key, (c, n) in others.items()
    ]
    return rows


def controls_of_period(ctx: Context, *, start: datetime, end: datetime) -> list[ControlRow]:
    results = service.results_between(ctx, start=start, end=end)
    before = service.latest_results(ctx, before=start)
    by_control: dict[str, list[ControlResult]] = defaultdict(list)
    for r in results:
        by_control[r.control_id].append(r)
    return [
        control_row(c, by_control[c.id], start=start, end=end, before=before.get(c.id))
        for c in builtin_controls()
    ]


def series_of(alerts: AlertPeriod, *, start: datetime, end: datetime, timezone: str) -> Series:
    weeks: dict[Any, int] = {}
    for day in days_of(start, end, timezone):
        weeks.setdefault(week_start(day), 0)
        weeks[week_start(day)] += alerts.per_day.get(day, 0)
    return Series(
        alerts_per_week=[WeekCount(week_start=w, count=n) for w, n in weeks.items()],
        alerts_by_severity={s: alerts.by_severity.get(s, 0) for s in SEVERITIES},
        alerts_by_tactic=dict(alerts.by_tactic),
        alerts_by_confidentiality={
            "confidential": alerts.confidential,
            "other": alerts.total - alerts.confidential,
        },
    )


def _mfa_ratio(ctx: Context, end: datetime) -> float | None:
    result = _check_result(service.latest_results(ctx, before=end), "mfa_confirmed")
    if result is None:
        return None
    enabled = int(result.evidence.get("enabled") or 0)
    with_mfa = int(result.evidence.get("with_mfa") or 0)
    return with_mfa / enabled if enabled else None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _rules(ctx: Context) -> RulesDoc:
    catalog = load_catalog(ctx.settings)
    disabled = {rid for rid, s in rule_states(ctx).items() if not s.enabled}
    total = len(catalog.ruleset.rules) + len(catalog.correlations)
    return RulesDoc(
        active=total - len(disabled),
        disabled=len(disabled),
        unsupported=len(catalog.errors),
        correlations=len(catalog.correlations),
    )


def _audit(ctx: Context, *, start: datetime, end: datetime) -> AuditTrailDoc:
    report = audit.verify(ctx)
    span = entries_between(ctx, since=start, until=end)
    return AuditTrailDoc(
        intact=report.intact,
        entries_in_period=span.entries,
        first_seq=span.first_seq,
        last_seq=span.last_seq,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        reason=report.reason.value if report.reason else None,
        first_broken_seq=report.first_broken_seq,
        checkpoint_seq=report.checkpoint.seq if report.checkpoint else None,
    )


def gather(
    ctx: Context, *, start: datetime, end: datetime, timezone: str, now: datetime, full: bool
) -> PeriodData:
    """The figures of [start, end) and, with ``full``, the report's sections (the
    previous period needs only its figures)."""
    register = load_register(ctx.settings.sources_register_file)
    systems = systems_of_period(ctx, register, start=start, end=end, now=now)
    controls = controls_of_period(ctx, start=start, end=end)
    alerts = alerts_of_period(ctx, start=start, end=end, timezone=timezone)
    f: Figures = {}
    for name in _COUNTED:
        f[(f"records_{name}", None)] = sum(getattr(r, name) for r in systems)
        for r in systems:
            f[(f"records_{name}", r.name)] = getattr(r, name)
    f[("records_unparsed_ratio", None)] = _ratio(
        sum(r.unparsed for r in systems), sum(r.stored for r in systems)
    )
    registered = [r for r in systems if r.state != "unregistered"]
    f[("systems_registered", None)] = len(registered)
    f[("systems_silent", None)] = sum(r.state == "silent" for r in systems)
    f[("systems_never_connected", None)] = sum(r.state == "never_connected" for r in systems)
    f[("systems_unregistered", None)] = len(systems) - len(registered)
    f[("alerts_total", None)] = alerts.total
    for sev in SEVERITIES:
        f[("alerts_by_severity", sev)] = alerts.by_severity.get(sev, 0)
    for tactic, n in alerts.by_tactic.items():
        f[("alerts_by_tactic", tactic)] = n
    f[("alerts_by_confidentiality", "confidential")] = alerts.confidential
    f[("alerts_by_confidentiality", "other")] = alerts.total - alerts.confidential
    f[("confidentiality_incidents_confirmed", None)] = alerts.confidential_confirmed
    f[("time_to_acknowledge_median_seconds", None)] = alerts.tta_median_seconds
    f[("time_to_acknowledge_p90_seconds", None)] = alerts.tta_p90_seconds
    f[("time_to_resolve_median_seconds", None)] = alerts.ttr_median_seconds
    f[("time_to_resolve_p90_seconds", None)] = alerts.ttr_p90_seconds
    f[("sla_breaches", None)] = alerts.sla_breaches
    f[("alerts_triaged_ratio", None)] = _ratio(alerts.triaged, alerts.total)
    f[("controls_failing_at_end", None)] = sum(c.status in ("fail", "error") for c in controls)
    for c in controls:
        f[("control_failing_seconds", c.id)] = c.failing_seconds
    audit_control = next(
        (
            c
            for c, d in zip(controls, builtin_controls(), strict=True)
            if d.check == "audit_trail_intact"
        ),
        None,
    )
    never_failed = audit_control is None or audit_control.failing_seconds == 0
    f[("audit_entries", None)] = entries_between(ctx, since=start, until=end).entries
    f[("mfa_coverage_ratio", None)] = _mfa_ratio(ctx, end)
    data = PeriodData(figures=f, systems=systems, controls=controls)
    if not full:
        f[("audit_trail_intact", None)] = float(never_failed)
        # Stated as they stand at signing: the previous period has no figure of its own.
        for ident in ("rules_active", "rules_disabled", "rules_unsupported", "retention_days"):
            f[(ident, None)] = None
        return data
    data.series = series_of(alerts, start=start, end=end, timezone=timezone)
    data.audit_trail = _audit(ctx, start=start, end=end)
    f[("audit_trail_intact", None)] = float(never_failed and data.audit_trail.intact)
    data.rules = _rules(ctx)
    f[("rules_active", None)] = data.rules.active
    f[("rules_disabled", None)] = data.rules.disabled
    f[("rules_unsupported", None)] = data.rules.unsupported
    data.preservation = preservation_section(ctx, now=now.astimezone(UTC))
    f[("retention_days", None)] = data.preservation.retention_days
    return data
