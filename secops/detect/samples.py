"""Run each rule's own samples (``<rule>.tests.yml``): positives must fire, negatives must not.

Used by ``secops rules test`` and by the test suite, so that a rule author and CI
check the same thing. Raw sample lines go through the real normaliser.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from secops.detect.engine import DetectionEngine
from secops.detect.loader import SAMPLE_SUFFIX, load_rules, rule_files
from secops.normalize import normalize, normalize_many
from secops.records import RawRecord, Source


@dataclass(frozen=True)
class SampleFailure:
    rule_path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.rule_path}: {self.reason}"


@dataclass(frozen=True)
class SampleReport:
    rules: int
    samples: int
    failures: tuple[SampleFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


def sample_event(sample: dict[str, Any]) -> dict[str, Any]:
    """The ECS event of one sample: ``raw`` line(s) normalised, or ``event`` as it stands."""
    if "event" in sample:
        return dict(sample["event"])
    raw = sample["raw"]
    now = time.time()
    if isinstance(raw, str):
        return normalize(RawRecord(source=Source(input="file"), received_at=now, message=raw))
    records = [RawRecord(source=Source(input="file"), received_at=now, message=m) for m in raw]
    events = normalize_many(records)
    return events[0]


def _is_correlation(path: Path) -> bool:
    try:
        docs = list(yaml.safe_load_all(path.read_text()))
    except yaml.YAMLError:
        return False
    return any(isinstance(d, dict) and "correlation" in d for d in docs)


def run_samples(dirs: Sequence[Path]) -> SampleReport:
    """Check every single-event rule under ``dirs`` against its samples."""
    engine = DetectionEngine(load_rules(list(dirs), collect_errors=True))
    failures: list[SampleFailure] = []
    rules = samples = 0
    for rule_path in rule_files(dirs):
        if _is_correlation(rule_path):
            continue
        rules += 1
        failures.extend(_check_rule(engine, rule_path, _count := [0]))
        samples += _count[0]
    return SampleReport(rules=rules, samples=samples, failures=tuple(failures))


def _check_rule(
    engine: DetectionEngine, rule_path: Path, count: list[int]
) -> Iterable[SampleFailure]:
    samples_path = rule_path.with_name(rule_path.name.removesuffix(".yml") + SAMPLE_SUFFIX)
    if not samples_path.is_file():
        yield SampleFailure(rule_path, f"no samples file {samples_path.name}")
        return
    rule_id = str((yaml.safe_load(rule_path.read_text()) or {}).get("id"))
    spec = yaml.safe_load(samples_path.read_text()) or {}
    for kind, expected in (("positive", True), ("negative", False)):
        if not spec.get(kind):
            yield SampleFailure(rule_path, f"no {kind} samples")
        for i, sample in enumerate(spec.get(kind) or []):
            count[0] += 1
            fired = {m.rule.id for m in engine.match(sample_event(sample), f"{kind}-{i}")}
            if (rule_id in fired) is not expected:
                verb = "did not fire" if expected else "fired"
                yield SampleFailure(rule_path, f"{kind} sample {i + 1} {verb}")
