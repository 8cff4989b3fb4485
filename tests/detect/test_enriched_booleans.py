"""Sigma rules match the enrich stage's JSON booleans, written as false/true or 'false'/'true'."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from secops.detect.engine import DetectionEngine
from secops.detect.ruleset import RuleSet
from secops.enrich import Enricher
from secops.enrich.directory import Directory, parse_people
from secops.normalize import normalize
from secops.records import RawRecord, Source

from .helpers import rule_from_yaml

PEOPLE = "user,clearance,committees,aliases\nmrossi,secret,defence,\n"


def _event(committee: str) -> dict[str, Any]:
    fields = {
        "app": "dms", "ts": "2026-06-05T22:00:00Z", "user": "mrossi", "clearance": "secret",
        "doc_id": "DOC-1", "classification": "secret", "committee": committee,
        "action": "download", "result": "success", "client": "203.0.113.9",
    }  # fmt: skip
    record = RawRecord(
        source=Source(input="http"), received_at=time.time(), message=json.dumps(fields)
    )
    event = normalize(record)
    directory = Directory.of(parse_people(PEOPLE, source="p"), generation="g")
    Enricher(directory=lambda: directory).enrich([event])
    return event


DMS = {"product": "parliament", "service": "dms"}
RULE = """
selection:
    parliament.document.classification: secret
    secops.need_to_know: {need}
    secops.time.working: {working}
    secops.source.internal: {internal}
condition: selection
"""


@pytest.mark.parametrize(
    ("need", "working", "internal"),
    [("false", "false", "false"), ("'false'", "'false'", "'false'")],
)
def test_boolean_values_match(need: str, working: str, internal: str) -> None:
    text = RULE.format(need=need, working=working, internal=internal)
    rule = rule_from_yaml(text, logsource=DMS)
    engine = DetectionEngine(RuleSet(rules=[rule]))
    outsider = _event("budget")
    assert outsider["secops"]["need_to_know"] is False
    assert [m.rule.id for m in engine.match(outsider, "1")] == [rule.meta.id]
    member = _event("defence")
    assert member["secops"]["need_to_know"] is True
    assert list(engine.match(member, "2")) == []


def test_true_matches_true_only() -> None:
    rule = rule_from_yaml(
        """
selection:
    secops.above_clearance: true
    secops.source.first_seen: true
condition: selection
""",
        logsource=DMS,
    )
    engine = DetectionEngine(RuleSet(rules=[rule]))
    event = _event("defence")
    assert event["secops"]["above_clearance"] is False
    assert list(engine.match(event, "1")) == []
    event["secops"]["above_clearance"] = True
    assert len(list(engine.match(event, "1"))) == 1
