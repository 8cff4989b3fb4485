"""Words the pages show from data (a status, a severity, a role): msgids the templates
pass to ``_()`` as values, so the catalogue test checks each of them is translated."""

from __future__ import annotations

from typing import get_args

from secops.alerts.models import Resolution, Status
from secops.auth.principals import Role
from secops.compliance.models import OverallStatus
from secops.definitions import SEVERITIES
from secops.rules.models import RunState

SORT_FIELDS = ("priority", "last_seen", "first_seen", "created_at", "severity_rank", "risk_score")
HISTORY_FIELDS = ("status", "resolution", "assignee", "tags", "comments")
AUDIT_OUTCOMES = ("success", "failure", "denied")
RULE_KINDS = ("detection", "correlation")

DYNAMIC_MESSAGES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            *(str(s) for s in Status),
            *SEVERITIES,
            *(str(r) for r in Resolution),
            *(str(r) for r in Role),
            *get_args(OverallStatus),
            *SORT_FIELDS,
            *HISTORY_FIELDS,
            *AUDIT_OUTCOMES,
            *RULE_KINDS,
            *get_args(RunState),
        ]
    )
)
