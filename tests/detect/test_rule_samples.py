"""Every rule of rules/ fires on its positive samples and on none of its negative ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from secops.detect.engine import DetectionEngine
from secops.detect.loader import BUILTIN_RULES, SAMPLE_SUFFIX, load_rules, rule_files

from .helpers import raw_event

RULE_FILES = [p for p in rule_files([BUILTIN_RULES]) if "correlation" not in p.parts]


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    ruleset = load_rules([BUILTIN_RULES], collect_errors=False)
    return DetectionEngine(ruleset)


def _event(sample: dict[str, Any]) -> dict[str, Any]:
    if "raw" in sample:
        return raw_event(sample["raw"])
    return sample["event"]


def test_rules_directory_is_not_empty() -> None:
    assert len(RULE_FILES) >= 10


@pytest.mark.parametrize("rule_path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_samples(rule_path: Path, engine: DetectionEngine) -> None:
    samples_path = rule_path.with_name(rule_path.stem + SAMPLE_SUFFIX)
    assert samples_path.is_file(), f"{rule_path} has no {samples_path.name}"
    rule_id = str(yaml.safe_load(rule_path.read_text())["id"])
    samples = yaml.safe_load(samples_path.read_text())
    assert samples.get("positive"), "a rule needs positive samples"
    assert samples.get("negative"), "a rule needs negative samples"
    # Every sample is tried, so one run lists all that fail, not the first.
    failing = [
        f"{kind} sample {i}"
        for kind, expected in (("positive", True), ("negative", False))
        for i, sample in enumerate(samples[kind])
        if (rule_id in {m.rule.id for m in engine.match(_event(sample), f"{kind}-{i}")})
        is not expected
    ]
    assert not failing, f"{rule_path.name}: {', '.join(failing)} wrong"
