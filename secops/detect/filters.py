"""Sigma filters: known-good activity excluded from named rules without editing them.

A filter document (Sigma specification, "Sigma Filters") names the rules it
applies to (``filter.rules``: ids or names, or ``any``), a logsource, and a
condition over its own selections that an event must meet for the rules to
still fire (usually ``not <selection>``). It is compiled into each rule it
applies to with the rule's field mapping: the rule's matcher becomes
``rule and filter₁ and filter₂…``, a compiled matcher like any other. The rule
keeps its unfiltered matcher too, so that the engine can count, per filter,
the events a rule matched but a filter excluded.

A filter naming a rule that is not loaded, or a rule whose logsource is outside
the filter's, is an error with the file and line of the reference; the filter
still applies to the rules it names correctly.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Collection, Mapping, Sequence

from sigma.exceptions import SigmaConditionError, SigmaError
from sigma.filters import SigmaFilter
from sigma.rule import SigmaLogSource

from secops.detect.compiler import compile_node
from secops.detect.ir import And, Lowering, Node, Or
from secops.detect.mapping import FieldMapping
from secops.detect.ruleset import CompiledFilter, CompiledRule, FilterSpec
from secops.errors import RuleError


def filter_spec(flt: SigmaFilter, *, path: str, line: int) -> FilterSpec:
    refs = flt.filter.rules
    rules = None if isinstance(refs, str) else tuple(str(r.reference) for r in refs)
    logsource = {
        k: v
        for k, v in (
            ("product", flt.logsource.product),
            ("category", flt.logsource.category),
            ("service", flt.logsource.service),
        )
        if v
    }
    document = json.dumps(flt.to_dict(), sort_keys=True, default=str)
    return FilterSpec(
        id=str(flt.id) if flt.id else f"{path}#{flt.title}",
        title=flt.title,
        path=path,
        line=line,
        rules=rules,
        logsource=logsource,
        fingerprint=hashlib.sha256(document.encode()).hexdigest()[:16],
        sigma=flt,
    )


def apply_filters(
    rules: list[CompiledRule],
    filters: Sequence[FilterSpec],
    *,
    text_of: Mapping[str, str],
    mapping: FieldMapping,
    placeholders: Mapping[str, Sequence[str]],
    correlations: Collection[str] = (),
) -> tuple[list[CompiledRule], list[FilterSpec], list[RuleError]]:
    """The rules with their filters compiled in, the filters with their targets, the errors.

    ``text_of`` maps a filter's path to its file's text, for the line of a bad reference;
    ``correlations`` are the ids and names of correlation rules, which filters do not reach.
    """
    by_ref: dict[str, int] = {}
    for pos, rule in enumerate(rules):
        by_ref[rule.meta.id] = pos
        if rule.meta.name:
            by_ref.setdefault(rule.meta.name, pos)
    attached: dict[int, list[CompiledFilter]] = {}
    errors: list[RuleError] = []
    specs: list[FilterSpec] = []
    seen: set[str] = set()
    for spec in filters:
        if spec.id in seen:
            message = f"duplicate filter id {spec.id}: this filter is not applied"
            errors.append(RuleError(message, path=spec.path, line=spec.line))
            continue
        seen.add(spec.id)
        text = text_of.get(spec.path, "")
        targets, problems = _targets(spec, rules, by_ref, text, correlations)
        errors.extend(problems)
        applied: list[str] = []
        failed: dict[tuple[str, int], list[str]] = {}  # (reason, line) -> rule ids
        for pos in targets:
            rule = rules[pos]
            try:
                tree = _lower(spec.sigma, rule, mapping, placeholders)
            except (SigmaError, RuleError, RecursionError) as exc:
                reason = exc.message if isinstance(exc, RuleError) else str(exc.args[0])
                line = (
                    _line_of(text, "condition:", spec)
                    if isinstance(exc, SigmaConditionError)
                    else spec.line
                )
                failed.setdefault((reason, line), []).append(rule.meta.id)
                continue
            attached.setdefault(pos, []).append(CompiledFilter(spec.id, compile_node(tree), tree))
            applied.append(rule.meta.id)
        errors.extend(_failures(spec, failed))
        specs.append(dataclasses.replace(spec, applied_to=tuple(applied)))
    out = list(rules)
    for pos, compiled in attached.items():
        rule = rules[pos]
        combined = And((rule.tree, *(f.tree for f in compiled)))
        out[pos] = dataclasses.replace(
            rule,
            matcher=compile_node(combined),
            unfiltered=rule.matcher,
            filters=tuple(compiled),
        )
    return out, specs, errors


def _failures(spec: FilterSpec, failed: Mapping[tuple[str, int], list[str]]) -> list[RuleError]:
    """One error per reason: a fault of the filter itself (its condition) fails it for
    every rule it names, and ``rules: any`` may name hundreds."""
    errors = []
    for (reason, line), rule_ids in failed.items():
        shown = ", ".join(rule_ids[:3]) + (", ..." if len(rule_ids) > 3 else "")
        which = f"rule {shown}" if len(rule_ids) == 1 else f"{len(rule_ids)} rules ({shown})"
        message = f"filter {spec.title!r} cannot apply to {which}: {reason}"
        errors.append(RuleError(message, path=spec.path, line=line))
    return errors


def _targets(
    spec: FilterSpec,
    rules: Sequence[CompiledRule],
    by_ref: Mapping[str, int],
    text: str,
    correlations: Collection[str],
) -> tuple[list[int], list[RuleError]]:
    scope = spec.sigma.logsource
    if spec.rules is None:
        return [p for p, r in enumerate(rules) if _logsource(r) in scope], []
    targets: list[int] = []
    errors: list[RuleError] = []
    for ref in spec.rules:
        pos = by_ref.get(ref)
        line = _line_of(text, ref, spec)
        if pos is None:
            what = (
                "is a correlation rule; filters apply to detection rules"
                if ref in correlations
                else "is not loaded"
            )
            errors.append(
                RuleError(
                    f"filter {spec.title!r} names rule {ref!r}, which {what}",
                    path=spec.path,
                    line=line,
                )
            )
        elif _logsource(rules[pos]) not in scope:
            errors.append(
                RuleError(
                    f"filter {spec.title!r} names rule {ref!r}, whose logsource "
                    f"{rules[pos].meta.logsource} is outside the filter's {spec.logsource}",
                    path=spec.path,
                    line=line,
                )
            )
        elif pos not in targets:
            targets.append(pos)
    return targets, errors


def _logsource(rule: CompiledRule) -> SigmaLogSource:
    return rule.sigma.logsource


def _lower(
    flt: SigmaFilter,
    rule: CompiledRule,
    mapping: FieldMapping,
    placeholders: Mapping[str, Sequence[str]],
) -> Node:
    lowering = Lowering(mapping.field_resolver(rule.meta.logsource), placeholders)
    trees = [lowering.lower(cond.parsed) for cond in flt.filter.parsed_condition]
    return trees[0] if len(trees) == 1 else Or(tuple(trees))


def _line_of(text: str, ref: str, spec: FilterSpec) -> int:
    """The line of a rule reference inside the filter's YAML document."""
    anchor = 0
    for _ in range(spec.line - 1):
        anchor = text.find("\n", anchor) + 1
    start = text.rfind("\n---", 0, anchor) + 1  # the document's first line (0: the file's)
    pos = text.find(ref, start)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else spec.line
