"""Monitoring: rules loaded and enabled, alerts handled in time, notifications delivered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from secops.alerts.notify.status import channel_status
from secops.alerts.stats import overdue_alerts, untriaged_confidential
from secops.compliance.checks.base import CheckRun, NoParams, Params, iso, listed, names
from secops.compliance.checks.records import PeriodParams
from secops.compliance.models import CheckOutcome
from secops.definitions import Severity
from secops.rules.catalog import load_catalog
from secops.rules.state import rule_states


def rules_loaded(run: CheckRun, params: NoParams) -> CheckOutcome:
    """Every rule file loads and compiles: none is skipped for an error.

    Rules loaded but inactive because no logsource mapping covers their logsource
    are listed in the evidence (``unsupported_logsource``); they are not errors.
    """
    catalog = load_catalog(run.ctx.settings)
    errors = [{"path": e.path, "line": e.line, "reason": e.message} for e in catalog.errors]
    inactive = [
        {"rule_id": r.meta.id, "path": r.meta.path, "title": r.meta.title, "reason": r.unsupported}
        for r in catalog.ruleset.unsupported
    ]
    evidence = {
        "rules": len(catalog.ruleset.rules),
        "correlations": len(catalog.correlations),
        "errors": listed(errors),
        "error_count": len(errors),
        "unsupported_logsource": listed(inactive),
        "unsupported_logsource_count": len(inactive),
    }
    if errors:
        paths = sorted({str(e["path"]) for e in errors})
        return CheckOutcome(
            status="fail",
            summary=f"{len(errors)} rules were rejected at load time: {names(paths)}.",
            evidence=evidence,
        )
    unused = f" ({len(inactive)} inactive: unsupported logsource)" if inactive else ""
    return CheckOutcome(
        status="pass",
        summary=f"{evidence['rules']} rules{unused} and {evidence['correlations']} correlation "
        "rules loaded without error.",
        evidence=evidence,
    )


class DisabledParams(Params):
    max_disabled_days: float = Field(7, gt=0, le=3650)


def rules_not_disabled_long(run: CheckRun, params: DisabledParams) -> CheckOutcome:
    """No rule has been switched off for longer than ``max_disabled_days``."""
    cutoff = run.now - timedelta(days=params.max_disabled_days)
    disabled = sorted(
        ((rid, s) for rid, s in rule_states(run.ctx).items() if not s.enabled),
        key=lambda item: item[1].at,
    )
    too_long = [(rid, s) for rid, s in disabled if s.at < cutoff]
    evidence = {
        "disabled": len(disabled),
        "max_disabled_days": params.max_disabled_days,
        "disabled_too_long": listed(
            [
                {"rule_id": rid, "by": s.by, "at": iso(s.at), "reason": s.reason}
                for rid, s in too_long
            ]
        ),
        "disabled_too_long_count": len(too_long),
    }
    if too_long:
        return CheckOutcome(
            status="fail",
            summary=f"{len(too_long)} rules are disabled for more than "
            f"{params.max_disabled_days:g} days: {names([rid for rid, _ in too_long])}.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary=f"No rule is disabled for more than {params.max_disabled_days:g} days "
        f"({len(disabled)} disabled).",
        evidence=evidence,
    )


def _urgent() -> list[Severity]:
    return ["critical", "high"]


class SlaParams(Params):
    severities: list[Severity] = Field(default_factory=_urgent, min_length=1)


def alerts_within_sla(run: CheckRun, params: SlaParams) -> CheckOutcome:
    """No alert of these severities is still new past its time to acknowledge."""
    found = overdue_alerts(run.ctx, severities=params.severities, now=run.now)
    total, overdue = found.total, [a.model_dump() for a in found.oldest]
    evidence = {
        "severities": list(params.severities),
        "sla_minutes": {s: run.ctx.settings.alert_sla_minutes.get(s) for s in params.severities},
        "overdue": overdue,
        "overdue_count": total,
    }
    if total:
        return CheckOutcome(
            status="fail",
            summary=f"{total} {'/'.join(params.severities)} alerts are overdue on their SLA: "
            f"{names([a['id'] for a in overdue])}.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary=f"No {'/'.join(params.severities)} alert is overdue on its SLA.",
        evidence=evidence,
    )


class TriageParams(Params):
    within_hours: float = Field(4, gt=0, le=24 * 30)


def confidential_alerts_triaged(run: CheckRun, params: TriageParams) -> CheckOutcome:
    """Alerts about confidential data are out of ``new`` within ``within_hours``."""
    cutoff = run.now - timedelta(hours=params.within_hours)
    found = untriaged_confidential(run.ctx, created_before=cutoff)
    total, late = found.total, [a.model_dump() for a in found.oldest]
    evidence = {"within_hours": params.within_hours, "untriaged": late, "untriaged_count": total}
    if total:
        return CheckOutcome(
            status="fail",
            summary=f"{total} confidentiality alerts are untriaged after "
            f"{params.within_hours:g} hours: {names([a['id'] for a in late])}.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary=f"Every confidentiality alert was triaged within {params.within_hours:g} hours.",
        evidence=evidence,
    )


def notifications_delivering(run: CheckRun, params: PeriodParams) -> CheckOutcome:
    """No notification channel gave up on an alert in the period."""
    since = run.now - timedelta(hours=params.period_hours)
    before: dict[str, Any] = {}
    if run.previous is not None:
        before = dict(run.previous.evidence.get("gave_up_totals") or {})
    channels = channel_status(run.ctx)
    failing: list[dict[str, Any]] = []
    for c in channels:
        if c.channel in before:
            gave_up_now = c.gave_up - int(before[c.channel])
        else:
            recent = c.last_error_at is not None and c.last_error_at >= since
            gave_up_now = c.gave_up if recent else 0
        if gave_up_now > 0:
            failing.append(
                {
                    "channel": c.channel,
                    "gave_up": gave_up_now,
                    "last_error": c.last_error,
                    "last_error_at": iso(c.last_error_at),
                }
            )
    evidence = {
        "period_start": iso(since),
        "channels": [c.model_dump(mode="json") for c in channels],
        "gave_up_totals": {c.channel: c.gave_up for c in channels},
        "failing": failing,
    }
    if failing:
        return CheckOutcome(
            status="fail",
            summary=f"Notification channels gave up on alerts in the period: "
            f"{names([str(f['channel']) for f in failing])}.",
            evidence=evidence,
        )
    if not channels:
        return CheckOutcome(
            status="warn",
            summary="No notification channel has delivered or reported yet.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary=f"All {len(channels)} notification channels are delivering.",
        evidence=evidence,
    )
