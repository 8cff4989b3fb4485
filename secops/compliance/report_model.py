"""The signed report document, format ``secops.compliance-report/2``.

This is the shape renderings read and auditors keep: the period in its calendar,
the period's indicators with their targets and the change from the previous
period, one row per system of the register (and per unregistered source seen),
one row per control with the timeline of its status, and the series charts are
drawn from. Titles and labels are not in the document: renderers have catalogues
keyed by the stable snake_case ids (indicator ids, period kinds, statuses).

Times are ISO-8601 with their offset; the period's bounds are local midnights of
``period.timezone``. ``hash`` and ``signature`` are as in format 1: SHA-256 of the
canonical JSON without them, Ed25519 over that hash with the audit trail's key.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from secops.compliance.models import CheckStatus, FrameworkRef, OverallStatus
from secops.definitions import ControlSeverity

FORMAT_V2: Final = "secops.compliance-report/2"

Calendar = Literal["solar_hijri", "gregorian"]
PeriodKind = Literal["month", "quarter", "half_year", "year"]
IndicatorId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)]
IndicatorUnit = Literal["count", "ratio", "seconds", "days", "bool"]
IndicatorStatus = Literal["met", "missed", "none"]
Criticality = Literal["critical", "high", "medium", "low"]
SystemState = Literal["reporting", "silent", "never_connected", "unregistered"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PeriodDoc(_Doc):
    """A report period: ``label`` is ``1405-H1``, ``1405-Q3``, ``1405-07`` or ``1405``
    (Gregorian: ``2026-H1`` ...); [start, end) in ``timezone``."""

    calendar: Calendar
    kind: PeriodKind
    label: str = Field(examples=["1405-H1"])
    start: datetime = Field(examples=["2026-03-21T00:00:00+03:30"])
    end: datetime = Field(examples=["2026-09-23T00:00:00+03:30"])
    timezone: str = Field(examples=["Asia/Tehran"])


class Indicator(_Doc):
    """One figure of the period, its target and the previous period's figure.

    ``better`` says which way is good: ``higher`` means met when value >= target,
    ``lower`` when value <= target. ``change`` is value - previous (None when either
    is None). ``status`` is ``none`` when no target is set or no value exists.
    ``key`` narrows an indicator to one value of a dimension (a severity, a tactic,
    a system) for indicators reported per dimension; None for the whole period.
    """

    id: IndicatorId = Field(examples=["alerts_triaged_ratio"])
    key: str | None = Field(None, examples=["critical"])
    value: float | None
    unit: IndicatorUnit
    better: Literal["higher", "lower"] | None = None
    target: float | None = None
    previous: float | None = None
    change: float | None = None
    status: IndicatorStatus = "none"


class SystemRow(_Doc):
    """A system of the register (or a source seen that the register does not name).

    Counts are the period's own. ``state`` at the period's end: ``never_connected``
    when nothing was ever received from it, ``silent`` when its last record is older
    than its tolerated silence, ``unregistered`` for a source outside the register.
    """

    name: str
    owner: str | None = None
    criticality: Criticality | None = None
    input: str | None = None
    host: str | None = None
    application: str | None = None
    expected_format: str | None = None
    max_silence_hours: float | None = None
    state: SystemState
    received: int = 0
    stored: int = 0
    unparsed: int = 0
    dead_lettered: int = 0
    dropped: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    longest_silence_seconds: float | None = Field(
        None, description="Longest gap without a record inside the period (hour resolution)"
    )


class TimelineSegment(_Doc):
    """A control's status over [start, end); ``unknown`` before its first result."""

    start: datetime
    end: datetime
    status: OverallStatus


class ControlRow(_Doc):
    id: str = Field(examples=["SEC-AUDIT-01"])
    severity: ControlSeverity
    references: list[FrameworkRef] = Field(default_factory=list)
    status: OverallStatus = Field(description="Status at the period's end")
    failing_seconds: float = Field(description="Time in fail or error during the period")
    runs: dict[CheckStatus, int]
    timeline: list[TimelineSegment]
    summary: str | None = Field(None, description="The check's own sentence, as evidence")


class WeekCount(_Doc):
    week_start: date = Field(description="Local date of the week's first day (Saturday)")
    count: int


class Series(_Doc):
    alerts_per_week: list[WeekCount]
    alerts_by_severity: dict[str, int]
    alerts_by_tactic: dict[str, int]
    alerts_by_confidentiality: dict[str, int] = Field(
        description="``confidential`` and ``other``", examples=[{"confidential": 3, "other": 40}]
    )


class AuditTrailDoc(_Doc):
    """The audit trail over the period: verified, and the entries the period holds."""

    intact: bool
    entries_in_period: int
    first_seq: int | None = None
    last_seq: int | None = None
    head_seq: int | None = None
    head_hash: str | None = None
    reason: str | None = None
    first_broken_seq: int | None = None
    checkpoint_seq: int | None = None


class RulesDoc(_Doc):
    active: int
    disabled: int
    unsupported: int = Field(description="Rules that failed to load or compile")
    correlations: int


class ArchiveEntry(_Doc):
    name: str = Field(description="Snapshot or index name")
    repository: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    location: str | None = None


class Preservation(_Doc):
    """Retention and archive state at generation (filled by ``secops.store`` archive code)."""

    retention_days: int
    lifecycle_managed_by_cluster: bool = False
    snapshot_repository: str | None = None
    archives: list[ArchiveEntry] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


class ReportDocument(_Doc):
    """The signed report, as stored and as ``secops report verify`` reads it."""

    format: Literal["secops.compliance-report/2"] = FORMAT_V2
    report_id: str = Field(
        description="Deterministic: one id per namespace, calendar, kind and period",
        examples=["rpt-solar_hijri-half_year-1405-H1"],
    )
    namespace: str
    period: PeriodDoc
    previous_period: PeriodDoc
    generated_at: datetime
    generated_by: str
    status: OverallStatus = Field(description="The worst control status at the period's end")
    indicators: list[Indicator]
    systems: list[SystemRow]
    controls: list[ControlRow]
    series: Series
    audit_trail: AuditTrailDoc
    rules: RulesDoc
    preservation: Preservation
    signature_algorithm: str = "Ed25519 over the SHA-256 of the canonical JSON"
    key_id: str
    public_key_pem: str
    hash: str | None = None
    signature: str | None = None
