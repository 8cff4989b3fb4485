"""First-seen addresses: look-back in event time, bounded state, snapshot and restore."""

from __future__ import annotations

from secops.enrich.first_seen import FirstSeen

DAY = 86400.0


def test_lookback_in_event_time() -> None:
    seen = FirstSeen(lookback_seconds=30 * DAY)
    assert seen.check("mrossi", "10.0.0.1", 0.0) is True
    assert seen.check("mrossi", "10.0.0.1", 10 * DAY) is False
    # Another person, the same address: new for that person.
    assert seen.check("lbianchi", "10.0.0.1", 10 * DAY) is True
    # 30 days after the last sighting: still within; 31 days: new again.
    assert seen.check("mrossi", "10.0.0.1", 40 * DAY) is False
    assert seen.check("mrossi", "10.0.0.1", 71 * DAY + 1) is True
    # An event older than the last sighting (late arrival) is not new.
    assert seen.check("mrossi", "10.0.0.1", 50 * DAY) is False


def test_failures_do_not_make_an_address_familiar() -> None:
    seen = FirstSeen()
    assert seen.check("m", "203.0.113.9", 0.0, remember=False) is True
    assert seen.check("m", "203.0.113.9", 1.0, remember=False) is True
    assert seen.check("m", "203.0.113.9", 2.0) is True
    assert seen.check("m", "203.0.113.9", 3.0) is False


def test_bounded_least_recent_forgotten() -> None:
    seen = FirstSeen(capacity=3)
    for i, address in enumerate(["a", "b", "c"]):
        seen.check("p", address, float(i))
    seen.check("p", "a", 10.0)  # a is now the most recent
    seen.check("p", "d", 11.0)  # evicts b
    assert len(seen) == 3
    assert seen.check("p", "a", 12.0, remember=False) is False
    assert seen.check("p", "b", 12.0, remember=False) is True


def test_snapshot_restore_and_changed() -> None:
    seen = FirstSeen(capacity=10)
    seen.check("p", "a", 0.0)
    assert seen.changed
    seen.changed = False
    seen.check("p", "a", 60.0)  # a minute later: nothing that matters changed
    assert not seen.changed
    seen.check("p", "a", 2 * 3600.0)
    assert seen.changed
    again = FirstSeen(capacity=10)
    again.restore(seen.snapshot())
    assert again.check("p", "a", 3 * 3600.0) is False
    assert again.check("p", "b", 3 * 3600.0) is True
    # A snapshot larger than the capacity keeps its most recent pairs.
    small = FirstSeen(capacity=1)
    small.restore(again.snapshot())
    assert len(small) == 1
    assert small.check("p", "b", 4 * 3600.0, remember=False) is False
