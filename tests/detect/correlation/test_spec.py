"""Compiling correlation rules: from dicts and from pySigma objects, and their errors."""

from __future__ import annotations

import pytest
from sigma.correlations import SigmaCorrelationRule

from secops.detect.correlation import compile_rule
from secops.errors import RuleError

from .builders import correlation


def test_compiles_a_pysigma_rule_and_its_dict_alike() -> None:
    raw = correlation(
        "value_count",
        ["failed_login"],
        group_by=["source.ip"],
        timespan="90m",
        condition={"field": "user.name", "gte": 10},
        tags=["attack.credential-access", "attack.t1110"],
        falsepositives=["scanners"],
        description="many users",
    )
    from_dict = compile_rule(raw, path="r.yml", line=3)
    from_obj = compile_rule(SigmaCorrelationRule.from_dict(raw))
    for spec in (from_dict, from_obj):
        assert spec.type == "value_count"
        assert spec.timespan == 5400
        assert spec.group_by == ("source.ip",)
        assert spec.condition.fields == ("user.name",)
        assert spec.condition.holds(10)
        assert not spec.condition.holds(9)
        assert spec.meta.id == raw["id"]
        assert spec.meta.kind == "correlation"
        assert spec.meta.tags == ("attack.credential-access", "attack.t1110")
        assert spec.meta.falsepositives == ("scanners",)
        assert spec.generate is False
    assert from_dict.meta.path == "r.yml"
    assert from_dict.line == 3
    assert from_dict.fingerprint == from_obj.fingerprint


def test_range_condition_keeps_both_bounds() -> None:
    spec = compile_rule(
        correlation("event_count", ["a"], group_by=["x"], condition={"gt": 100, "lte": 200})
    )
    assert [spec.condition.holds(n) for n in (100, 101, 200, 201)] == [False, True, True, False]


def test_generate_and_aliases_are_read() -> None:
    spec = compile_rule(
        correlation(
            "temporal",
            ["internal_error", "new_network_connection"],
            group_by=["internal_ip"],
            timespan="10s",
            correlation={
                "generate": True,
                "aliases": {
                    "internal_ip": {
                        "internal_error": "destination.ip",
                        "new_network_connection": "source.ip",
                    }
                },
            },
        )
    )
    assert spec.generate is True
    assert spec.aliases["internal_ip"]["new_network_connection"] == "source.ip"
    assert spec.condition.holds(2)
    assert not spec.condition.holds(1)


def test_rule_without_id_gets_a_stable_one() -> None:
    raw = correlation("event_count", ["a"], group_by=["x"], condition={"gte": 2})
    del raw["id"]
    first, second = (compile_rule(raw, path="p.yml") for _ in range(2))
    assert first.meta.id == second.meta.id
    assert compile_rule(raw, path="other.yml").meta.id != first.meta.id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "event_burst"}, "no valid Sigma correlation type"),
        ({"timespan": "five minutes"}, "invalid"),
        ({"condition": {"gte": "many"}}, "count"),
        ({"condition": {"gt": 1, "lte": "x"}}, "not a number"),
        ({"type": "value_count", "condition": {"gte": 3}}, "field"),
        ({"type": "value_percentile", "condition": {"field": "f", "gte": 3}}, "percentile"),
        ({"type": "value_sum", "condition": {"field": ["a", "b"], "gte": 3}}, "one field"),
        ({"type": "temporal_ordered", "condition": "a and b"}, "temporal rules only"),
        ({"rules": []}, "references no rules"),
    ],
)
def test_bad_rules_raise_rule_error_with_location(change: dict, message: str) -> None:
    raw = correlation("event_count", ["a", "b"], group_by=["x"], condition={"gte": 2})
    raw["correlation"].update(change)
    with pytest.raises(RuleError, match=message) as caught:
        compile_rule(raw, path="rules/bad.yml", line=7)
    assert (caught.value.path, caught.value.line) == ("rules/bad.yml", 7)
