"""Resolving what correlation rules refer to: base rules, other correlations, aliases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from secops.detect.correlation.spec import NUMERIC_TYPES, VALUE_COUNT, CorrelationSpec
from secops.detect.models import RuleMeta
from secops.errors import RuleError


@dataclass(frozen=True)
class Source:
    """One rule a correlation refers to, with the event fields read for it."""

    rule_id: str  # id of the base rule or correlation rule
    group_fields: tuple[str, ...]  # one per group-by entry, aliases resolved
    value_fields: tuple[str, ...]  # value_* types: the measured field(s), aliases resolved


@dataclass(frozen=True)
class Routed:
    spec: CorrelationSpec
    sources: tuple[Source, ...]  # parallel to spec.rules


def route(
    specs: Sequence[CorrelationSpec], base_rules: Sequence[RuleMeta]
) -> tuple[list[Routed], list[RuleError]]:
    """Resolve the references of every spec and order the specs so that a correlation
    comes after the correlations it reads. A spec whose references cannot be resolved
    (unknown rule, itself, a cycle, a broken correlation) is left out with an error."""
    base = _index(base_rules)
    corr = _index([s.meta for s in specs])
    by_id = {s.meta.id: s for s in specs}
    resolved: dict[str, tuple[str, ...]] = {}
    errors: list[RuleError] = []
    for spec in specs:
        targets = [base.get(ref) or corr.get(ref) for ref in spec.rules]
        unknown = [ref for ref, t in zip(spec.rules, targets, strict=True) if t is None]
        if unknown:
            errors.append(_error(spec, f"referenced rules are unknown: {', '.join(unknown)}"))
        elif spec.meta.id in targets:
            errors.append(_error(spec, "correlation rule refers to itself"))
        else:
            resolved[spec.meta.id] = tuple(t for t in targets if t is not None)
    order = _topological(resolved, by_id, errors)
    return [_routed(by_id[rid], resolved[rid], base | corr) for rid in order], errors


def _error(spec: CorrelationSpec, message: str) -> RuleError:
    return RuleError(message, path=spec.meta.path, line=spec.line)


def _index(metas: Sequence[RuleMeta]) -> dict[str, str]:
    """Reference (id or name) -> rule id; ids win over names."""
    index = {m.name: m.id for m in metas if m.name}
    index.update({m.id: m.id for m in metas})
    return index


def _topological(
    resolved: dict[str, tuple[str, ...]],
    by_id: dict[str, CorrelationSpec],
    errors: list[RuleError],
) -> list[str]:
    """Dependencies first; specs in a cycle or reading a dropped correlation are dropped."""
    order: list[str] = []
    done: dict[str, bool] = {}  # id -> usable
    visiting: set[str] = set()

    def visit(rid: str) -> bool:
        if rid in done:
            return done[rid]
        if rid in visiting:
            errors.append(_error(by_id[rid], "correlation rules refer to each other in a cycle"))
            return False
        if rid not in resolved:  # a correlation left out earlier
            return False
        visiting.add(rid)
        broken = [dep for dep in resolved[rid] if dep in by_id and not visit(dep)]
        visiting.discard(rid)
        if broken and rid not in done:  # not already reported as part of a cycle
            errors.append(_error(by_id[rid], f"reads correlation rules left out: {broken}"))
        done[rid] = not broken
        if not broken:
            order.append(rid)
        return not broken

    for rid in resolved:
        visit(rid)
    return order


def _routed(spec: CorrelationSpec, ids: tuple[str, ...], index: dict[str, str]) -> Routed:
    measured = spec.condition.fields if spec.type in NUMERIC_TYPES | {VALUE_COUNT} else ()
    sources = []
    for rule_id in ids:
        sources.append(
            Source(
                rule_id=rule_id,
                group_fields=tuple(_field(spec, name, rule_id, index) for name in spec.group_by),
                value_fields=tuple(_field(spec, name, rule_id, index) for name in measured),
            )
        )
    return Routed(spec=spec, sources=tuple(sources))


def _field(spec: CorrelationSpec, name: str, rule_id: str, index: dict[str, str]) -> str:
    """The event field holding `name` for events of `rule_id`: an alias maps it per rule."""
    for ref, event_field in spec.aliases.get(name, {}).items():
        if index.get(ref) == rule_id:
            return event_field
    return name
