"""A rule's condition as a small tree of typed tests over ECS paths.

pySigma parses a rule into a condition tree whose leaves are Sigma types bound to
Sigma field names. :func:`lower` turns it into this tree: field names resolved
to ECS paths, placeholders expanded, strings reduced to one of a few string
tests. The compiler makes matchers from it, and the prefilter reads its
required literals from it; neither needs pySigma afterwards.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SpecialChars,
)

from secops.errors import RuleError

Paths = tuple[str, ...]

# Full-text fields that Sigma keywords (values without a field) search.
KEYWORD_PATHS: Paths = ("message", "event.original")


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class StrTest:
    """A string test: op is eq, sw (starts with), ew (ends with), in (contains), any, glob."""

    paths: Paths
    op: str
    text: str  # the literal (lower-cased unless cased); for glob a regex for fullmatch
    cased: bool
    literal: str  # longest wildcard-free run, lower-cased: what the prefilter may require


@dataclass(frozen=True)
class NumTest:
    paths: Paths
    number: int | float


@dataclass(frozen=True)
class BoolTest:
    paths: Paths
    value: bool


@dataclass(frozen=True)
class NullTest:
    paths: Paths


@dataclass(frozen=True)
class ExistsTest:
    paths: Paths
    exists: bool


@dataclass(frozen=True)
class RegexTest:
    paths: Paths
    pattern: str
    flags: int


@dataclass(frozen=True)
class CidrTest:
    paths: Paths
    network: ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class CompareTest:
    paths: Paths
    op: str  # lt, lte, gt, gte, neq
    number: float


@dataclass(frozen=True)
class FieldRefTest:
    paths: Paths
    other: Paths
    starts: bool
    ends: bool


Leaf = (
    (StrTest | NumTest | BoolTest | NullTest | ExistsTest | RegexTest | CidrTest)
    | CompareTest
    | FieldRefTest
)
Node = And | Or | Not | Leaf

_COMPARE = {
    CompareOperators.LT: "lt",
    CompareOperators.LTE: "lte",
    CompareOperators.GT: "gt",
    CompareOperators.GTE: "gte",
    CompareOperators.NEQ: "neq",
}
_RE_FLAGS = {
    SigmaRegularExpressionFlag.IGNORECASE: re.IGNORECASE,
    SigmaRegularExpressionFlag.MULTILINE: re.MULTILINE,
    SigmaRegularExpressionFlag.DOTALL: re.DOTALL,
}


def string_test(value: SigmaString, paths: Paths, *, cased: bool, keyword: bool) -> StrTest:
    """Reduce a wildcard string to the cheapest test that decides it."""
    parts: list[str | SpecialChars] = []
    for part in value.s:
        if isinstance(part, Placeholder):
            raise RuleError(f"placeholder %{part.name}% was not expanded")
        if isinstance(part, str):
            text = part if cased else part.lower()
            if parts and isinstance(parts[-1], str):
                parts[-1] += text
            elif text:
                parts.append(text)
        else:
            parts.append(part)
    multi = SpecialChars.WILDCARD_MULTI
    if keyword:  # keywords are found anywhere in the text
        if not parts or parts[0] is not multi:
            parts.insert(0, multi)
        if parts[-1] is not multi:
            parts.append(multi)
    literal = max((p for p in parts if isinstance(p, str)), key=len, default="")
    literal = literal.lower()
    shape = tuple("s" if isinstance(p, str) else ("*" if p is multi else "?") for p in parts)
    if not shape:
        return StrTest(paths, "eq", "", cased, "")
    if all(s == "*" for s in shape):
        return StrTest(paths, "any", "", cased, "")
    simple = {("s",): "eq", ("*", "s"): "ew", ("s", "*"): "sw", ("*", "s", "*"): "in"}
    if shape in simple:
        text = next(p for p in parts if isinstance(p, str))
        return StrTest(paths, simple[shape], text, cased, literal)
    pattern = "".join(
        re.escape(p) if isinstance(p, str) else (".*" if p is multi else ".") for p in parts
    )
    return StrTest(paths, "glob", pattern, cased, literal)


class Lowering:
    """Turns pySigma condition trees into :data:`Node` trees for one rule."""

    def __init__(
        self,
        resolve: Callable[[str], Paths],
        placeholders: Mapping[str, Sequence[str]],
    ) -> None:
        self._resolve = resolve
        self._placeholders = placeholders

    def lower(self, cond: Any) -> Node:
        if isinstance(cond, ConditionAND):
            return And(tuple(self.lower(a) for a in cond.args))
        if isinstance(cond, ConditionOR):
            return Or(tuple(self.lower(a) for a in cond.args))
        if isinstance(cond, ConditionNOT):
            return Not(self.lower(cond.args[0]))
        if isinstance(cond, ConditionFieldEqualsValueExpression):
            return self._value(cond.value, self._resolve(cond.field), keyword=False)
        if isinstance(cond, ConditionValueExpression):
            return self._value(cond.value, KEYWORD_PATHS, keyword=True)
        raise RuleError(f"unsupported condition element {type(cond).__name__}")

    def _expand(self, placeholder: Placeholder) -> Iterator[str]:
        values = self._placeholders.get(placeholder.name)
        if values is None:
            raise RuleError(f"placeholder %{placeholder.name}% has no values in the configuration")
        yield from values

    def _value(self, value: Any, paths: Paths, *, keyword: bool) -> Node:
        if isinstance(value, SigmaExpansion):
            return Or(tuple(self._value(v, paths, keyword=keyword) for v in value.values))
        if isinstance(value, SigmaString):
            if value.contains_placeholder():
                expanded = value.replace_placeholders(self._expand)
                return Or(tuple(self._value(v, paths, keyword=keyword) for v in expanded))
            cased = isinstance(value, SigmaCasedString)
            return string_test(value, paths, cased=cased, keyword=keyword)
        if isinstance(value, SigmaTimestampPart):
            raise RuleError("timestamp part modifiers (minute, hour, ...) are not supported")
        if isinstance(value, SigmaNumber):
            if keyword:
                return string_test(SigmaString(str(value.number)), paths, cased=False, keyword=True)
            return NumTest(paths, value.number)
        if isinstance(value, SigmaBool):
            return BoolTest(paths, value.boolean)
        if isinstance(value, SigmaRegularExpression):
            if value.contains_placeholder():
                expanded_re = value.replace_placeholders(self._expand)
                return Or(tuple(self._value(v, paths, keyword=keyword) for v in expanded_re))
            flags = 0
            for flag in value.flags:
                flags |= _RE_FLAGS[flag]
            pattern = str(value.regexp)
            try:
                re.compile(pattern, flags)
            except re.error as exc:
                raise RuleError(f"invalid regular expression {pattern!r}: {exc}") from exc
            return RegexTest(paths, pattern, flags)
        if keyword:
            raise RuleError(f"a keyword cannot be a {type(value).__name__}")
        if isinstance(value, SigmaNull):
            return NullTest(paths)
        if isinstance(value, SigmaExists):
            return ExistsTest(paths, value.exists)
        if isinstance(value, SigmaCIDRExpression):
            return CidrTest(paths, value.network)
        if isinstance(value, SigmaCompareExpression):
            return CompareTest(paths, _COMPARE[value.op], float(value.number.number))
        if isinstance(value, SigmaFieldReference):
            return FieldRefTest(
                paths, self._resolve(value.field), value.starts_with, value.ends_with
            )
        raise RuleError(f"unsupported value type {type(value).__name__}")
