"""What detection hands on: matches of single-event rules and of correlation rules."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from secops.definitions import Severity


class RuleMeta(BaseModel):
    """The parts of a Sigma rule an alert carries."""

    model_config = ConfigDict(frozen=True)

    id: str  # the rule's Sigma id (uuid); a path-derived id when the rule has none
    name: str | None = None  # Sigma `name`, what correlation rules refer to
    title: str
    level: Severity = "medium"
    tags: tuple[str, ...] = ()
    description: str | None = None
    logsource: dict[str, str] = Field(default_factory=dict)
    path: str | None = None  # file the rule came from
    falsepositives: tuple[str, ...] = ()
    kind: Literal["detection", "correlation"] = "detection"
    status: str | None = None  # Sigma `status` (stable, test, experimental...)
    # Fields a deployment's overrides file changed, with the rule's own values.
    overridden: dict[str, str | None] = Field(default_factory=dict)


class RuleMatch(BaseModel):
    """One single-event rule fired on one event."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    rule: RuleMeta
    event: dict[str, Any]  # the ECS event that matched
    event_id: str  # the event's document id in the store


class CorrelationMatch(BaseModel):
    """A correlation rule's condition held over a window of base-rule matches."""

    rule: RuleMeta
    correlation_type: str  # event_count, value_count, temporal, temporal_ordered, value_sum...
    group: dict[str, Any]  # group-by field -> value
    first_seen: str  # ISO-8601 event time of the first contributing event
    last_seen: str
    value: float | None = None  # the count / distinct count / sum / avg / percentile
    event_ids: list[str]
    base_rules: list[str]  # ids of the base rules that contributed
    # value_count: the distinct values counted (document ids, addresses), first ones only
    values: list[Any] = Field(default_factory=list)
    counted: str | None = None  # value_count: the field whose distinct values are counted
    # who and what of the event that completed the window (person, address, document),
    # so that an alert keyed by a ballot or a session still names the person behind it
    subject: dict[str, Any] = Field(default_factory=dict)


Match = RuleMatch | CorrelationMatch  # what a detector hands to the alert step
