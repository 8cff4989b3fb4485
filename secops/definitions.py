"""Constraint types shared across domains: one definition per concept.

Severity is Sigma's ``level`` scale, and the one scale of secops: a rule's level
becomes its alerts' severity, notifications filter on it, and a compliance
control is ranked on it too. A control is never merely ``informational`` (a
control that matters less than ``low`` is not a control), so controls take the
upper four levels of the same scale.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field

Severity = Literal["informational", "low", "medium", "high", "critical"]
ControlSeverity = Literal["low", "medium", "high", "critical"]

SEVERITIES: tuple[Severity, ...] = get_args(Severity)
SEVERITY_RANK: dict[str, int] = {level: rank for rank, level in enumerate(SEVERITIES)}
# Like Elastic's detection rules: the top of each severity's risk range.
RISK_SCORE: dict[str, int] = {
    "informational": 10,
    "low": 21,
    "medium": 47,
    "high": 73,
    "critical": 99,
}

# Time to acknowledge an alert, per severity (``alert_sla_minutes`` by default).
DEFAULT_SLA_MINUTES: dict[Severity, int] = {
    "critical": 15,
    "high": 60,
    "medium": 240,
    "low": 1440,
    "informational": 10080,
}

RiskScore = Annotated[int, Field(ge=0, le=100)]
AlertId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
# Report ids: rpt-<16 hex> (ad hoc) or rpt-<calendar>-<kind>-<label> (periods).
REPORT_ID_PATTERN = r"^rpt-[A-Za-z0-9_-]{1,76}$"
Tag = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\s,]+$")]
