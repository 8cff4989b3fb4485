"""The correlation types of the specification, each firing and not firing."""

from __future__ import annotations

import pytest

from secops.detect.correlation import CorrelationEngine

from .builders import base_rule, correlation, hit

FAILED = base_rule("failed_login")
SUCCESS = base_rule("successful_login")
RECON_A, RECON_B, RECON_C = (base_rule(f"recon_cmd_{c}") for c in "abc")
TRANSFER = base_rule("file_transfer")


def many_failed(threshold: int) -> CorrelationEngine:
    rule = correlation(
        "event_count",
        ["failed_login"],
        group_by=["source.ip"],
        timespan="1h",
        condition={"gte": threshold},
    )
    return CorrelationEngine([rule], [FAILED])


def test_event_count_fires_at_threshold_per_group() -> None:
    engine = many_failed(5)
    fired = []
    for i in range(5):
        fired += engine.observe(hit(FAILED, i * 60, f"a{i}", source__ip="10.0.0.1"))
        fired += engine.observe(hit(FAILED, i * 60 + 1, f"b{i}", source__ip="10.0.0.2"))
    assert [m.group for m in fired] == [{"source.ip": "10.0.0.1"}, {"source.ip": "10.0.0.2"}]
    first = fired[0]
    assert first.value == 5
    assert first.event_ids == [f"a{i}" for i in range(5)]
    assert first.correlation_type == "event_count"
    assert first.rule.kind == "correlation"
    assert first.rule.level == "high"
    assert first.base_rules == [FAILED.id]
    assert first.first_seen == "2024-12-10T10:00:00.000Z"
    assert first.last_seen == "2024-12-10T10:04:00.000Z"


def test_event_count_below_threshold_or_split_across_groups_does_not_fire() -> None:
    engine = many_failed(5)
    fired = []
    for i in range(4):
        fired += engine.observe(hit(FAILED, i, f"a{i}", source__ip="10.0.0.1"))
    for i in range(4):
        fired += engine.observe(hit(FAILED, 10 + i, f"b{i}", source__ip=f"10.0.1.{i}"))
    assert fired == []


def test_event_count_over_a_user() -> None:
    rule = correlation(
        "event_count", [FAILED.id], group_by=["user.name"], timespan="10m", condition={"gt": 2}
    )
    engine = CorrelationEngine([rule], [FAILED])
    results = [
        engine.observe(hit(FAILED, i * 30, f"e{i}", user__name="alice", source__ip=f"10.0.0.{i}"))
        for i in range(3)
    ]
    assert [len(r) for r in results] == [0, 0, 1]
    assert results[2][0].group == {"user.name": "alice"}


def test_event_count_without_group_by_counts_everything() -> None:
    rule = correlation("event_count", ["failed_login"], timespan="1m", condition={"gte": 3})
    engine = CorrelationEngine([rule], [FAILED])
    fired = [m for i in range(3) for m in engine.observe(hit(FAILED, i, f"e{i}"))]
    assert len(fired) == 1
    assert fired[0].group == {}


def distinct_users(threshold: int) -> CorrelationEngine:
    rule = correlation(
        "value_count",
        ["failed_login"],
        group_by=["source.ip", "host.name"],
        timespan="1d",
        condition={"field": "user.name", "gte": threshold},
    )
    return CorrelationEngine([rule], [FAILED])


def test_value_count_counts_distinct_values() -> None:
    engine = distinct_users(3)
    users = ["root", "root", "admin", "admin", "root", "oracle"]
    fired = []
    for i, user in enumerate(users):
        fired += engine.observe(
            hit(FAILED, i, f"e{i}", source__ip="1.2.3.4", host__name="web", user__name=user)
        )
    assert len(fired) == 1
    assert fired[0].value == 3
    assert fired[0].event_ids == [f"e{i}" for i in range(6)]
    assert fired[0].group == {"source.ip": "1.2.3.4", "host.name": "web"}


def test_value_count_many_events_few_values_does_not_fire() -> None:
    engine = distinct_users(3)
    fired = []
    for i in range(50):
        user = "root" if i % 2 else "admin"
        fired += engine.observe(
            hit(FAILED, i, f"e{i}", source__ip="1.2.3.4", host__name="web", user__name=user)
        )
    # same users from another host are another group
    fired += engine.observe(
        hit(FAILED, 60, "x", source__ip="1.2.3.4", host__name="db", user__name="oracle")
    )
    assert fired == []
    assert engine.stats.missing_value == 0


