"""Literals a rule requires: the ground of the Aho-Corasick prefilter.

``required(node)`` returns a set of lower-cased strings of which at least one
occurs in the lower-cased values of the fields the rule reads whenever the rule
matches, or None when no such set exists (a negation, a number, a regex...).
Such a rule is always evaluated; any other rule can be skipped when none of its
literals is in the event.

``required_all`` gives one such set per AND-ed part (all must be found),
``required_numbers`` the numbers a field must equal (the gate of rules without
literals), and ``screen`` a few short strings that stand for many literals when
a long full-text field is searched.
"""

from __future__ import annotations

from collections.abc import Iterable

from secops.detect.ir import And, Node, Not, NumTest, Or, Paths, StrTest

# Shorter literals occur in nearly every event; requiring them prunes nothing.
MIN_LITERAL = 3
# Shortest substring the screen of long texts searches for.
SCREEN_GRAM = 2


def required(node: Node) -> frozenset[str] | None:
    if isinstance(node, StrTest):
        if node.op == "any" or len(node.literal) < MIN_LITERAL:
            return None
        return frozenset((node.literal,))
    if isinstance(node, Or):
        union: set[str] = set()
        for child in node.children:
            sub = required(child)
            if sub is None:
                return None
            union |= sub
        return frozenset(union)
    if isinstance(node, And):
        options = [s for s in (required(c) for c in node.children) if s is not None]
        if not options:
            return None
        # The most selective alternative: long literals, few of them.
        return max(options, key=lambda s: (min(len(x) for x in s), -len(s)))
    return None


def required_all(node: Node) -> tuple[frozenset[str], ...]:
    """Sets of literals of which each must have one in the event for the rule to match.

    :func:`required` picks one such set; an AND yields one per child that has one
    (a group implied by a smaller one dropped). Empty when :func:`required` is None.
    """
    if isinstance(node, And):
        groups: set[frozenset[str]] = set()
        for child in node.children:
            groups.update(required_all(child))
        kept = [g for g in groups if not any(o < g for o in groups)]
        return tuple(sorted(kept, key=lambda g: (-min(map(len, g)), len(g), sorted(g))))
    one = required(node)
    return () if one is None else (one,)


def string_paths(node: Node) -> frozenset[str]:
    """Every ECS path a string test of the tree reads (what the haystack is built from)."""
    if isinstance(node, StrTest):
        return frozenset(node.paths)
    if isinstance(node, And | Or):
        out: frozenset[str] = frozenset()
        for child in node.children:
            out |= string_paths(child)
        return out
    if isinstance(node, Not):
        return string_paths(node.child)
    return frozenset()


def required_numbers(node: Node) -> tuple[Paths, frozenset[float]] | None:
    """A field and numbers of which one it equals whenever the rule matches, or None.

    Only whole-number tests count: for them a value equals the number exactly
    when ``as_number(value)`` does, so the numbers can key a dict lookup.
    """
    if isinstance(node, NumTest):
        if isinstance(node.number, bool) or not isinstance(node.number, int):
            return None
        return node.paths, frozenset((float(node.number),))
    if isinstance(node, Or):
        paths: Paths | None = None
        numbers: set[float] = set()
        for child in node.children:
            sub = required_numbers(child)
            if sub is None or (paths is not None and sub[0] != paths):
                return None
            paths = sub[0]
            numbers |= sub[1]
        return None if paths is None else (paths, frozenset(numbers))
    if isinstance(node, And):
        options = [s for s in (required_numbers(c) for c in node.children) if s is not None]
        return min(options, key=lambda s: len(s[1])) if options else None
    return None


def screen(literals: Iterable[str]) -> tuple[str, ...]:
    """A few short strings such that every literal contains one of them.

    Searching a long text for these with ``in`` is several times faster than
    running an automaton over it; only when one occurs do the literals matter.
    Chosen greedily: the substring (two characters or more) in most of the
    literals not yet covered, the longer on a tie.
    """
    left = set(literals)
    chosen: list[str] = []
    while left:
        counts: dict[str, int] = {}
        for literal in left:
            grams = {
                literal[i:j]
                for i in range(len(literal))
                for j in range(i + SCREEN_GRAM, len(literal) + 1)
            }
            for gram in grams or {literal}:
                counts[gram] = counts.get(gram, 0) + 1
        best = max(counts, key=lambda g: (counts[g], len(g), g))
        chosen.append(best)
        left = {x for x in left if best not in x}
    return tuple(sorted(chosen))
