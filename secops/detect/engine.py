"""The single-event detection engine.

Per event, the cost grows with the rules that could apply, not with all rules:

1. routing: the values of the few routing fields (dataset, channel, event id...)
   are looked up in dicts built from the rules' logsources, giving the buckets
   of candidate rules;
2. prefilter: for that combination of buckets a plan is built once and cached:
   an Aho-Corasick automaton over the literals each rule requires (one of each
   AND-ed group), run over the lower-cased values of the fields those rules
   read; a rule with a group none of whose literals occurs is skipped. The long
   full-text fields (message, event.original) are not scanned by the automaton:
   a few short strings that every literal of the rules reading them contains
   are looked for with ``in``, and only if one is there are those rules run. A
   rule without literals that needs a field to equal some numbers (an event id)
   is looked up by the event's value; any other rule is always evaluated;
3. the remaining rules' compiled matchers run on the event. A rule with Sigma
   filters runs its own matcher, then its filters' (compiled too), so that an
   event a filter excluded is counted for that filter (``drops``).

``evaluate_all=True`` skips both steps and evaluates every rule (its logsource
included) on every event: the baseline that the fast path must agree with.

A rule of an unsupported logsource (no mapping entry covers it) is left out when
the engine is built, so it costs nothing per event in either mode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from secops.detect.filter_drops import FilterDrops
from secops.detect.ir import KEYWORD_PATHS
from secops.detect.literals import required_all, required_numbers, screen
from secops.detect.mapping import Condition, expand_condition, norm_value
from secops.detect.models import RuleMatch
from secops.detect.ruleset import CompiledRule, RuleSet
from secops.detect.values import (
    MISSING,
    Event,
    Fetch,
    as_number,
    collector,
    fetcher,
    getter,
    to_text,
)

_SEPARATOR = "\x1f"
# Bound of each memo (routing values, sets of literals found) in entries.
_MEMO = 4096


@dataclass(frozen=True)
class _Plan:
    """What to run for events that fall in one combination of routing buckets."""

    always: tuple[int, ...]  # rules without a required literal or number
    gates: tuple[tuple[Fetch, dict[float, tuple[int, ...]]], ...]  # field -> number -> rules
    automaton: Any  # ahocorasick.Automaton: literal -> index into hits, or None
    hits: tuple[tuple[tuple[int, int], ...], ...]  # per literal: (rule position, group bit)
    groups: dict[int, int]  # rule position -> the bits of all its literal groups
    narrow: Fetch  # values of the haystack's fields (full-text fields excepted)
    wide: Fetch  # values of the full-text fields some literal rules read
    screen: tuple[str, ...]  # one of them is in the full text if a wide rule's literal is
    wide_rules: frozenset[int]  # the literal rules that read a full-text field
    size: int  # number of candidate rules (for statistics)
    # Literals found -> rules they complete; the same few sets recur event after event.
    done: dict[frozenset[int], tuple[int, ...]] = field(default_factory=dict, compare=False)

    def complete(self, seen: frozenset[int]) -> tuple[int, ...]:
        """The rules each of whose literal groups has a literal among those seen."""
        rules = self.done.get(seen)
        if rules is None:
            masks: dict[int, int] = {}
            for index in seen:
                for pos, bit in self.hits[index]:
                    masks[pos] = masks.get(pos, 0) | bit
            rules = tuple(pos for pos, mask in masks.items() if mask == self.groups[pos])
            if len(self.done) < _MEMO:
                self.done[seen] = rules
        return rules


def _texts(collect: Fetch, event: Event) -> str:
    """The lower-cased values of the fields, joined by a separator."""
    return _SEPARATOR.join(map(to_text, collect(event))).lower()


class _Router:
    """Dict lookups from routing-field values to buckets of rule positions."""

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        tables: dict[tuple[str, ...], dict[tuple[str, ...], set[int]]] = {}
        for pos, rule in enumerate(rules):
            for condition in rule.routes or ():
                for combo in expand_condition(condition):
                    fields = tuple(f for f, _ in combo)
                    values = tuple(v for _, v in combo)
                    tables.setdefault(fields, {}).setdefault(values, set()).add(pos)
        self.buckets: list[tuple[int, ...]] = []
        paths = sorted({f for fields in tables for f in fields})
        self._getters = [(p, getter(p)) for p in paths]
        self._tables: list[tuple[tuple[str, ...], dict[tuple[str, ...], int]]] = []
        for fields, table in sorted(tables.items()):
            ids: dict[tuple[str, ...], int] = {}
            for values, positions in table.items():
                ids[values] = len(self.buckets)
                self.buckets.append(tuple(sorted(positions)))
            self._tables.append((fields, ids))
        self.unrouted = tuple(pos for pos, rule in enumerate(rules) if rule.routes is None)
        # Raw routing values -> bucket ids; few distinct combinations occur in practice.
        self._memo: dict[tuple[Any, ...], tuple[int, ...]] = {}

    def route(self, event: Event) -> tuple[int, ...]:
        """Ids of the buckets the event falls in."""
        key = tuple(get(event) for _, get in self._getters)
        try:
            hits = self._memo.get(key)
        except TypeError:  # a dict or list where a routing value was expected
            return self._route(key)
        if hits is None:
            hits = self._route(key)
            # Keyed by raw values, so only strings: 1, 1.0 and True are equal keys.
            if len(self._memo) < _MEMO and all(
                type(v) is str or v is MISSING or v is None for v in key
            ):
                self._memo[key] = hits
        return hits

    def _route(self, raw: tuple[Any, ...]) -> tuple[int, ...]:
        values: dict[str, str] = {}
        for (path, _), value in zip(self._getters, raw, strict=True):
            if value is not MISSING and value is not None and not isinstance(value, dict | list):
                values[path] = norm_value(value)
        hits: list[int] = []
        for fields, ids in self._tables:
            try:
                key = tuple(values[f] for f in fields)
            except KeyError:
                continue
            bucket = ids.get(key)
            if bucket is not None:
                hits.append(bucket)
        return tuple(hits)


def _route_predicate(routes: tuple[Condition, ...] | None) -> Callable[[Event], bool]:
    """A rule's logsource checked directly on an event (the baseline's way)."""
    if routes is None:
        return lambda ev: True
    compiled = [[(getter(f), allowed) for f, allowed in c.items()] for c in routes]

    def applies(ev: Event) -> bool:
        for condition in compiled:
            for get, allowed in condition:
                value = get(ev)
                if value is MISSING or value is None or isinstance(value, dict | list):
                    break
                if norm_value(value) not in allowed:
                    break
            else:
                return True
        return False

    return applies


class DetectionEngine:
    """Runs a rule set's single-event rules on ECS events."""

    def __init__(
        self,
        ruleset: RuleSet,
        *,
        evaluate_all: bool = False,
        drops: FilterDrops | None = None,
    ) -> None:
        self.ruleset = ruleset
        self.evaluate_all = evaluate_all
        # Events a rule matched that one of its filters excluded, by filter and rule.
        self.drops = drops if drops is not None else FilterDrops()
        # A rule of an unsupported logsource runs on no event: it is left out here, once.
        self._rules = [r for r in ruleset.rules if r.active]
        self._router = _Router(self._rules)
        self._plans: dict[tuple[int, ...], _Plan] = {}  # memo; plans are pure functions of keys
        self._applies = [_route_predicate(r.routes) for r in self._rules]
        self._filtered = any(r.unfiltered is not None for r in self._rules)

    def match(self, event: Event, event_id: str) -> list[RuleMatch]:
        """Every rule that fires on the event, in rule-set order."""
        rules = self._rules
        if not self._filtered:  # the usual case: no filter to count for
            return [
                RuleMatch.model_construct(rule=rules[pos].meta, event=event, event_id=event_id)
                for pos in self._candidates(event)
                if rules[pos].matcher(event)
            ]
        found = []
        for pos in self._candidates(event):
            rule = rules[pos]
            if rule.unfiltered is not None:
                if not self._passes_filters(rule, event):
                    continue
            elif not rule.matcher(event):
                continue
            found.append(RuleMatch.model_construct(rule=rule.meta, event=event, event_id=event_id))
        return found

    def _passes_filters(self, rule: CompiledRule, event: Event) -> bool:
        """A filtered rule: its own condition, then each filter's (the first to exclude counts)."""
        assert rule.unfiltered is not None
        if not rule.unfiltered(event):
            return False
        for flt in rule.filters:
            if not flt.matcher(event):
                self.drops.add(flt.id, rule.meta.id)
                return False
        return True

    def candidates(self, event: Event) -> list[CompiledRule]:
        """The rules that would be evaluated on the event (after routing and prefilter)."""
        return [self._rules[pos] for pos in self._candidates(event)]

    def _candidates(self, event: Event) -> Sequence[int]:
        if self.evaluate_all:
            return [pos for pos, applies in enumerate(self._applies) if applies(event)]
        key = self._router.route(event)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(key)
        found: set[int] = set()
        for fetch, table in plan.gates:
            for value in fetch(event):
                number = as_number(value)
                if number is not None:
                    found.update(table.get(number, ()))
        if plan.automaton is not None:
            text = _texts(plan.narrow, event)
            seen = frozenset([index for _, index in plan.automaton.iter(text)])
            if seen:
                found.update(plan.complete(seen))
        if plan.screen:
            text = _texts(plan.wide, event)
            for gram in plan.screen:
                if gram in text:
                    found |= plan.wide_rules
                    break
        if not found:
            return plan.always
        found.update(plan.always)
        return sorted(found)

    def _plan(self, key: tuple[int, ...]) -> _Plan:
        positions = set(self._router.unrouted)
        for bucket in key:
            positions.update(self._router.buckets[bucket])
        always: list[int] = []
        gates: dict[tuple[str, ...], dict[float, list[int]]] = {}
        words: dict[str, list[tuple[int, int]]] = {}
        groups: dict[int, int] = {}
        paths: set[str] = set()
        wide_rules: list[int] = []
        wide_words: set[str] = set()
        for pos in sorted(positions):
            rule = self._rules[pos]
            if rule.literals is None:
                gate = required_numbers(rule.tree)
                if gate is None:
                    always.append(pos)
                else:
                    table = gates.setdefault(gate[0], {})
                    for number in gate[1]:
                        table.setdefault(number, []).append(pos)
                continue
            paths |= rule.paths
            # A rule reading full text keeps to one literal group, the one the screen covers.
            required: tuple[frozenset[str], ...] = (rule.literals,)
            if not rule.paths.isdisjoint(KEYWORD_PATHS):
                wide_rules.append(pos)
                wide_words |= rule.literals
            else:
                required = required_all(rule.tree)
            groups[pos] = (1 << len(required)) - 1
            for bit, group in enumerate(required):
                for literal in group:
                    words.setdefault(literal, []).append((pos, 1 << bit))
        automaton = None
        narrow = sorted(paths.difference(KEYWORD_PATHS))
        if words and narrow:
            automaton = ahocorasick.Automaton()
            for index, literal in enumerate(words):
                automaton.add_word(literal, index)
            automaton.make_automaton()
        return _Plan(
            always=tuple(always),
            gates=tuple(
                (fetcher(fields), {n: tuple(p) for n, p in table.items()})
                for fields, table in sorted(gates.items())
            ),
            automaton=automaton,
            hits=tuple(tuple(pairs) for pairs in words.values()),
            groups=groups,
            narrow=collector(narrow),
            wide=collector(sorted(paths.intersection(KEYWORD_PATHS))),
            screen=screen(wide_words),
            wide_rules=frozenset(wide_rules),
            size=len(positions),
        )