def test_value_count_skips_events_without_the_field() -> None:
    engine = distinct_users(2)
    fired = engine.observe(hit(FAILED, 0, "a", source__ip="1.2.3.4", host__name="web"))
    fired += engine.observe(hit(FAILED, 1, "b", source__ip="1.2.3.4", host__name="web"))
    assert fired == []
    assert engine.stats.missing_value == 2


def recon(kind: str) -> CorrelationEngine:
    rule = correlation(
        kind,
        ["recon_cmd_a", "recon_cmd_b", "recon_cmd_c"],
        group_by=["host.name", "user.name"],
        timespan="5m",
    )
    return CorrelationEngine([rule], [RECON_A, RECON_B, RECON_C])


@pytest.mark.parametrize("kind", ["temporal", "temporal_ordered"])
def test_temporal_all_rules_in_order_fire(kind: str) -> None:
    engine = recon(kind)
    who = {"host__name": "pc1", "user__name": "bob"}
    fired = engine.observe(hit(RECON_A, 0, "a", **who))
    fired += engine.observe(hit(RECON_B, 60, "b", **who))
    fired += engine.observe(hit(RECON_C, 120, "c", **who))
    assert len(fired) == 1
    assert fired[0].value == 3
    assert sorted(fired[0].base_rules) == sorted([RECON_A.id, RECON_B.id, RECON_C.id])


def test_temporal_any_order_fires_but_ordered_does_not() -> None:
    outcome = {}
    for kind in ("temporal", "temporal_ordered"):
        engine = recon(kind)
        who = {"host__name": "pc1", "user__name": "bob"}
        fired = engine.observe(hit(RECON_C, 0, "c", **who))
        fired += engine.observe(hit(RECON_A, 10, "a", **who))
        fired += engine.observe(hit(RECON_B, 20, "b", **who))
        outcome[kind] = len(fired)
    assert outcome == {"temporal": 1, "temporal_ordered": 0}


@pytest.mark.parametrize("kind", ["temporal", "temporal_ordered"])
def test_temporal_needs_every_rule_inside_the_timespan(kind: str) -> None:
    engine = recon(kind)
    who = {"host__name": "pc1", "user__name": "bob"}
    fired = engine.observe(hit(RECON_A, 0, "a", **who))
    fired += engine.observe(hit(RECON_B, 200, "b", **who))
    fired += engine.observe(hit(RECON_C, 301, "c", **who))  # a is 301 s old: outside 5m
    fired += engine.observe(hit(RECON_C, 302, "c2", host__name="pc2", user__name="bob"))
    assert fired == []


def test_temporal_ordered_chained_over_event_count() -> None:
    """The specification's example: many failed logins, then a success, same user."""
    many = correlation(
        "event_count",
        ["failed_login"],
        group_by=["user.name"],
        timespan="10m",
        condition={"gte": 3},
        name="multiple_failed_login",
        title="Multiple failed logins",
    )
    outer = correlation(
        "temporal_ordered",
        ["multiple_failed_login", "successful_login"],
        group_by=["user.name"],
        timespan="10m",
        title="Failed logins followed by success",
    )
    engine = CorrelationEngine([outer, many], [FAILED, SUCCESS])
    fired = []
    for i in range(3):
        fired += engine.observe(hit(FAILED, i * 10, f"f{i}", user__name="carol"))
    fired += engine.observe(hit(SUCCESS, 100, "s", user__name="carol"))
    fired += engine.observe(hit(SUCCESS, 110, "s2", user__name="dave"))
    # the inner rule is silenced by the outer one (generate defaults to false)
    assert [m.rule.title for m in fired] == ["Failed logins followed by success"]
    assert fired[0].group == {"user.name": "carol"}
    assert engine.silenced_rules() == {FAILED.id, SUCCESS.id, many["id"]}
    assert engine.referenced_rules() == {FAILED.id, SUCCESS.id}


def test_temporal_ordered_success_before_failures_does_not_fire() -> None:
    many = correlation(
        "event_count",
        ["failed_login"],
        group_by=["user.name"],
        timespan="10m",
        condition={"gte": 3},
        name="multiple_failed_login",
    )
    outer = correlation(
        "temporal_ordered",
        ["multiple_failed_login", "successful_login"],
        group_by=["user.name"],
        timespan="10m",
    )
    engine = CorrelationEngine([many, outer], [FAILED, SUCCESS])
    fired = engine.observe(hit(SUCCESS, 0, "s", user__name="carol"))
    for i in range(3):
        fired += engine.observe(hit(FAILED, 10 + i, f"f{i}", user__name="carol"))
    assert fired == []


