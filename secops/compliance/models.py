"""What compliance says: controls, check outcomes with evidence, runs, signed reports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from secops.definitions import ControlSeverity

CheckStatus = Literal["pass", "warn", "fail", "error"]
OverallStatus = Literal["pass", "warn", "fail", "error", "unknown"]
ControlId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")]

# The worst status wins when results are combined: error hides what a check would say.
STATUS_RANK: dict[str, int] = {"pass": 0, "unknown": 1, "warn": 2, "fail": 3, "error": 4}


class FrameworkRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    framework: str = Field(examples=["ISO/IEC 27001:2022"])
    control: str = Field(examples=["A.8.15"])
    title: str | None = Field(None, examples=["Logging"])


class ControlDef(BaseModel):
    """One control of ``controls.yml``: what is required and the check that tests it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ControlId = Field(examples=["SEC-AUDIT-01"])
    title: str = Field(min_length=3)
    description: str = Field(min_length=3)
    references: list[FrameworkRef] = Field(default_factory=list)
    severity: ControlSeverity
    check: str = Field(description="Name of a check of the closed registry")
    params: dict[str, Any] = Field(default_factory=dict)


class CheckOutcome(BaseModel):
    """What a check found: a status, one sentence for people, evidence for machines."""

    status: CheckStatus
    summary: str
    evidence: dict[str, Any] = Field(default_factory=dict)


class ControlResult(BaseModel):
    """The result of one control in one run, as stored."""

    run_id: str
    control_id: str
    title: str
    severity: ControlSeverity
    references: list[FrameworkRef] = Field(default_factory=list)
    check: str
    params: dict[str, Any] = Field(default_factory=dict)
    status: CheckStatus
    summary: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    evaluated_at: datetime
    duration_ms: float


class ComplianceStatus(BaseModel):
    """Every control's latest result, and the worst of them."""

    status: OverallStatus
    run_id: str | None = Field(None, description="The run, when every result is of one run")
    evaluated_at: datetime | None
    counts: dict[str, int] = Field(examples=[{"pass": 10, "warn": 1, "fail": 1, "error": 0}])
    results: list[ControlResult]


class ControlHistory(BaseModel):
    control: ControlDef
    results: list[ControlResult] = Field(description="Newest first")


class ReportSummary(BaseModel):
    """A stored report, without its body."""

    report_id: str
    period_start: datetime
    period_end: datetime
    generated_at: datetime
    generated_by: str
    status: OverallStatus
    hash: str
    key_id: str


class ReportRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"period_start": "2025-03-01T00:00:00Z", "period_end": "2025-04-01T00:00:00Z"}
            ]
        },
    )

    period_start: datetime
    period_end: datetime | None = Field(None, description="Now if unset")

    @field_validator("period_start", "period_end")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # Python accepts offsets up to +-23:59, Elasticsearch only +-18:00: send UTC.
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class PeriodReportRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"period": "1405-H1", "calendar": "solar_hijri"}]},
    )

    period: str = Field(
        max_length=16,
        description="1405 (year), 1405-H1 (half-year), 1405-Q3 (quarter) or 1405-07 (month)",
    )
    calendar: Literal["solar_hijri", "gregorian"] | None = Field(
        None, description="The deployment's report calendar if unset"
    )


ReportVerifyReason = Literal[
    "malformed",  # not a report document
    "altered",  # content does not match its hash
    "wrong_key",  # signed by another key than the one given
    "bad_signature",  # the signature does not verify
    "not_in_audit_trail",  # no report.generate entry of this report
    "audit_hash_mismatch",  # the audit trail recorded another hash
]


class VerifyResult(BaseModel):
    intact: bool
    reason: ReportVerifyReason | None = None
    detail: str | None = None
    report_id: str | None = None
    hash: str | None = Field(None, description="SHA-256 recomputed over the canonical form")
    key_id: str | None = Field(None, description="Key the signature was checked with")
    key_source: Literal["given", "deployment", "embedded"] | None = Field(
        None,
        description="embedded: checked with the key the document carries, which proves only "
        "that it was not changed after signing; compare key_id with the published key",
    )
    audit_seq: int | None = Field(None, description="The report.generate entry, when checked")


class Report(ReportSummary):
    """A stored report and its signed document, exactly as it was signed."""

    document: dict[str, Any] = Field(
        description="The signed report: verify it with POST /compliance/reports/verify or "
        "`secops report verify`"
    )
