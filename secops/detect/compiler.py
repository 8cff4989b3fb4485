"""Matchers: Python closures compiled once from a rule's condition tree.

Each leaf becomes a closure over a precompiled accessor and test. An OR of
string tests on the same field becomes one closure that reads the field once
and checks a set (equals), tuples (starts/ends with) and a regex alternation
(contains, wildcards), which is what keeps long Sigma value lists cheap.
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections.abc import Callable
from typing import Any

from secops.detect.ir import (
    And,
    BoolTest,
    CidrTest,
    CompareTest,
    ExistsTest,
    FieldRefTest,
    Node,
    Not,
    NullTest,
    NumTest,
    Or,
    RegexTest,
    StrTest,
)
from secops.detect.values import Event, as_number, fetcher, to_text

Matcher = Callable[[Event], bool]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
    "neq": operator.ne,
}


def compile_node(node: Node) -> Matcher:
    """The matcher for a condition tree."""
    if isinstance(node, And):
        return _all([compile_node(c) for c in node.children])
    if isinstance(node, Or):
        return _any(_or_children(node))
    if isinstance(node, Not):
        inner = compile_node(node.child)
        return lambda ev: not inner(ev)
    if isinstance(node, StrTest):
        return _strings(node.paths, node.cased, [node])
    return _leaf(node)


def _all(matchers: list[Matcher]) -> Matcher:
    if len(matchers) == 1:
        return matchers[0]
    if len(matchers) == 2:
        a, b = matchers
        return lambda ev: a(ev) and b(ev)

    def match_all(ev: Event) -> bool:
        for m in matchers:  # noqa: SIM110 - a plain loop beats all() over a generator
            if not m(ev):
                return False
        return True

    return match_all


def _any(matchers: list[Matcher]) -> Matcher:
    if len(matchers) == 1:
        return matchers[0]
    if len(matchers) == 2:
        a, b = matchers
        return lambda ev: a(ev) or b(ev)

    def match_any(ev: Event) -> bool:
        for m in matchers:  # noqa: SIM110 - a plain loop beats any() over a generator
            if m(ev):
                return True
        return False

    return match_any


def _flatten_or(node: Or) -> list[Node]:
    out: list[Node] = []
    for child in node.children:
        if isinstance(child, Or):
            out.extend(_flatten_or(child))
        else:
            out.append(child)
    return out


def _or_children(node: Or) -> list[Matcher]:
    """Matchers of an OR, string tests on the same field merged into one."""
    groups: dict[tuple[tuple[str, ...], bool], list[StrTest]] = {}
    others: list[Matcher] = []
    for child in _flatten_or(node):
        if isinstance(child, StrTest):
            groups.setdefault((child.paths, child.cased), []).append(child)
        else:
            others.append(compile_node(child))
    merged = [_strings(paths, cased, tests) for (paths, cased), tests in groups.items()]
    return merged + others


def _strings(paths: tuple[str, ...], cased: bool, tests: list[StrTest]) -> Matcher:
    """One matcher for OR-ed string tests on one field."""
    fetch = fetcher(paths)
    if any(t.op == "any" for t in tests):
        return lambda ev: bool(fetch(ev))
    eqs = frozenset(t.text for t in tests if t.op == "eq")
    sws = tuple(t.text for t in tests if t.op == "sw")
    ews = tuple(t.text for t in tests if t.op == "ew")
    ins = [t.text for t in tests if t.op == "in"]
    globs = [t.text for t in tests if t.op == "glob"]
    if not sws and not ews and not globs:
        if len(eqs) == 1 and not ins:
            return _equals_one(fetch, next(iter(eqs)), cased)
        if len(ins) == 1 and not eqs:
            return _contains_one(fetch, ins[0], cased)
    # Contains-tests and wildcards share one regex: searched, globs anchored at both ends.
    search: Callable[[str], Any] | None = None
    if ins or globs:
        alternatives = [re.escape(x) for x in ins] + [f"^(?:{g})\\Z" for g in globs]
        search = re.compile("|".join(alternatives), re.DOTALL).search

    def match_strings(ev: Event) -> bool:
        for value in fetch(ev):
            text = to_text(value)
            if not cased:
                text = text.lower()
            if text in eqs:
                return True
            if sws and text.startswith(sws):
                return True
            if ews and text.endswith(ews):
                return True
            if search is not None and search(text) is not None:
                return True
        return False

    return match_strings


def _equals_one(fetch: Callable[[Event], list[Any]], only: str, cased: bool) -> Matcher:
    def match_eq(ev: Event) -> bool:
        for value in fetch(ev):
            text = to_text(value)
            if (text if cased else text.lower()) == only:
                return True
        return False

    return match_eq


def _contains_one(fetch: Callable[[Event], list[Any]], needle: str, cased: bool) -> Matcher:
    def match_in(ev: Event) -> bool:
        for value in fetch(ev):
            text = to_text(value)
            if needle in (text if cased else text.lower()):
                return True
        return False

    return match_in


def _leaf(node: Node) -> Matcher:
    if isinstance(node, NumTest):
        return _number(node)
    if isinstance(node, BoolTest):
        fetch, want = fetcher(node.paths), node.value
        word = "true" if want else "false"
        return lambda ev: any(
            (v is want) if isinstance(v, bool) else to_text(v).lower() == word for v in fetch(ev)
        )
    if isinstance(node, NullTest):
        fetch = fetcher(node.paths)
        return lambda ev: not fetch(ev)
    if isinstance(node, ExistsTest):
        fetch, exists = fetcher(node.paths), node.exists
        return lambda ev: bool(fetch(ev)) is exists
    if isinstance(node, RegexTest):
        fetch, rx = fetcher(node.paths), re.compile(node.pattern, node.flags)
        return lambda ev: any(rx.search(to_text(v)) is not None for v in fetch(ev))
    if isinstance(node, CidrTest):
        return _cidr(node)
    if isinstance(node, CompareTest):
        fetch, op, number = fetcher(node.paths), _OPS[node.op], node.number

        def match_compare(ev: Event) -> bool:
            for value in fetch(ev):
                x = as_number(value)
                if x is not None and op(x, number):
                    return True
            return False

        return match_compare
    if isinstance(node, FieldRefTest):
        return _fieldref(node)
    raise TypeError(f"not a leaf: {node!r}")


def _number(node: NumTest) -> Matcher:
    fetch, number = fetcher(node.paths), float(node.number)
    text = str(node.number).lower()

    def match_number(ev: Event) -> bool:
        for value in fetch(ev):
            x = as_number(value)
            if x is not None:
                if x == number:
                    return True
            elif to_text(value).lower() == text:
                return True
        return False

    return match_number


def _cidr(node: CidrTest) -> Matcher:
    fetch, network = fetcher(node.paths), node.network

    def match_cidr(ev: Event) -> bool:
        for value in fetch(ev):
            try:
                if ipaddress.ip_address(to_text(value).strip()) in network:
                    return True
            except ValueError:
                continue
        return False

    return match_cidr


def _fieldref(node: FieldRefTest) -> Matcher:
    fetch, other = fetcher(node.paths), fetcher(node.other)
    starts, ends = node.starts, node.ends

    def related(a: Any, b: Any) -> bool:
        ta, tb = to_text(a).lower(), to_text(b).lower()
        if starts and ends:
            return tb in ta
        if starts:
            return ta.startswith(tb)
        if ends:
            return ta.endswith(tb)
        if ta == tb:
            return True
        na, nb = as_number(a), as_number(b)
        return na is not None and na == nb

    def match_ref(ev: Event) -> bool:
        refs = other(ev)
        return any(related(a, b) for a in fetch(ev) for b in refs)

    return match_ref
