"""What loading hands to the engines: compiled rules, rejected ones, correlations, filters."""

from __future__ import annotations

from dataclasses import dataclass, field

from sigma.correlations import SigmaCorrelationRule
from sigma.filters import SigmaFilter
from sigma.rule import SigmaRule

from secops.detect.compiler import Matcher
from secops.detect.ir import Node
from secops.detect.mapping import Condition
from secops.detect.models import RuleMeta
from secops.errors import RuleError


@dataclass(frozen=True)
class FilterSpec:
    """A filter as loaded: what it is, where it is, which rules it names."""

    id: str  # the filter's Sigma id; a path-derived id when it has none
    title: str
    path: str
    line: int
    rules: tuple[str, ...] | None  # references by id or name; None: `any` rule of the logsource
    logsource: dict[str, str]
    fingerprint: str  # digest of the parsed document: a changed filter has a new one
    sigma: SigmaFilter = field(repr=False, compare=False)
    applied_to: tuple[str, ...] = ()  # ids of the rules it was compiled into


@dataclass(frozen=True)
class CompiledFilter:
    """A filter compiled for one rule: the rule still fires only where ``matcher`` holds."""

    id: str
    matcher: Matcher
    tree: Node


@dataclass(frozen=True)
class CompiledRule:
    """A single-event rule ready to run."""

    meta: RuleMeta
    matcher: Matcher
    tree: Node  # the rule's own lowered condition (its filters are not in it)
    # event conditions (OR-ed); None: every event; (): none (an unsupported logsource)
    routes: tuple[Condition, ...] | None
    literals: frozenset[str] | None  # one of them occurs whenever it matches; None: unknown
    paths: frozenset[str]  # ECS paths its string tests read
    sigma: SigmaRule = field(repr=False, compare=False)
    # Why the rule runs on no event (no mapping entry covers its logsource); None: it runs.
    unsupported: str | None = None
    filters: tuple[CompiledFilter, ...] = ()  # compiled into `matcher` (see detect.filters)
    unfiltered: Matcher | None = None  # the rule's own matcher when it has filters

    @property
    def active(self) -> bool:
        return self.unsupported is None


@dataclass
class RuleSet:
    """Rules loaded from one or more directories.

    ``correlations`` are pySigma's SigmaCorrelationRule objects, untouched, for
    the correlation engine; the base rules they name are among ``rules``.
    """

    rules: list[CompiledRule] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)
    correlations: list[SigmaCorrelationRule] = field(default_factory=list)
    filters: list[FilterSpec] = field(default_factory=list)
    filter_errors: list[RuleError] = field(default_factory=list)  # also among `errors`
    override_errors: list[RuleError] = field(default_factory=list)  # also among `errors`

    @property
    def unrouted(self) -> list[CompiledRule]:
        """Rules without any logsource key (evaluated on every event)."""
        return [r for r in self.rules if r.routes is None]

    @property
    def unsupported(self) -> list[CompiledRule]:
        """Rules loaded but inactive: no mapping entry covers their logsource."""
        return [r for r in self.rules if r.unsupported is not None]

    def by_id(self) -> dict[str, CompiledRule]:
        return {r.meta.id: r for r in self.rules}

    def subset(self, rules: list[CompiledRule]) -> RuleSet:
        """The same errors and correlations with other rules (benchmarks, hunts)."""
        return RuleSet(
            rules=list(rules),
            errors=self.errors,
            correlations=self.correlations,
            filters=self.filters,
            filter_errors=self.filter_errors,
            override_errors=self.override_errors,
        )
