"""Alerts are stored as they always were: same fields, same order, same time formats.

``stored_alerts.json`` holds documents written by the code before `AlertDoc`: a grouped
alert merged, triaged and superseded, a correlation alert folded twice, a successor.
Read back and written again, each is the same bytes; built again from the same
matches and changes, each comes out the same.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from secops.alerts import generations
from secops.alerts.build import Grouping, from_correlation, from_rule_match, merge
from secops.alerts.models import AlertChange, AlertDoc, Status
from secops.alerts.triage import apply_change

from .factories import brute_match, ssh_match

STORED: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "stored_alerts.json").read_text()
)
NOW = datetime(2025, 3, 1, 10, 5, 0, 123456, tzinfo=UTC)
GROUPED = Grouping(window=300, fields_by_rule={})


@pytest.mark.parametrize("name", sorted(STORED))
def test_a_stored_alert_reads_and_writes_back_the_same_bytes(name: str) -> None:
    doc = STORED[name]
    assert orjson.dumps(AlertDoc.from_stored(doc).stored()) == orjson.dumps(doc)


def test_an_unknown_field_of_a_stored_alert_is_kept() -> None:
    doc = {**STORED["triaged"], "escalation": {"team": "noc"}}
    assert AlertDoc.from_stored(doc).stored() == doc


def _built() -> dict[str, AlertDoc]:
    _, first = from_rule_match(ssh_match(1), grouping=GROUPED, now=NOW)
    _, later = from_rule_match(ssh_match(2, ts="2025-03-01T10:03:00.5Z"), grouping=GROUPED, now=NOW)
    merge(first, later, max_event_ids=10)
    first.sla_due_at = NOW
    for change, verified in (
        (AlertChange(status=Status.acknowledged, assignee="ann", reason="mine"), None),
        (AlertChange(status=Status.resolved, resolution="benign", reason="scan"), NOW),
    ):
        apply_change(
            first, change, by="ann", now=NOW, mfa_verified_at=verified, step_up_max_age=300
        )
    generations.mark_superseded(first, by_id="x-1", now=NOW)
    _, corr = from_correlation(
        brute_match([f"ev-{i}" for i in range(12)]), grouping=GROUPED, now=NOW
    )
    more = brute_match(
        [f"ev-{i}" for i in range(12, 20)],
        first="2025-03-01T10:05:00Z",
        last="2025-03-01T10:06:00Z",
    )
    merge(corr, from_correlation(more, grouping=GROUPED, now=NOW)[1], max_event_ids=15)
    _, successor = generations.successor("x", first, later)
    return {"triaged": first, "correlation": corr, "successor": successor}


@pytest.mark.parametrize("name", sorted(STORED))
def test_building_merging_and_triage_write_what_they_wrote_before(name: str) -> None:
    assert orjson.dumps(_built()[name].stored()) == orjson.dumps(STORED[name])
