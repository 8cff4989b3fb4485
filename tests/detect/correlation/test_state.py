"""Bounded state: events leave the window, idle groups expire, the group count is capped."""

from __future__ import annotations

from secops.detect.correlation import CorrelationEngine

from .builders import base_rule, correlation, hit

FAILED = base_rule("failed_login")


def engine(max_groups: int = 1000, threshold: int = 1000) -> CorrelationEngine:
    rule = correlation(
        "event_count",
        ["failed_login"],
        group_by=["source.ip"],
        timespan="1m",
        condition={"gte": threshold},
    )
    return CorrelationEngine([rule], [FAILED], max_groups=max_groups, lateness=10)


def test_a_group_keeps_only_events_that_can_still_count() -> None:
    eng = engine()
    for i in range(500):
        eng.observe(hit(FAILED, i * 5, f"e{i}", source__ip="10.0.0.1"))
    (group,) = eng.snapshot()["groups"]
    entries = group[4]
    # timespan 60 s + lateness 10 s at one event per 5 s
    assert 12 <= len(entries) <= 15
    assert entries[-1][2] == "e499"


def test_idle_groups_expire_as_event_time_moves_on() -> None:
    eng = engine()
    for i in range(50):
        eng.observe(hit(FAILED, 0, f"e{i}", source__ip=f"10.0.0.{i}"))
    assert eng.group_count() == 50
    eng.observe(hit(FAILED, 71, "later", source__ip="10.9.9.9"))
    assert eng.group_count() == 1
    assert eng.stats.evicted_expired == 50


def test_sweep_finds_expired_groups_behind_a_fresh_one() -> None:
    eng = engine()
    eng.observe(hit(FAILED, 0, "old", source__ip="10.0.0.1"))
    eng.observe(hit(FAILED, 65, "fresh", source__ip="10.0.0.2"))
    eng.observe(hit(FAILED, 60, "old2", source__ip="10.0.0.1"))  # refreshes group 1 at the LRU end
    eng.observe(hit(FAILED, 40, "x", source__ip="10.0.0.3"))
    eng.observe(hit(FAILED, 66, "y", source__ip="10.0.0.2"))
    # LRU order is now group 1 (latest 60), group 3 (latest 40), group 2 (latest 66)
    eng.observe(hit(FAILED, 120, "z", source__ip="10.0.0.2"))
    # at 120 only group 3 is idle for more than 60 s + 10 s, but it hides behind group 1
    assert eng.group_count() == 3
    assert eng.sweep() == 1
    assert eng.group_count() == 2
    assert eng.stats.evicted_expired == 1
    assert eng.sweep() == 0


def test_group_cap_evicts_least_recently_used() -> None:
    eng = engine(max_groups=3, threshold=2)
    for i, ip in enumerate(["a", "b", "c"]):
        eng.observe(hit(FAILED, i, f"{ip}1", source__ip=ip))
    eng.observe(hit(FAILED, 3, "a2-dup", source__ip="a"))  # fires and touches a
    eng.observe(hit(FAILED, 4, "d1", source__ip="d"))  # evicts b, the least recent
    assert eng.stats.evicted_lru == 1
    assert eng.group_count() == 3
    groups = {tuple(g[1]) for g in eng.snapshot()["groups"]}
    assert groups == {("a",), ("c",), ("d",)}
    # b starts again from nothing: one more b does not reach 2
    assert eng.observe(hit(FAILED, 5, "b2", source__ip="b")) == []
    assert len(eng.observe(hit(FAILED, 6, "d2", source__ip="d"))) == 1
