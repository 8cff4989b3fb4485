"""References to base rules and to other correlations, aliases, and broken references."""

from __future__ import annotations

import pytest

from secops.detect.correlation import CorrelationEngine
from secops.errors import RuleError

from .builders import base_rule, correlation, hit

INTERNAL_ERROR = base_rule("internal_error")
NEW_CONNECTION = base_rule("new_network_connection")


def alias_engine() -> CorrelationEngine:
    """The specification's field name aliases example."""
    rule = correlation(
        "temporal",
        ["internal_error", NEW_CONNECTION.id],
        group_by=["internal_ip", "remote_ip"],
        timespan="10s",
        correlation={
            "aliases": {
                "internal_ip": {
                    "internal_error": "destination.ip",
                    "new_network_connection": "source.ip",
                },
                "remote_ip": {
                    "internal_error": "source.ip",
                    "new_network_connection": "destination.ip",
                },
            }
        },
    )
    return CorrelationEngine([rule], [INTERNAL_ERROR, NEW_CONNECTION])


def test_aliases_group_different_fields_together() -> None:
    engine = alias_engine()
    assert (
        engine.observe(
            hit(INTERNAL_ERROR, 0, "err", destination__ip="10.1.1.1", source__ip="203.0.113.9")
        )
        == []
    )
    fired = engine.observe(
        hit(NEW_CONNECTION, 5, "conn", source__ip="10.1.1.1", destination__ip="203.0.113.9")
    )
    assert len(fired) == 1
    assert fired[0].group == {"internal_ip": "10.1.1.1", "remote_ip": "203.0.113.9"}
    assert fired[0].event_ids == ["err", "conn"]


def test_aliases_do_not_match_the_same_fields_unswapped() -> None:
    engine = alias_engine()
    engine.observe(
        hit(INTERNAL_ERROR, 0, "err", destination__ip="10.1.1.1", source__ip="203.0.113.9")
    )
    fired = engine.observe(
        hit(NEW_CONNECTION, 5, "conn", destination__ip="10.1.1.1", source__ip="203.0.113.9")
    )
    assert fired == []


def test_unknown_reference_is_an_error_or_left_out() -> None:
    good = correlation(
        "event_count", ["internal_error"], group_by=["host.name"], condition={"gte": 1}
    )
    bad = correlation("event_count", ["no_such_rule"], group_by=["host.name"], condition={"gte": 1})
    with pytest.raises(RuleError, match="no_such_rule"):
        CorrelationEngine([good, bad], [INTERNAL_ERROR])
    engine = CorrelationEngine([good, bad], [INTERNAL_ERROR], collect_errors=True)
    assert [s.meta.id for s in engine.specs] == [good["id"]]
    assert len(engine.errors) == 1
    assert len(engine.observe(hit(INTERNAL_ERROR, 0, "e", host__name="h"))) == 1


def test_cycles_and_their_dependents_are_left_out() -> None:
    a = correlation("event_count", ["corr_b"], group_by=["x"], condition={"gte": 1}, name="corr_a")
    b = correlation("event_count", ["corr_a"], group_by=["x"], condition={"gte": 1}, name="corr_b")
    c = correlation("event_count", ["corr_a"], group_by=["x"], condition={"gte": 1}, name="corr_c")
    engine = CorrelationEngine([a, b, c], [], collect_errors=True)
    assert engine.specs == []
    assert any("cycle" in str(e) for e in engine.errors)


def test_a_broken_rule_does_not_block_the_others() -> None:
    broken = correlation("event_count", ["internal_error"], group_by=["x"], condition={"gte": "x"})
    good = correlation(
        "event_count", ["internal_error"], group_by=["host.name"], condition={"gte": 1}
    )
    engine = CorrelationEngine([broken, good], [INTERNAL_ERROR], collect_errors=True)
    assert len(engine.specs) == 1
    assert len(engine.errors) == 1


def test_generate_true_keeps_base_rule_alerts() -> None:
    quiet = correlation("event_count", ["internal_error"], group_by=["h"], condition={"gte": 2})
    loud = correlation(
        "event_count",
        ["new_network_connection"],
        group_by=["h"],
        condition={"gte": 2},
        correlation={"generate": True},
    )
    engine = CorrelationEngine([quiet, loud], [INTERNAL_ERROR, NEW_CONNECTION])
    assert engine.silenced_rules() == {INTERNAL_ERROR.id}
    assert engine.referenced_rules() == {INTERNAL_ERROR.id, NEW_CONNECTION.id}
