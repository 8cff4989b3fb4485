"""Alerts as they cross boundaries: constraint types, the stored document, API bodies."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Severity = Literal["informational", "low", "medium", "high", "critical"]
RiskScore = Annotated[int, Field(ge=0, le=100)]
AlertId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Tag = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\s,]+$")]
AlertKind = Literal["detection", "correlation", "hunt"]

SEVERITY_RANK: dict[str, int] = {
    "informational": 0,
    "low": 1,
    "medium": 2,
    "high": 3,
    "critical": 4,
}
# Like Elastic's detection rules: the top of each severity's risk range.
RISK_SCORE: dict[str, int] = {
    "informational": 10,
    "low": 21,
    "medium": 47,
    "high": 73,
    "critical": 99,
}


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
    at: datetime
    by: str
    field: str
    old: Any = None
    new: Any = None
    reason: str | None = None


class Comment(BaseModel):
    id: str
    at: datetime
    by: str
    text: str


class Alert(BaseModel):
    """An alert as the API returns it: the stored document plus its id, version, overdue."""

    id: str
    version: str = Field(description="seq_no:primary_term; send it back as If-Match")
    overdue: bool = False
    kind: AlertKind
    rule: dict[str, Any]
    severity: Severity
    severity_rank: int
    risk_score: RiskScore
    status: Status
    resolution: Resolution | None = None
    assignee: str | None = None
    tags: list[str] = Field(default_factory=list)
    threat: dict[str, list[str]] = Field(default_factory=dict)
    logsource: dict[str, Any] = Field(default_factory=dict)
    group: dict[str, Any] = Field(default_factory=dict)
    group_key: str | None = None
    summary: str
    count: int
    first_seen: datetime
    last_seen: datetime
    created_at: datetime
    updated_at: datetime
    sla_due_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    confidential: bool = False
    event_ids: list[str] = Field(default_factory=list)
    events: list[dict[str, Any]] = Field(default_factory=list)
    correlation: dict[str, Any] | None = Field(
        None, description="type, last value, base rules, and how many times it fired"
    )
    host: dict[str, Any] | None = None
    user: dict[str, Any] | None = None
    source: dict[str, Any] | None = None
    destination: dict[str, Any] | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list)
    generation: int = Field(0, description="0, or n for the n-th alert after resolutions")
    previous_alert_id: str | None = Field(
        None, description="The resolved alert whose new activity raised this one"
    )
    superseded_by: str | None = Field(
        None, description="The alert that took this one's new activity after resolution"
    )


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
    over_time: list[Bucket] = Field(description="key: bucket start (ISO-8601)")
