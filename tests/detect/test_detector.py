"""The pipeline's detector is pure: events in, matches out, correlation windows checkpointed.

No context and no store here: the detector reaches neither.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from secops.detect.correlation.engine import CorrelationEngine
from secops.detect.detector import RuleDetector
from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.detect.models import CorrelationMatch, Match
from secops.normalize import normalize
from secops.records import RawRecord, Source

RULES = Path(__file__).resolve().parents[2] / "rules"
SSH_FAILED_ID = "41794c97-ded1-47d5-bc99-24ead9543820"  # rules/linux/secops_ssh_failed_login
BRUTE_FORCE_ID = "7991d1ce-d685-4bb6-aa1b-8570e2839816"  # rules/correlation: ten of the above
SSHD = Source("syslog-tcp", host="LabSZ", application="sshd")


def _detector(disabled: Callable[[], Collection[str]] | None = None) -> RuleDetector:
    ruleset = load_rules([RULES / "linux", RULES / "parliament", RULES / "correlation"])
    assert ruleset.errors == []
    correlations = CorrelationEngine(ruleset.correlations, [r.meta for r in ruleset.rules])
    return RuleDetector(DetectionEngine(ruleset), correlations=correlations, disabled=disabled)


def _events(n: int) -> list[dict[str, Any]]:
    """sshd failures from one address, normalised and keyed as the pipeline does."""
    out = []
    for i in range(n):
        record = RawRecord(
            source=SSHD,
            received_at=time.time(),
            message=f"<38>Jan 10 10:00:{i:02d} LabSZ sshd[{1000 + i}]: Failed password for "
            f"root from 183.62.140.253 port {40000 + i} ssh2",
            origin=f"test:{i}",
        )
        event = normalize(record)
        event.setdefault("secops", {})["record_id"] = record.record_id()
        out.append(event)
    return out


def _correlated(found: list[Match]) -> list[tuple[str, tuple[str, ...]]]:
    return [(m.rule.id, tuple(m.event_ids)) for m in found if isinstance(m, CorrelationMatch)]


def test_events_give_the_correlation_match_of_their_base_rule() -> None:
    events = _events(12)
    found = _detector().detect(events)
    # the base rule feeds the correlation and, `generate` being off, raises nothing itself
    assert {type(m) for m in found} == {CorrelationMatch}
    ((rule_id, event_ids),) = _correlated(found)
    assert rule_id == BRUTE_FORCE_ID
    assert list(event_ids) == [e["secops"]["record_id"] for e in events[:10]]


def test_a_disabled_rule_matches_nothing_and_feeds_no_correlation() -> None:
    assert _detector(disabled=lambda: {SSH_FAILED_ID}).detect(_events(12)) == []


def test_correlation_windows_resume_from_a_snapshot() -> None:
    events = _events(12)
    whole = _correlated(_detector().detect(events))
    before = _detector()
    assert _correlated(before.detect(events[:6])) == []
    saved = json.loads(json.dumps(before.snapshot()))  # as the checkpoint document holds it
    after = _detector()
    after.restore(saved)
    assert _correlated(after.detect(events[6:])) == whole
    assert _correlated(_detector().detect(events[6:])) == []  # without the snapshot: nothing


def test_reloaded_rules_keep_the_open_windows_of_unchanged_correlations() -> None:
    """Rules swapped in between two batches (a reload) continue the windows under way."""
    fresh = _detector()
    calls: list[int] = []

    def reload() -> tuple[DetectionEngine, CorrelationEngine | None] | None:
        calls.append(1)
        return (fresh.engine, fresh.correlations) if len(calls) == 2 else None

    detector = _detector()
    detector.reload = reload
    events = _events(12)
    assert _correlated(detector.detect(events[:6])) == []
    found = _correlated(detector.detect(events[6:]))  # the new engines run this batch
    assert detector.engine is fresh.engine
    assert [rule for rule, _ in found] == [BRUTE_FORCE_ID]
    assert len(found[0][1]) == 10  # six of the events were seen before the reload
