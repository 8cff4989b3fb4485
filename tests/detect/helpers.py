"""Building rules and events for the detection tests."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from sigma.rule import SigmaRule

from secops.detect.loader import apply_modifier_aliases, compile_rule
from secops.detect.mapping import FieldMapping
from secops.detect.ruleset import CompiledRule
from secops.normalize import normalize, normalize_many
from secops.records import RawRecord, Source

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared"
SIGMA = SHARED / "sigma"

_MAPPING = FieldMapping.load()


def rule_from(
    detection: Mapping[str, Any],
    *,
    logsource: Mapping[str, str] | None = None,
    placeholders: Mapping[str, Sequence[str]] | None = None,
) -> CompiledRule:
    """A compiled rule with the given detection section (fails loudly)."""
    doc = {
        "title": "test rule",
        "id": "00000000-0000-4000-8000-000000000001",
        "logsource": dict(logsource or {"product": "parliament"}),
        "detection": dict(detection),
    }
    rule = SigmaRule.from_dict(apply_modifier_aliases(doc))
    return compile_rule(rule, mapping=_MAPPING, placeholders=placeholders or {})


def rule_from_yaml(text: str, **kwargs: Any) -> CompiledRule:
    return rule_from(yaml.safe_load(text), **kwargs)


def raw_event(lines: str | Sequence[str]) -> dict[str, Any]:
    """One ECS event from log lines, through the real normaliser."""
    now = time.time()
    if isinstance(lines, str):
        return normalize(RawRecord(source=Source(input="file"), received_at=now, message=lines))
    records = [RawRecord(source=Source(input="file"), received_at=now, message=m) for m in lines]
    events = normalize_many(records)
    assert len(events) == 1, f"records did not group into one event: {len(events)}"
    return events[0]


def windows_event(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An ECS event from evtx-rs or NXLog JSON, through the real normaliser."""
    record = RawRecord(source=Source(input="file"), received_at=time.time(), structured=dict(obj))
    return normalize(record)
