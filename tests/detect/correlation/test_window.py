"""Sliding event-time windows: boundaries, episodes, out-of-order and late events."""

from __future__ import annotations

from secops.detect.correlation import CorrelationEngine

from .builders import base_rule, correlation, hit

FAILED = base_rule("failed_login")


def engine(threshold: int = 5, timespan: str = "5m", lateness: float = 60.0) -> CorrelationEngine:
    rule = correlation(
        "event_count",
        ["failed_login"],
        group_by=["source.ip"],
        timespan=timespan,
        condition={"gte": threshold},
    )
    return CorrelationEngine([rule], [FAILED], lateness=lateness)


def feed(eng: CorrelationEngine, times: list[float], ip: str = "10.0.0.1", prefix: str = "e"):
    return [
        m
        for i, t in enumerate(times)
        for m in eng.observe(hit(FAILED, t, f"{prefix}{i}", source__ip=ip))
    ]


def test_burst_across_a_bucket_boundary_is_caught() -> None:
    # 5 events within 100 s, straddling 10:05:00: fixed 5-minute buckets see 2 and 3
    times = [240, 260, 280, 310, 340]
    fired = feed(engine(), times)
    assert len(fired) == 1
    assert fired[0].first_seen == "2024-12-10T10:04:00.000Z"


def test_window_is_open_at_its_start() -> None:
    """(t - timespan, t]: an event exactly one timespan older is out."""
    assert feed(engine(threshold=2), [0, 300]) == []
    assert len(feed(engine(threshold=2), [0, 299.999])) == 1


def test_sparse_events_never_fill_the_window() -> None:
    times = [i * 76 for i in range(30)]  # 30 events, never 5 within 5 minutes
    assert feed(engine(), times) == []


def test_after_firing_the_window_restarts_after_the_last_event() -> None:
    eng = engine(threshold=5)
    fired = feed(eng, [float(i) for i in range(23)])
    # 23 events in one episode: fires at the 5th, 10th, 15th, 20th; 3 remain open
    assert [m.value for m in fired] == [5, 5, 5, 5]
    assert [m.event_ids[0] for m in fired] == ["e0", "e5", "e10", "e15"]
    assert [m.event_ids[-1] for m in fired] == ["e4", "e9", "e14", "e19"]


def test_out_of_order_event_inside_lateness_completes_an_earlier_window() -> None:
    eng = engine(threshold=3, timespan="1m", lateness=120)
    assert feed(eng, [0, 50, 100], prefix="a") == []  # no three within 60 s
    late = eng.observe(hit(FAILED, 30, "late", source__ip="10.0.0.1"))
    assert len(late) == 1
    assert late[0].event_ids == ["a0", "late", "a1"]  # event-time order, window ending at 50
    assert late[0].last_seen == "2024-12-10T10:00:50.000Z"
    # a1 was consumed; the window now restarts after 50: 100 and a new 105 make only two
    assert feed(eng, [105], prefix="b") == []


def test_out_of_order_event_can_complete_a_later_window() -> None:
    eng = engine(threshold=3, timespan="1m", lateness=120)
    assert feed(eng, [100, 150], prefix="a") == []
    late = eng.observe(hit(FAILED, 95, "late", source__ip="10.0.0.1"))
    assert [m.event_ids for m in late] == [["late", "a0", "a1"]]


def test_event_beyond_lateness_is_counted_not_used() -> None:
    eng = engine(threshold=2, timespan="10m", lateness=30)
    assert feed(eng, [100], prefix="a") == []
    assert eng.observe(hit(FAILED, 60, "late", source__ip="10.0.0.1")) == []
    assert eng.stats.late == 1
    assert len(feed(eng, [101], prefix="b")) == 1


def test_late_event_of_a_reported_episode_is_absorbed() -> None:
    eng = engine(threshold=2, timespan="10m", lateness=600)
    assert len(feed(eng, [100, 110], prefix="a")) == 1
    assert eng.observe(hit(FAILED, 105, "late", source__ip="10.0.0.1")) == []
    assert eng.stats.absorbed == 1
    assert len(feed(eng, [120, 130], prefix="b")) == 1


def test_missing_group_field_or_timestamp_is_counted() -> None:
    eng = engine(threshold=1)
    assert eng.observe(hit(FAILED, 0, "a")) == []
    broken = hit(FAILED, 0, "b", source__ip="10.0.0.1")
    broken.event["@timestamp"] = "yesterday"
    assert eng.observe(broken) == []
    assert (eng.stats.missing_group_field, eng.stats.bad_timestamp) == (1, 1)


def test_unreferenced_rules_are_ignored() -> None:
    eng = engine(threshold=1)
    other = base_rule("something_else")
    assert eng.observe(hit(other, 0, "x", source__ip="10.0.0.1")) == []
    assert eng.stats.observed == 0
