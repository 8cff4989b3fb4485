"""Coverage: which ATT&CK tactics and techniques the active rules cover, per logsource,
and where the blind spots are.

Active rules are the catalogue's rules that run (`is_active`). Their ``attack.*`` tags
give the tactics (Sigma tag names, such as ``credential-access``) and the techniques
(ids, such as ``T1110.001``); a correlation rule counts for the logsources of the rules
it reads. The blind spots come from one aggregation over the events of the window
(`secops.store.coverage`): logsources with active rules and no event, and datasets
none of whose events any active rule's logsource selects.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Container
from datetime import UTC, datetime, timedelta

from secops.alerts.build import parse_threat
from secops.context import Context
from secops.detect.mapping import FieldMapping
from secops.detect.models import RuleMeta
from secops.errors import InvalidInputError
from secops.rules.catalog import Catalog, load_catalog
from secops.rules.models import (
    AttackItem,
    CoverageOut,
    LogsourceCoverage,
    RuleState,
    SourceCoverage,
)
from secops.rules.state import rule_states
from secops.store.coverage import conditions_query, events_seen

DEFAULT_WINDOW = "1d"
# ASCII digits only (``\d`` takes any script's); at most 6, so ``int`` stays small.
_WINDOW = re.compile(r"^([0-9]{1,6})([smhdw])$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LOGSOURCE_KEYS = ("product", "category", "service")


def parse_window(text: str, *, longest: timedelta) -> timedelta:
    """``1d``, ``12h``, ``90m``, ``2w`` → a duration from one second to ``longest``.

    Events older than the retention are deleted, so a longer window counts nothing
    more; refusing it also keeps the window's start a date (a huge one overflowed).
    """
    found = _WINDOW.match(text.strip())
    if not found or int(found.group(1)) == 0:
        raise InvalidInputError(
            f"a window is a positive duration such as 1d, 12h, 90m or 2w, not {text!r}"
        )
    window = timedelta(**{_UNIT[found.group(2)]: int(found.group(1))})
    if window > longest:
        raise InvalidInputError(
            f"a window is at most the retention of events, {longest.days} days, not {text!r}"
        )
    return window


def is_active(meta: RuleMeta, state: RuleState | None, unsupported: Container[str]) -> bool:
    """Whether a loaded rule runs: a mapping covers its logsource and it is not disabled."""
    return meta.id not in unsupported and (state is None or state.enabled)


def logsource_key(logsource: dict[str, str]) -> str:
    parts = [f"{k}={logsource[k]}" for k in _LOGSOURCE_KEYS if logsource.get(k)]
    return " ".join(parts) or "(any)"


def coverage(
    ctx: Context, *, window: str = DEFAULT_WINDOW, now: datetime | None = None
) -> CoverageOut:
    longest = timedelta(days=ctx.settings.retention_days)
    since = (now or datetime.now(UTC)) - parse_window(window, longest=longest)
    catalog = load_catalog(ctx.settings)
    states = rule_states(ctx)
    metas = list(catalog.metas())
    unsupported = catalog.unsupported()
    active = [m for m in metas if is_active(m, states.get(m.id), unsupported)]
    active_ids = {m.id for m in active}
    singles = [m for m in active if m.kind == "detection"]

    # Each active rule's logsource; a correlation's are those of the rules it reads.
    by_key: dict[str, dict[str, str]] = {}
    rules_of: dict[str, list[RuleMeta]] = defaultdict(list)
    for meta in singles:
        key = logsource_key(meta.logsource)
        by_key.setdefault(key, {k: v for k, v in meta.logsource.items() if k in _LOGSOURCE_KEYS})
        rules_of[key].append(meta)
    correlations_of: dict[str, list[RuleMeta]] = defaultdict(list)
    for rule_id, keys in _correlation_logsources(catalog, active_ids).items():
        meta = catalog.find(rule_id)
        for key in keys:
            correlations_of[key].append(meta)

    mapping = FieldMapping.load(ctx.settings.detect_mapping_file)
    routes = {key: mapping.routes(logsource) for key, logsource in by_key.items()}
    seen = events_seen(
        ctx.es,
        pattern=ctx.names.events_pattern,
        since=since,
        logsources={key: conditions_query(route) for key, route in routes.items()},
    )

    logsources = []
    for key in sorted(by_key):
        tactics, techniques = _attack([*rules_of[key], *correlations_of[key]])
        logsources.append(
            LogsourceCoverage(
                logsource=by_key[key],
                key=key,
                rules=len(rules_of[key]),
                correlations=len(correlations_of[key]),
                tactics=sorted(tactics),
                techniques=sorted(techniques),
                every_event=routes[key] is None,
                events=seen.by_logsource.get(key, 0),
            )
        )
    tactics, techniques = _attack(active)
    sources = [
        SourceCoverage(
            dataset=s.dataset, modules=list(s.modules), events=s.events, uncovered=s.uncovered
        )
        for s in seen.sources
    ]
    return CoverageOut(
        window=window,
        since=since,
        active_rules=len(active),
        inactive_rules=len(metas) - len(active),
        tactics=_items(tactics),
        techniques=_items(techniques),
        logsources=logsources,
        blind_logsources=[c.key for c in logsources if c.events == 0],
        sources=sources,
        uncovered_sources=[s.dataset for s in sources if s.events and s.uncovered == s.events],
        other_events=seen.other_events,
    )


def _attack(metas: list[RuleMeta]) -> tuple[Counter[str], Counter[str]]:
    """How many of ``metas`` carry each tactic and each technique."""
    tactics, techniques = Counter[str](), Counter[str]()
    for meta in metas:
        found_tactics, found_techniques, _ = parse_threat(meta.tags)
        tactics.update(set(found_tactics))
        techniques.update(set(found_techniques))
    return tactics, techniques


def _items(counts: Counter[str]) -> list[AttackItem]:
    return [
        AttackItem(id=k, rules=n) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _correlation_logsources(catalog: Catalog, active: set[str]) -> dict[str, set[str]]:
    """For each active correlation rule, the logsource keys of the single-event rules it
    reads, through correlations of correlations."""
    index = {m.name: m for m in catalog.metas() if m.name}
    index.update({m.id: m for m in catalog.metas()})
    out: dict[str, set[str]] = {}
    for rule_id in catalog.correlations:
        if rule_id not in active:
            continue
        keys: set[str] = set()
        todo, done = [rule_id], set()
        while todo:
            current = todo.pop()
            if current in done:
                continue
            done.add(current)
            _, spec = catalog.correlations[current]
            for ref in spec.rules:
                target = index.get(ref)
                if target is None:
                    continue
                if target.id in catalog.correlations:
                    todo.append(target.id)
                else:
                    keys.add(logsource_key(target.logsource))
        out[rule_id] = keys
    return out
