"""Alerts as they cross boundaries: the stored document (`AlertDoc`), API bodies.

`AlertDoc` is the one shape of an alert: `secops.alerts.build` makes it, merging and
triage change it, the store holds its `stored()` form, and the API's `Alert` is it
plus the id, version and overdue flag of one read. The alerts index mapping
(``secops/store/mappings/alerts.json``) is checked against it by a test.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from secops.definitions import AlertId, RiskScore, Severity, Tag
from secops.times import iso_millis


def _millis(value: datetime) -> datetime:
    """Aware, in UTC, cut to the millisecond: what the stored text can hold."""
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=value.microsecond // 1000 * 1000)


# Stored and returned as ``2024-05-01T12:00:00.123Z``, as alerts always were written.
Timestamp = Annotated[
    datetime,
    AfterValidator(_millis),
    PlainSerializer(iso_millis, return_type=str, when_used="json"),
]

# ``import``: raised by `secops ingest` over the files it imported (rules and correlations).
AlertKind = Literal["detection", "correlation", "hunt", "import"]


class Status(StrEnum):
    new = "new"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    resolved = "resolved"


class Resolution(StrEnum):
    true_positive = "true_positive"
    false_positive = "false_positive"
    benign = "benign"
    duplicate = "duplicate"


class HistoryEntry(BaseModel):
    at: Timestamp
    by: str
    field: str
    old: Any = None
    new: Any = None
    reason: str | None = None


class Comment(BaseModel):
    id: str
    at: Timestamp
    by: str
    text: str


class RulePart(BaseModel):
    """The rule that raised the alert, as it was when the alert was first written."""

    id: str
    name: str | None = None
    title: str
    description: str | None = None
    level: Severity
    tags: list[str] = Field(default_factory=list)
    path: str | None = None
    kind: Literal["detection", "correlation"] = "detection"


class Threat(BaseModel):
    tactics: list[str] = Field(default_factory=list)
    techniques: list[str] = Field(default_factory=list)


# ECS values lifted from the events: whatever type the event had, as it had it.
EcsValue = Any


class Correlation(BaseModel):
    type: str
    value: float | None = None
    base_rules: list[str] = Field(default_factory=list)
    fires: int = 1
    fire_keys: list[str] = Field(
        default_factory=list, description="keys of the firings held, so a replay is recognised"
    )
    field: str | None = Field(None, description="what a value_count counted")
    values: list[EcsValue] = Field(
        default_factory=list, description="the distinct values it counted (the first ones)"
    )


class HostPart(BaseModel):
    name: EcsValue = None
    ip: EcsValue = None


class UserPart(BaseModel):
    name: EcsValue = None
    id: EcsValue = None  # the person behind the account (enrichment)
    full_name: EcsValue = None


class DocumentPart(BaseModel):
    id: EcsValue = None
    classification: EcsValue = None
    committee: EcsValue = None


class VotePart(BaseModel):
    ballot_id: EcsValue = None


class ParliamentPart(BaseModel):
    """The papers or the ballot an alert is about."""

    document: DocumentPart | None = None
    vote: VotePart | None = None


class SourcePart(BaseModel):
    ip: EcsValue = None
    port: EcsValue = None


class DestinationPart(BaseModel):
    ip: EcsValue = None


class HuntPart(BaseModel):
    id: str
    started_at: Timestamp


class AlertDoc(BaseModel):
    """An alert as the alerts index stores it.

    `stored()` is the document written: only the fields that were set (a field an
    alert never had stays absent, as it always was) and times at milliseconds. A
    stored document read back and written again is the same bytes; fields this model
    does not know are kept as they are.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    kind: AlertKind
    rule: RulePart
    severity: Severity
    severity_rank: int
    risk_score: RiskScore
    status: Status = Field(default_factory=lambda: Status.new)
    resolution: Resolution | None = None
    assignee: str | None = None
    tags: list[str] = Field(default_factory=list)
    threat: Threat = Field(default_factory=Threat)
    logsource: dict[str, Any] = Field(default_factory=dict)
    confidential: bool = False
    created_at: Timestamp
    updated_at: Timestamp
    history: list[HistoryEntry] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list)
    timestamp: Timestamp = Field(alias="@timestamp")
    group: dict[str, Any] = Field(default_factory=dict)
    group_key: str | None = None
    count: int
    first_seen: Timestamp
    last_seen: Timestamp
    event_ids: list[str] = Field(default_factory=list)
    events: list[dict[str, Any]] = Field(default_factory=list)
    correlation: Correlation | None = Field(
        None, description="type, last value, base rules, and how many times it fired"
    )
    host: HostPart | None = None
    user: UserPart | None = None
    parliament: ParliamentPart | None = None
    source: SourcePart | None = None
    destination: DestinationPart | None = None
    alert_id: str
    summary: str
    sla_due_at: Timestamp | None = None
    acknowledged_at: Timestamp | None = None
    resolved_at: Timestamp | None = None
    generation: int = Field(0, description="0, or n for the n-th alert after resolutions")
    previous_alert_id: str | None = Field(
        None, description="The resolved alert whose new activity raised this one"
    )
    superseded_by: str | None = Field(
        None, description="The alert that took this one's new activity after resolution"
    )
    hunt: HuntPart | None = None

    @classmethod
    def from_stored(cls, source: dict[str, Any]) -> AlertDoc:
        return cls.model_validate(source)

    def stored(self) -> dict[str, Any]:
        """The document as the alerts index holds it."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class Alert(AlertDoc):
    """An alert as the API returns it: the stored document plus its id, version, overdue."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    version: str = Field(description="seq_no:primary_term; send it back as If-Match")
    overdue: bool = False
    # What the id and first_seen already say, or what only the store needs.
    alert_id: str = Field("", exclude=True)
    timestamp: Timestamp | None = Field(None, alias="@timestamp", exclude=True)  # type: ignore[assignment]
    hunt: HuntPart | None = Field(None, exclude=True)


