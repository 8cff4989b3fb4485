"""The closed registry of compliance checks: a control in ``controls.yml`` names one of these.

A name that is not here is refused when the controls are loaded; no code is ever
imported from a name in a data file.
"""

from secops.compliance.checks import access, archive, detection, records
from secops.compliance.checks.base import MAX_LISTED, Check, CheckRun, NoParams, Params

CHECKS: dict[str, Check] = {
    "audit_trail_intact": Check(
        records.audit_trail_intact, NoParams, "secops audit verify over the whole chain"
    ),
    "mfa_confirmed": Check(
        access.mfa_confirmed, NoParams, "enabled accounts without confirmed TOTP"
    ),
    "disabled_without_sessions": Check(
        access.disabled_without_sessions, NoParams, "live sessions of disabled accounts"
    ),
    "apikeys_expired_revoked": Check(
        access.apikeys_expired_revoked, NoParams, "API keys past expiry and not revoked"
    ),
    "apikeys_rotated": Check(
        access.apikeys_rotated, access.RotationParams, "API keys not rotated for N days"
    ),
    "sources_reporting": Check(
        records.sources_reporting, records.SilenceParams, "sources silent for more than N hours"
    ),
    "records_accounted": Check(
        records.records_accounted, records.PeriodParams, "dropped and dead-lettered records"
    ),
    "retention_configured": Check(
        records.retention_configured, records.RetentionParams, "event retention of N days"
    ),
    "archived_before_deletion": Check(
        archive.archived_before_deletion, NoParams, "expired events deleted only once archived"
    ),
    "rules_loaded": Check(detection.rules_loaded, NoParams, "rules rejected at load time"),
    "rules_not_disabled_long": Check(
        detection.rules_not_disabled_long,
        detection.DisabledParams,
        "rules disabled for more than N days",
    ),
    "alerts_within_sla": Check(
        detection.alerts_within_sla, detection.SlaParams, "alerts overdue on their SLA"
    ),
    "confidential_alerts_triaged": Check(
        detection.confidential_alerts_triaged,
        detection.TriageParams,
        "confidentiality alerts untriaged after N hours",
    ),
    "notifications_delivering": Check(
        detection.notifications_delivering,
        records.PeriodParams,
        "notification channels that gave up",
    ),
}

__all__ = ["CHECKS", "MAX_LISTED", "Check", "CheckRun", "NoParams", "Params"]
