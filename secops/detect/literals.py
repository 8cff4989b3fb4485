"""Literals a rule requires: the ground of the Aho-Corasick prefilter.

``required(node)`` returns a set of lower-cased strings of which at least one
occurs in the lower-cased values of the fields the rule reads whenever the rule
matches, or None when no such set exists (a negation, a number, a regex...).
Such a rule is always evaluated; any other rule can be skipped when none of its
literals is in the event.
"""

from __future__ import annotations

from secops.detect.ir import And, Node, Not, Or, StrTest

# Shorter literals occur in nearly every event; requiring them prunes nothing.
MIN_LITERAL = 3


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
