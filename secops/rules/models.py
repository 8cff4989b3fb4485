"""What crosses the API boundary about rules: their view, state, load errors, hunts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from secops.definitions import Severity

RuleKind = Literal["detection", "correlation"]
# Whether a loaded rule runs: `disabled` through the API, `unsupported_logsource` when no
# logsource mapping entry covers the rule's logsource (a user mapping file can add one).
RunState = Literal["active", "disabled", "unsupported_logsource"]


class RuleState(BaseModel):
    """Who last enabled or disabled a rule, when and why. No state: enabled."""

    enabled: bool
    by: str = Field(examples=["oscar"])
    at: datetime
    reason: str | None = Field(None, examples=["Floods the queue during the migration"])


class RuleView(BaseModel):
    id: str = Field(examples=["52fccf69-72d5-4801-9d53-21b66d1f15ae"])
    name: str | None = Field(None, description="Sigma `name`, what correlation rules refer to")
    title: str = Field(examples=["User Or Group Created On A Server"])
    level: Severity
    tags: list[str] = Field(default_factory=list, examples=[["attack.persistence"]])
    logsource: dict[str, str] = Field(default_factory=dict, examples=[{"product": "linux"}])
    path: str | None = Field(None, description="The file the rule was loaded from")
    kind: RuleKind
    description: str | None = None
    enabled: bool
    state: RuleState | None = Field(None, description="Last change of `enabled`, if any")
    run_state: RunState = Field(
        "active",
        description="Whether the rule runs: `disabled` through the API, "
        "`unsupported_logsource` when no logsource mapping covers its logsource",
    )
    inactive_reason: str | None = Field(
        None,
        description="Why the rule runs on no event",
        examples=["unsupported logsource: no mapping entry covers product=zeek, service=rdp"],
    )
    status: str | None = Field(None, description="Sigma `status`, after overrides")
    overridden: dict[str, str | None] = Field(
        default_factory=dict,
        description="The rule's own values of the fields the overrides file changed",
        examples=[{"level": "medium"}],
    )
    filters: list[str] = Field(
        default_factory=list, description="Ids of the Sigma filters compiled into the rule"
    )


class RuleDetail(RuleView):
    yaml: str = Field(description="The rule's YAML document as it is in its file")


class RuleLoadError(BaseModel):
    """A rule that was rejected at load time; the others run without it."""

    path: str | None
    line: int | None
    reason: str
    location: str = Field(examples=["/etc/secops/rules/x.yml:12: unknown modifier 'contain'"])


class RulePage(BaseModel):
    total: int = Field(description="Rules matching the filter")
    offset: int
    limit: int
    items: list[RuleView]
    errors: list[RuleLoadError] = Field(description="Every rule rejected at load time")


class RuleFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: list[Severity] | None = None
    tag: list[str] | None = Field(None, description="Rules carrying any of these tags")
    enabled: bool | None = None
    run_state: list[RunState] | None = Field(None, description="Rules in any of these states")
    kind: RuleKind | None = None
    text: str | None = Field(
        None, max_length=200, description="Case-insensitive text in id, title, description, path"
    )


class DisableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=3, max_length=2000, examples=["False positives from the backup job"]
    )


class EnableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=2000, examples=["Backup job excluded upstream"])


class ValidationOut(BaseModel):
    """What `secops rules validate` says about one YAML text; nothing is stored."""

    ok: bool
    loaded: int = Field(description="Single-event rules that compiled")
    correlations: int = Field(description="Correlation rules that parsed")
    rejected: int
    errors: list[RuleLoadError]
    warnings: list[str] = Field(default_factory=list)
    filters: int = Field(0, description="Sigma filters that loaded")


class HuntIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_ids: list[str] = Field(
        min_length=1, max_length=100, examples=[["52fccf69-72d5-4801-9d53-21b66d1f15ae"]]
    )
    since: str = Field(
        max_length=64,
        description="A duration back from now (30d, 12h, 90m) or an ISO-8601 time",
        examples=["30d"],
    )
    until: str | None = Field(
        None, max_length=64, description="Same forms as `since`; now if unset", examples=["1h"]
    )


class HuntOut(BaseModel):
    hunt_id: str = Field(description="Carried by the hunt alerts it raised")
    since: str
    rules: int
    correlations: int
    events: int
    matches: int
    alerts_created: int
    alerts_updated: int


class FilterView(BaseModel):
    """A Sigma filter: the rules it names, those it was compiled into, what it dropped."""

    id: str = Field(examples=["7a7a7a7a-0000-4000-8000-000000000001"])
    title: str = Field(examples=["The backup account deletes old drafts"])
    path: str = Field(description="The file the filter was loaded from")
    line: int
    logsource: dict[str, str] = Field(default_factory=dict)
    rules: list[str] | Literal["any"] = Field(
        description="The rules it names (ids or names), or `any` rule of its logsource"
    )
    applied_to: list[str] = Field(description="Ids of the loaded rules it is compiled into")
    dropped: int = Field(
        description="Events these rules matched that the filter excluded, in this process "
        "since it started"
    )
    dropped_by_rule: dict[str, int] = Field(default_factory=dict)


class FilterPage(BaseModel):
    items: list[FilterView]
    errors: list[RuleLoadError] = Field(description="Filters (or references) rejected at load")


class AttackItem(BaseModel):
    """An ATT&CK tactic (Sigma tag name) or technique (id) and the active rules tagging it."""

    id: str = Field(examples=["credential-access", "T1110.001"])
    rules: int = Field(description="Active rules (single-event and correlation) carrying it")


class LogsourceCoverage(BaseModel):
    logsource: dict[str, str] = Field(examples=[{"product": "linux", "service": "sshd"}])
    key: str = Field(examples=["product=linux service=sshd"])
    rules: int = Field(description="Active single-event rules of this logsource")
    correlations: int = Field(description="Active correlation rules reading those rules")
    tactics: list[str] = Field(examples=[["credential-access"]])
    techniques: list[str] = Field(examples=[["T1110.001"]])
    every_event: bool = Field(description="Its rules apply to every event (no routing)")
    events: int = Field(description="Events of this logsource seen in the window")


class SourceCoverage(BaseModel):
    """The events of one ``event.dataset`` seen in the window."""

    dataset: str = Field(examples=["linux.sshd"], description="`(none)` for events without one")
    modules: list[str] = Field(description="`event.module` values seen with it")
    events: int
    uncovered: int = Field(description="Events no active rule's logsource selects")


class CoverageOut(BaseModel):
    """ATT&CK coverage of the active rules per logsource, and the blind spots."""

    window: str = Field(examples=["1d"])
    since: datetime
    active_rules: int
    inactive_rules: int = Field(description="Loaded rules that do not run (disabled, ...)")
    tactics: list[AttackItem]
    techniques: list[AttackItem]
    logsources: list[LogsourceCoverage]
    blind_logsources: list[str] = Field(
        description="Keys of logsources with active rules and no event in the window"
    )
    sources: list[SourceCoverage] = Field(description="Every dataset seen in the window")
    uncovered_sources: list[str] = Field(
        description="Datasets seen in the window none of whose events an active rule covers"
    )
    other_events: int = Field(0, description="Events of datasets beyond the ones listed")
