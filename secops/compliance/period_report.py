"""Signed reports of calendar periods (format ``secops.compliance-report/2``).

A period report is signed once: its id is fixed by the calendar, the kind and the
period (``rpt-solar_hijri-half_year-1405-H1``) and the store creates it only if no
document has that id, so a second scheduler, a restart or a user asking again get
the report already signed. Only a closed period is signed (its end plus
``report_delay_minutes`` reached), so no early report takes the id of the real one.
Signing and recording in the audit trail are as for every report
(``secops.compliance.reports``). A report found stored without its audit entry is
recorded late (the process that stored it stopped first), unless it was stored less
than ``RECORDING_GRACE`` ago: then the process that stored it is recording it now.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from secops import audit
from secops.audit.chain import seal
from secops.audit.keys import key_id, public_key_pem, signing_key
from secops.auth.principals import Actor, actor_name
from secops.compliance import service
from secops.compliance.indicators import build_indicators, load_targets
from secops.compliance.models import STATUS_RANK, Report
from secops.compliance.period_data import gather
from secops.compliance.periods import Period
from secops.compliance.report_model import FORMAT_V2, ReportDocument
from secops.compliance.reports import ACTION, REPORT, get_report
from secops.context import Context
from secops.errors import InvalidInputError, NotFoundError
from secops.store.errors import VersionConflict
from secops.store.state import get_state, put_state
from secops.store.visibility import make_visible

# How long after storing a report its signer may take to record it in the audit trail.
RECORDING_GRACE = timedelta(minutes=10)
_STORING = "report_storing"  # state kind: when a report was stored (wall clock)


def closes_at(ctx: Context, period: Period) -> datetime:
    """When the report of ``period`` may be signed."""
    return period.end + timedelta(minutes=ctx.settings.report_delay_minutes)


def find_period_report(ctx: Context, period: Period) -> Report | None:
    try:
        return get_report(ctx, report_id=period.report_id)
    except NotFoundError:
        return None


def build_document(ctx: Context, period: Period, *, actor: Actor, now: datetime) -> ReportDocument:
    """The report of ``period``, unsigned."""
    start, end, tz = period.start, period.end, period.timezone
    current = gather(ctx, start=start, end=end, timezone=tz, now=now, full=True)
    prev = period.previous()
    before = gather(ctx, start=prev.start, end=prev.end, timezone=tz, now=now, full=False)
    targets = load_targets(ctx.settings.report_targets_file)
    status = max(
        (c.status for c in current.controls), key=STATUS_RANK.__getitem__, default="unknown"
    )
    public = signing_key(ctx.settings).public_key()
    if not (current.series and current.audit_trail and current.rules and current.preservation):
        raise RuntimeError("gather(full=True) left a section of the report empty")
    return ReportDocument(
        format=FORMAT_V2,
        report_id=period.report_id,
        namespace=ctx.settings.namespace,
        period=period.doc(),
        previous_period=prev.doc(),
        generated_at=now,
        generated_by=actor_name(actor),
        status=status,
        indicators=build_indicators(current.figures, before.figures, targets),
        systems=current.systems,
        controls=current.controls,
        series=current.series,
        audit_trail=current.audit_trail,
        rules=current.rules,
        preservation=current.preservation,
        key_id=key_id(public),
        public_key_pem=public_key_pem(public),
    )


def sign_period_report(
    ctx: Context,
    period: Period,
    *,
    actor: Actor = "system:scheduler",
    now: datetime | None = None,
) -> tuple[Report, bool]:
    """The signed report of ``period`` and whether this call signed it (False: it was
    signed before, and that report is returned unchanged)."""
    now = now or datetime.now(UTC)
    existing = find_period_report(ctx, period)
    if existing is not None:
        if _owes_late_record(ctx, existing.report_id):
            # Stored, then the process stopped before recording it: record it now.
            _record(ctx, existing, period, actor=actor, late=True)
        return existing, False
    if now < closes_at(ctx, period):
        raise InvalidInputError(
            f"period {period.label} ({period.calendar}) closes at "
            f"{closes_at(ctx, period).isoformat()}; its report is signed after that",
            where=period.label,
        )
    # A signed report holds every write made before it, not a near-real-time view.
    make_visible(ctx.es, ctx.names, indices=("alerts", "state", "compliance", "audit"))
    body = build_document(ctx, period, actor=actor, now=now).model_dump(
        mode="json", exclude={"hash", "signature"}
    )
    document = seal(body, signing_key(ctx.settings))
    report = Report(
        report_id=period.report_id,
        period_start=period.start,
        period_end=period.end,
        generated_at=now,
        generated_by=document["generated_by"],
        status=document["status"],
        hash=document["hash"],
        key_id=document["key_id"],
        document=document,
    )
    # Written before the report, so whoever finds the report also finds when it was stored.
    put_state(ctx.es, ctx.names, kind=_STORING, key=report.report_id, data={"at": time.time()})
    try:
        ctx.es.index(
            index=service.index(ctx),
            id=report.report_id,
            document={"kind": REPORT, **report.model_dump(mode="json")},
            refresh="wait_for",
            op_type="create",
        )
    except VersionConflict:
        # Another process signed it between our look and our write: theirs stands.
        return get_report(ctx, report_id=period.report_id), False
    _record(ctx, report, period, actor=actor, late=False)
    return report, True


def _owes_late_record(ctx: Context, report_id: str) -> bool:
    """Is a stored report without its audit entry, and past the time its signer had?"""
    if audit.first_entry(ctx, action=ACTION, target=report_id) is not None:
        return False
    storing = get_state(ctx.es, ctx.names, kind=_STORING, key=report_id) or {}
    stored_at = storing.get("at")
    # Stored moments ago: its signer is recording it (a later run does, if it stopped).
    recent = isinstance(stored_at, int | float) and (
        time.time() - stored_at < RECORDING_GRACE.total_seconds()
    )
    return not recent


def _record(ctx: Context, report: Report, period: Period, *, actor: Actor, late: bool) -> None:
    details = {
        "hash": report.hash,
        "key_id": report.key_id,
        "period_start": report.document["period"]["start"],
        "period_end": report.document["period"]["end"],
        "period": f"{period.calendar}:{period.label}",
    }
    if late:
        details["recorded_after_restart"] = True
    audit.record(
        ctx, actor=actor, action=ACTION, target=report.report_id, outcome="success", details=details
    )