def test_extended_temporal_condition() -> None:
    rule = correlation(
        "temporal",
        ["recon_cmd_a", "recon_cmd_b", "recon_cmd_c"],
        group_by=["host.name"],
        timespan="5m",
        condition="recon_cmd_a and (recon_cmd_b or recon_cmd_c)",
    )
    engine = CorrelationEngine([rule], [RECON_A, RECON_B, RECON_C])
    assert engine.observe(hit(RECON_B, 0, "b", host__name="h")) == []
    assert engine.observe(hit(RECON_C, 1, "c", host__name="h")) == []
    assert len(engine.observe(hit(RECON_A, 2, "a", host__name="h"))) == 1


def metric(kind: str, condition: dict[str, object]) -> CorrelationEngine:
    rule = correlation(
        kind,
        ["file_transfer"],
        group_by=["user.name"],
        timespan="1h",
        condition={"field": "file.size", **condition},
    )
    return CorrelationEngine([rule], [TRANSFER])


def feed_sizes(engine: CorrelationEngine, sizes: list[object]) -> list[float | None]:
    values = []
    for i, size in enumerate(sizes):
        for m in engine.observe(hit(TRANSFER, i * 60, f"t{i}", user__name="eve", file__size=size)):
            values.append(m.value)
    return values


def test_value_sum_fires_when_the_total_passes() -> None:
    assert feed_sizes(metric("value_sum", {"gt": 1000}), [400, 400, 300]) == [1100]
    assert feed_sizes(metric("value_sum", {"gt": 1000}), [400, 400, 100, 100]) == []


def test_value_sum_reads_numeric_strings_and_skips_the_rest() -> None:
    engine = metric("value_sum", {"gte": 30})
    assert feed_sizes(engine, ["10", "n/a", 10.5, True, 9.5]) == [30]
    assert engine.stats.missing_value == 2


def test_value_avg() -> None:
    assert feed_sizes(metric("value_avg", {"gte": 100}), [50, 250]) == [150]
    assert feed_sizes(metric("value_avg", {"gte": 100}), [50, 60, 99]) == []


def test_value_avg_lt_fires_on_small_values() -> None:
    assert feed_sizes(metric("value_avg", {"lt": 10}), [20, 1, 1]) == [pytest.approx(22 / 3)]
    assert feed_sizes(metric("value_avg", {"lt": 10}), [20, 10, 1]) == []


def test_value_percentile() -> None:
    engine = metric("value_percentile", {"percentile": 90, "gt": 500})
    # p90 of [10, 10, 10, 10, 1000] = 10 + 0.6 * 990 = 604 with linear interpolation
    assert feed_sizes(engine, [10, 10, 10, 10, 1000]) == [pytest.approx(604)]
    engine = metric("value_percentile", {"percentile": 50, "gt": 500})
    assert feed_sizes(engine, [10, 10, 10, 10, 1000]) == []


def test_value_median() -> None:
    engine = metric("value_median", {"gte": 100})
    assert feed_sizes(engine, [1, 2, 300, 400]) == [151]
    assert feed_sizes(metric("value_median", {"gte": 100}), [1, 2, 300, 3]) == []


def test_range_condition() -> None:
    """`gt: 3` with `lte: 5`: the count 4 is inside the range, so the rule fires at 4."""
    rule = correlation(
        "event_count", ["failed_login"], group_by=["user.name"], condition={"gt": 3, "lte": 5}
    )
    engine = CorrelationEngine([rule], [FAILED])
    fired = [m for i in range(4) for m in engine.observe(hit(FAILED, i, f"e{i}", user__name="u"))]
    assert [m.value for m in fired] == [4]


def test_neq_and_eq_conditions() -> None:
    eq = correlation("event_count", ["failed_login"], timespan="1m", condition={"eq": 2})
    engine = CorrelationEngine([eq], [FAILED])
    assert [len(engine.observe(hit(FAILED, i, f"e{i}"))) for i in range(3)] == [0, 1, 0]
    neq = correlation("event_count", ["failed_login"], timespan="1m", condition={"neq": 1})
    engine = CorrelationEngine([neq], [FAILED])
    assert [len(engine.observe(hit(FAILED, i, f"e{i}"))) for i in range(3)] == [0, 1, 0]