class AlertWithEvents(Alert):
    stored_events: list[dict[str, Any]] = Field(
        default_factory=list, description="The matching events as the events data streams hold them"
    )


class AlertPage(BaseModel):
    items: list[Alert]
    total: int = Field(description="Alerts matching the filter (exact up to 10,000)")
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class AlertChange(BaseModel):
    """A triage change: any subset of the fields, with a reason for the history."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "acknowledged", "assignee": "alice", "reason": "looking into it"},
                {
                    "status": "resolved",
                    "resolution": "false_positive",
                    "reason": "scheduled vulnerability scan",
                },
            ]
        },
    )

    status: Status | None = None
    resolution: Resolution | None = None
    assignee: str | None = Field(None, max_length=128, description="Empty string unassigns")
    tags: list[Tag] | None = Field(None, max_length=50)
    reason: str | None = Field(None, max_length=2000)
    version: str | None = Field(
        None, description="seq_no:primary_term the client saw; or the If-Match header"
    )

    @model_validator(mode="after")
    def _something(self) -> AlertChange:
        if (
            self.status is None
            and self.resolution is None
            and self.assignee is None
            and (self.tags is None)
        ):
            raise ValueError("change at least one of status, resolution, assignee, tags")
        return self


class CommentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "Source is the pentest team's scanner."}]},
    )
    text: str = Field(min_length=1, max_length=10_000)


class AlertFilter(BaseModel):
    """Which alerts: every field narrows; absent fields do not."""

    model_config = ConfigDict(extra="forbid")

    status: list[Status] | None = None
    severity: list[Severity] | None = None
    rule_id: list[str] | None = None
    host: str | None = None
    user: str | None = None
    source: str | None = Field(None, description="An address or a CIDR block")
    assignee: str | None = None
    tag: list[str] | None = None
    kind: list[AlertKind] | None = None
    since: datetime | None = Field(None, description="last_seen at or after")
    until: datetime | None = Field(None, description="first_seen before")
    q: str | None = Field(None, max_length=500, description="Free text over title and summary")
    overdue: bool | None = None
    confidential: bool | None = Field(None, description="Alerts about classified papers")

    @field_validator("source")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError as exc:
                raise ValueError(f"not an address or CIDR block: {value!r}") from exc
        return value


class BulkChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"ids": ["a1b2c3"], "change": {"status": "acknowledged", "reason": "on it"}},
                {
                    "filter": {"rule_id": ["5f1c…"], "status": ["new"]},
                    "change": {"status": "resolved", "resolution": "benign"},
                },
            ]
        },
    )

    ids: list[AlertId] | None = Field(None, max_length=1000)
    filter: AlertFilter | None = None
    change: AlertChange
    limit: int = Field(1000, ge=1, le=10_000, description="At most this many alerts of a filter")

    @model_validator(mode="after")
    def _one_target(self) -> BulkChange:
        if (self.ids is None) == (self.filter is None):
            raise ValueError("give either ids or filter")
        return self


class BulkItemResult(BaseModel):
    id: str
    status: int = Field(description="HTTP status this alert's change would have had")
    version: str | None = None
    error: str | None = None


class BulkResult(BaseModel):
    updated: int
    failed: int
    items: list[BulkItemResult]


class Bucket(BaseModel):
    key: str
    count: int


class AlertStats(BaseModel):
    total: int
    overdue: int
    by_status: list[Bucket]
    by_severity: list[Bucket]
    by_rule: list[Bucket]
    by_tactic: list[Bucket] = Field(default_factory=list, description="ATT&CK tactics")
    over_time: list[Bucket] = Field(description="key: bucket start (ISO-8601)")
