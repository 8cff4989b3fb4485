"""English names of the ids a report carries; the catalogues translate them.

The report document holds stable ids only (indicator ids, states, statuses,
tactics); what a reader sees comes from here, through ``Catalogue.gettext``.
An id not listed shows as itself, with underscores as spaces.
"""

from __future__ import annotations

INDICATORS: dict[str, str] = {
    "records_received": "Records received",
    "records_stored": "Records stored",
    "records_unparsed": "Records stored unparsed",
    "records_unparsed_ratio": "Share of records unparsed",
    "records_dead_lettered": "Records dead-lettered",
    "records_dropped": "Records dropped",
    "systems_registered": "Systems in the register",
    "systems_silent": "Systems silent",
    "systems_never_connected": "Systems never connected",
    "systems_unregistered": "Sources not in the register",
    "alerts_total": "Alerts",
    "alerts_by_severity": "Alerts by severity",
    "alerts_by_tactic": "Alerts by ATT&CK tactic",
    "alerts_by_confidentiality": "Alerts by confidentiality",
    "confidentiality_incidents_confirmed": "Confidentiality incidents confirmed",
    "time_to_acknowledge_median_seconds": "Time to acknowledge, median",
    "time_to_acknowledge_p90_seconds": "Time to acknowledge, 90th percentile",
    "time_to_resolve_median_seconds": "Time to resolve, median",
    "time_to_resolve_p90_seconds": "Time to resolve, 90th percentile",
    "sla_breaches": "SLA breaches",
    "alerts_triaged_ratio": "Share of alerts triaged",
    "controls_failing_at_end": "Controls failing at the end",
    "control_failing_seconds": "Time failing",
    "audit_trail_intact": "Audit trail intact",
    "audit_entries": "Audit trail entries",
    "mfa_coverage_ratio": "MFA coverage",
    "rules_active": "Rules active",
    "rules_disabled": "Rules disabled",
    "rules_unsupported": "Rules unsupported",
    "retention_days": "Event retention",
}

STATUSES = {
    "pass": "Pass",
    "warn": "Warning",
    "fail": "Fail",
    "error": "Error",
    "unknown": "Unknown",
    "met": "Met",
    "missed": "Missed",
    "none": "No target",
}

SYSTEM_STATES = {
    "reporting": "Reporting",
    "silent": "Silent",
    "never_connected": "Never connected",
    "unregistered": "Not in the register",
}

SEVERITIES = {
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "informational": "Informational",
}

CONFIDENTIALITY = {"confidential": "Confidentiality", "other": "Other"}

TACTICS = {
    "reconnaissance": "Reconnaissance",
    "resource-development": "Resource development",
    "initial-access": "Initial access",
    "execution": "Execution",
    "persistence": "Persistence",
    "privilege-escalation": "Privilege escalation",
    "defense-evasion": "Defence evasion",
    "credential-access": "Credential access",
    "discovery": "Discovery",
    "lateral-movement": "Lateral movement",
    "collection": "Collection",
    "command-and-control": "Command and control",
    "exfiltration": "Exfiltration",
    "impact": "Impact",
    "none": "No tactic",  # alerts of rules without an attack.* tactic tag
}


def fallback(key: str) -> str:
    return key.replace("_", " ").replace("-", " ")


def tactic(key: str) -> str:
    norm = key.lower().replace("_", "-").replace(" ", "-")
    return TACTICS.get(norm, fallback(key))
