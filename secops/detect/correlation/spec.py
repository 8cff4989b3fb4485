"""A Sigma correlation rule compiled into what the runtime needs.

pySigma parses and validates the rule. Two things it does not take are
handled here: a range condition (`gt: 100` and `lte: 200` in one mapping, which
the specification allows) and the plain dict form the loader hands over.
"""

from __future__ import annotations

import copy
import hashlib
import json
import operator
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sigma.exceptions as sigma_exceptions
from sigma.correlations import (
    CorrelationConditionItem,
    SigmaCorrelationCondition,
    SigmaCorrelationRule,
    SigmaExtendedCorrelationCondition,
    SigmaRuleReference,
)

from secops.detect.models import RuleMeta
from secops.errors import RuleError

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "eq": operator.eq,
    "neq": operator.ne,
}

EVENT_COUNT = "event_count"
VALUE_COUNT = "value_count"
TEMPORAL = "temporal"
TEMPORAL_ORDERED = "temporal_ordered"
NUMERIC_TYPES = frozenset({"value_sum", "value_avg", "value_percentile", "value_median"})
SUPPORTED_TYPES = frozenset({EVENT_COUNT, VALUE_COUNT, TEMPORAL, TEMPORAL_ORDERED} | NUMERIC_TYPES)

Expression = CorrelationConditionItem | SigmaRuleReference


@dataclass(frozen=True)
class Threshold:
    op: str
    value: float

    def holds(self, measured: float) -> bool:
        return OPERATORS[self.op](measured, self.value)


@dataclass(frozen=True)
class Condition:
    """All thresholds must hold (a range is two); `expression` replaces them for
    temporal rules written with an extended (`a and not b`) condition."""

    thresholds: tuple[Threshold, ...]
    fields: tuple[str, ...] = ()  # value_* types: the field(s) measured
    percentile: float | None = None
    expression: Expression | None = None

    def holds(self, measured: float) -> bool:
        return all(t.holds(measured) for t in self.thresholds)


@dataclass(frozen=True)
class CorrelationSpec:
    meta: RuleMeta
    type: str
    rules: tuple[str, ...]  # base or correlation rules, by id or name, as written
    generate: bool
    timespan: float  # seconds
    group_by: tuple[str, ...]
    aliases: Mapping[str, Mapping[str, str]]  # alias -> rule reference -> event field
    condition: Condition
    line: int | None = None
    fingerprint: str = field(default="", compare=False)


def compile_rule(
    rule: SigmaCorrelationRule | dict[str, Any],
    *,
    path: str | None = None,
    line: int | None = None,
) -> CorrelationSpec:
    """Compile one correlation rule; raises RuleError with the rule's location."""
    if isinstance(rule, dict):
        parsed, thresholds = _parse_dict(rule, path=path, line=line)
    else:
        parsed, thresholds = rule, None
        if path is None and rule.source is not None and rule.source.path is not None:
            path = str(rule.source.path)
    if parsed.errors:
        raise RuleError(str(parsed.errors[0]), path=path, line=line)
    kind = parsed.type.name.lower()
    if kind not in SUPPORTED_TYPES:
        raise RuleError(f"correlation type {kind!r} is not supported", path=path, line=line)
    condition = _condition(parsed, kind, thresholds, path=path, line=line)
    refs = parsed.rules if parsed.rules is not None else parsed.referenced_rules
    if parsed.rules is None and isinstance(parsed.condition, SigmaExtendedCorrelationCondition):
        refs = [SigmaRuleReference(r) for r in parsed.condition.get_referenced_rules()]
    spec = CorrelationSpec(
        meta=_meta(parsed, path),
        type=kind,
        rules=tuple(r.reference for r in refs),
        generate=parsed.generate,
        timespan=float(parsed.timespan.seconds),
        group_by=tuple(parsed.group_by or ()),
        aliases={
            a.alias: {ref.reference: fld for ref, fld in a.mapping.items()} for a in parsed.aliases
        },
        condition=condition,
        line=line,
    )
    if not spec.rules:
        raise RuleError("correlation rule references no rules", path=path, line=line)
    return _with_fingerprint(spec)


