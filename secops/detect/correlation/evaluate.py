"""Whether a correlation rule's condition holds over one window of events."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sigma.correlations import (
    CorrelationConditionAND,
    CorrelationConditionNOT,
    CorrelationConditionOR,
    SigmaRuleReference,
)

from secops.detect.correlation.spec import (
    EVENT_COUNT,
    TEMPORAL,
    TEMPORAL_ORDERED,
    VALUE_COUNT,
    CorrelationSpec,
    Expression,
)
from secops.detect.correlation.window import Entry


def verdict(spec: CorrelationSpec, window: Sequence[Entry]) -> tuple[bool, float | None]:
    """(condition holds, measured value) for the events of one window."""
    if not window:
        return False, None
    measured = measure(spec, window)
    if spec.type == TEMPORAL and spec.condition.expression is not None:
        present = {spec.rules[entry[3]] for entry in window}
        return _truth(spec.condition.expression, present), measured
    if measured is None:
        return False, None
    return spec.condition.holds(measured), measured


def measure(spec: CorrelationSpec, window: Sequence[Entry]) -> float | None:
    kind = spec.type
    if kind == EVENT_COUNT:
        return float(len(window))
    if kind == VALUE_COUNT:
        return float(len({entry[4][0] for entry in window}))  # (value, noted fields)
    if kind == TEMPORAL:
        return float(len({entry[3] for entry in window}))
    if kind == TEMPORAL_ORDERED:
        return float(ordered_prefix(window, len(spec.rules)))
    values = [float(entry[4]) for entry in window]
    if kind == "value_sum":
        return math.fsum(values)
    if kind == "value_avg":
        return math.fsum(values) / len(values)
    assert spec.condition.percentile is not None
    return percentile(values, spec.condition.percentile)


def ordered_prefix(window: Sequence[Entry], n_rules: int) -> int:
    """How many of the referenced rules, in their listed order, fired one after another.

    Taking the earliest match of each next rule is optimal for a subsequence, so one
    pass suffices.
    """
    wanted = 0
    for entry in window:
        if wanted < n_rules and entry[3] == wanted:
            wanted += 1
    return wanted


def percentile(values: Sequence[float], pct: float) -> float:
    """Percentile with linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _truth(node: Expression, present: set[str]) -> bool:
    if isinstance(node, SigmaRuleReference):
        return node.reference in present
    if isinstance(node, CorrelationConditionNOT):
        return not _truth(node.args[0], present)
    if isinstance(node, CorrelationConditionAND):
        return all(_truth(arg, present) for arg in node.args)
    if isinstance(node, CorrelationConditionOR):
        return any(_truth(arg, present) for arg in node.args)
    raise TypeError(f"unknown condition node {node!r}")
