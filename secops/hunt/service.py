"""Run Sigma rules over stored history and raise their matches as hunt alerts.

The events are the live ones and those restored from the archive (``secops archive
restore``). They are read oldest first (point in time + search_after), so correlation
rules see them in event-time order and their sliding windows work as they do
live. Alerts carry ``kind: hunt`` and the hunt's id; their ids are deterministic,
so running the same hunt twice raises nothing new.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from secops.alerts.service import write_alerts
from secops.context import Context
from secops.detect.correlation import CorrelationEngine
from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.detect.mapping import FieldMapping
from secops.detect.models import CorrelationMatch, RuleMatch
from secops.detect.overrides import apply_overrides, read_overrides
from secops.detect.ruleset import RuleSet
from secops.errors import InvalidInputError, RuleError
from secops.settings import Settings
from secops.store.scan import count_events, iter_events, time_range_query

_SINCE = re.compile(r"^(\d+)([smhdw])$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, *, now: datetime | None = None) -> str:
    """``30d``/``12h``/``90m`` or an ISO-8601 instant → an ISO-8601 lower bound."""
    now = now or datetime.now(UTC)
    m = _SINCE.match(text.strip())
    if m:
        return (now - timedelta(**{_UNIT[m.group(2)]: int(m.group(1))})).isoformat()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInputError(
            f"--since takes a duration such as 30d, 12h, 90m or an ISO-8601 time, not {text!r}"
        ) from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()


@dataclass
class HuntReport:
    hunt_id: str
    since: str
    rules: int = 0
    correlations: int = 0
    rule_errors: list[RuleError] = field(default_factory=list)
    events: int = 0
    matches: int = 0
    alerts_created: int = 0
    alerts_updated: int = 0


def hunt(
    ctx: Context,
    *,
    paths: Sequence[Path] = (),
    ruleset: RuleSet | None = None,
    since: str,
    until: str | None = None,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> HuntReport:
    """Run the rules found under ``paths`` (or the given ``ruleset``) over events since
    ``since``."""
    if ruleset is None:
        ruleset = hunt_rules(ctx.settings, paths)
    report = HuntReport(hunt_id=uuid.uuid4().hex, since=parse_since(since))
    report.rules, report.rule_errors = len(ruleset.rules), list(ruleset.errors)
    engine = DetectionEngine(ruleset)
    correlator = CorrelationEngine(
        ruleset.correlations, [r.meta for r in ruleset.rules], collect_errors=True
    )
    report.correlations = len(ruleset.correlations)
    query = time_range_query(report.since, parse_since(until) if until else None)
    if on_total is not None:
        on_total(count_events(ctx.es, pattern=ctx.names.searchable_events, query=query))
    # Base rules of a correlation with `generate: false` raise no alerts of their own.
    silenced = correlator.silenced_rules()
    pending: list[RuleMatch | CorrelationMatch] = []
    for event_id, event in iter_events(ctx.es, pattern=ctx.names.searchable_events, query=query):
        report.events += 1
        for match in engine.match(event, event_id):
            report.matches += 1
            if match.rule.id not in silenced:
                pending.append(match)
            pending.extend(correlator.observe(match))
        if len(pending) >= batch_size:
            _flush(ctx, pending, report)
        if progress is not None:
            progress(1)
    _flush(ctx, pending, report)
    return report


def hunt_rules(settings: Settings, paths: Sequence[Path]) -> RuleSet:
    """The rules (and filters) under ``paths`` as the pipeline runs them: with the
    deployment's mapping file (a logsource it adds is active in a hunt too), placeholders
    and overrides. An override naming a rule outside ``paths`` is no error of the hunt."""
    ruleset = load_rules(
        list(paths),
        mapping=FieldMapping.load(settings.detect_mapping_file),
        placeholders=settings.detect_placeholders,
        collect_errors=True,
    )
    if settings.rule_overrides_file is not None:
        entries, errors = read_overrides(settings.rule_overrides_file)
        changed, _elsewhere = apply_overrides([r.meta for r in ruleset.rules], entries)
        for pos, meta in changed.items():
            ruleset.rules[pos] = dataclasses.replace(ruleset.rules[pos], meta=meta)
        ruleset.errors.extend(errors)
        ruleset.override_errors.extend(errors)
    return ruleset


def _flush(ctx: Context, pending: list[RuleMatch | CorrelationMatch], report: HuntReport) -> None:
    if not pending:
        return
    written = write_alerts(ctx, pending, kind="hunt")
    report.alerts_created += len(written.created)
    report.alerts_updated += len(written.updated)
    pending.clear()