def _parse_dict(
    rule: dict[str, Any], *, path: str | None, line: int | None
) -> tuple[SigmaCorrelationRule, tuple[Threshold, ...] | None]:
    body = rule.get("correlation")
    cond = body.get("condition") if isinstance(body, dict) else None
    thresholds = None
    if isinstance(cond, dict) and len(set(cond) & OPERATORS.keys()) > 1:
        # a range: pySigma takes one operator, so hand it the first and keep all here
        thresholds = tuple(_threshold(op, cond[op], path, line) for op in cond if op in OPERATORS)
        rule = copy.deepcopy(rule)
        first = next(op for op in cond if op in OPERATORS)
        rule["correlation"]["condition"] = {
            k: v for k, v in cond.items() if k not in OPERATORS or k == first
        }
    try:
        return SigmaCorrelationRule.from_dict(rule), thresholds
    except sigma_exceptions.SigmaError as exc:
        raise RuleError(str(exc), path=path, line=line) from exc
    except (AttributeError, TypeError, ValueError) as exc:  # malformed shapes pySigma trips on
        raise RuleError(f"malformed correlation rule: {exc}", path=path, line=line) from exc


def _threshold(op: str, value: Any, path: str | None, line: int | None) -> Threshold:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleError(f"condition {op}: {value!r} is not a number", path=path, line=line)
    return Threshold(op, float(value))


def _condition(
    parsed: SigmaCorrelationRule,
    kind: str,
    thresholds: tuple[Threshold, ...] | None,
    *,
    path: str | None,
    line: int | None,
) -> Condition:
    cond = parsed.condition
    if isinstance(cond, SigmaExtendedCorrelationCondition):
        if kind != TEMPORAL:
            raise RuleError(
                "extended (boolean) conditions are supported on temporal rules only",
                path=path,
                line=line,
            )
        return Condition(thresholds=(), expression=cond.parsed)
    assert isinstance(cond, SigmaCorrelationCondition)
    if thresholds is None:
        thresholds = (Threshold(cond.op.name.lower(), float(cond.count)),)
    ref = cond.fieldref
    fields = (ref,) if isinstance(ref, str) else tuple(ref or ())
    percentile: float | None = None
    if kind == "value_median":
        percentile = 50.0
    elif kind == "value_percentile":
        if cond.percentile is None or not 0 <= cond.percentile <= 100:
            raise RuleError(
                "value_percentile needs a percentile between 0 and 100", path=path, line=line
            )
        percentile = float(cond.percentile)
    if kind in NUMERIC_TYPES and len(fields) != 1:
        raise RuleError(f"{kind} measures exactly one field", path=path, line=line)
    return Condition(thresholds=thresholds, fields=fields, percentile=percentile)


def _meta(parsed: SigmaCorrelationRule, path: str | None) -> RuleMeta:
    rule_id = (
        str(parsed.id)
        if parsed.id is not None
        else str(uuid.uuid5(uuid.NAMESPACE_URL, f"{path or ''}#{parsed.title}"))
    )
    return RuleMeta(
        id=rule_id,
        name=parsed.name,
        title=parsed.title,
        level=parsed.level.name.lower() if parsed.level is not None else "medium",
        tags=tuple(str(t) for t in parsed.tags),
        description=parsed.description,
        path=path,
        falsepositives=tuple(parsed.falsepositives),
        kind="correlation",
    )


def _with_fingerprint(spec: CorrelationSpec) -> CorrelationSpec:
    """Stamp a digest of what shapes the state, so a checkpoint of an edited rule is dropped."""
    cond = spec.condition
    shape = {
        "type": spec.type,
        "rules": spec.rules,
        "timespan": spec.timespan,
        "group_by": spec.group_by,
        "aliases": spec.aliases,
        "fields": cond.fields,
        "expression": repr(cond.expression),
    }
    if spec.type == VALUE_COUNT:
        shape["entry"] = "value and noted fields"  # windows saved before hold bare values
    digest = hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()
    return CorrelationSpec(**{**spec.__dict__, "fingerprint": digest[:16]})
