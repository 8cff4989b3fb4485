"""Snapshots: a restart resumes open windows and never counts an event twice."""

from __future__ import annotations

import json
import random

import pytest

from secops.detect.correlation import CorrelationEngine
from secops.detect.models import CorrelationMatch, RuleMatch
from secops.errors import SecopsError

from .builders import base_rule, correlation, hit

FAILED = base_rule("failed_login")
RULE = correlation(
    "event_count", ["failed_login"], group_by=["source.ip"], timespan="2m", condition={"gte": 4}
)


def engine(rule: dict | None = None) -> CorrelationEngine:
    return CorrelationEngine([rule or RULE], [FAILED], lateness=30)


def stream(n: int, seed: int = 7) -> list[RuleMatch]:
    """Events from three addresses with some jitter, so some arrive out of order."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        t = i * 9 + rng.uniform(-12, 12)
        out.append(hit(FAILED, max(t, 0), f"e{i}", source__ip=f"10.0.0.{rng.randint(1, 3)}"))
    return out


def keyed(matches: list[CorrelationMatch]) -> list[tuple]:
    return [(tuple(m.group.items()), tuple(m.event_ids), m.value) for m in matches]


def run(eng: CorrelationEngine, matches: list[RuleMatch]) -> list[CorrelationMatch]:
    return [c for m in matches for c in eng.observe(m)]


def test_replayed_events_are_not_counted_twice() -> None:
    eng = engine()
    first = [hit(FAILED, i, f"e{i}", source__ip="10.0.0.1") for i in range(3)]
    assert run(eng, first) == []
    assert run(eng, first) == []
    assert eng.stats.duplicates == 3
    fired = eng.observe(hit(FAILED, 3, "e3", source__ip="10.0.0.1"))
    assert [m.event_ids for m in fired] == [["e0", "e1", "e2", "e3"]]


@pytest.mark.parametrize("cut", [5, 17, 33, 60])
@pytest.mark.parametrize("overlap", [0, 4])
def test_restart_mid_stream_gives_the_same_alerts(cut: int, overlap: int) -> None:
    """A restart from a snapshot, replaying `overlap` events already seen, changes nothing."""
    events = stream(80)
    reference = run(engine(), events)
    assert len(reference) >= 5  # the stream does exercise firing

    before = engine()
    fired = run(before, events[:cut])
    saved = json.loads(json.dumps(before.snapshot()))
    after = engine()
    after.restore(saved)
    fired += run(after, events[cut - overlap :])
    assert keyed(fired) == keyed(reference)


def test_restore_keeps_the_fence_of_a_reported_episode() -> None:
    before = engine()
    episode = [hit(FAILED, i, f"e{i}", source__ip="10.0.0.1") for i in range(4)]
    assert len(run(before, episode)) == 1
    after = engine()
    after.restore(json.loads(json.dumps(before.snapshot())))
    assert run(after, episode) == []
    assert after.stats.absorbed == 4


def test_snapshot_is_compact_and_bounded() -> None:
    eng = engine()
    run(eng, stream(2000))
    text = json.dumps(eng.snapshot(), separators=(",", ":"))
    # three addresses, each holding at most 2 minutes + 30 s of events at ~9 s apart
    held = sum(len(g[4]) for g in eng.snapshot()["groups"])
    assert held <= 3 * 20
    assert len(text) < 80 * held + 500


def test_windows_of_an_edited_rule_are_dropped() -> None:
    before = engine()
    run(before, [hit(FAILED, i, f"e{i}", source__ip="10.0.0.1") for i in range(3)])
    edited = {**RULE, "correlation": {**RULE["correlation"], "group-by": ["user.name"]}}
    after = engine(edited)
    after.restore(before.snapshot())
    assert after.group_count() == 0
    # only the threshold changed: the windows are still meaningful and kept
    retuned = {**RULE, "correlation": {**RULE["correlation"], "condition": {"gte": 3}}}
    kept = engine(retuned)
    kept.restore(before.snapshot())
    assert kept.group_count() == 1


def test_a_snapshot_of_another_version_is_refused() -> None:
    eng = engine()
    with pytest.raises(SecopsError, match="version"):
        eng.restore({"version": 99})
    with pytest.raises(SecopsError, match="malformed"):
        eng.restore({"version": 1, "rules": {}, "watermark": None, "seq": 0, "groups": [[1]]})
