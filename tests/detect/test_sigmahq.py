"""The SigmaHQ snapshot: nearly every rule compiles, and rules fire on their regression samples."""

from __future__ import annotations

import pytest

from secops.detect.engine import DetectionEngine
from secops.detect.loader import rule_files
from secops.detect.regression import RegressionCase, read_json_objects, regression_cases
from secops.detect.ruleset import RuleSet

from .helpers import SIGMA, windows_event

CASES = regression_cases(SIGMA)


def test_at_least_99_percent_of_windows_and_linux_rules_compile(sigmahq_rules: RuleSet) -> None:
    files = list(rule_files([SIGMA / "rules" / "windows", SIGMA / "rules" / "linux"]))
    assert len(files) > 2000
    loaded, rejected = len(sigmahq_rules.rules), len(sigmahq_rules.errors)
    report = "\n".join(f"{e.where}: {e.message}" for e in sigmahq_rules.errors)
    assert loaded / (loaded + rejected) >= 0.99, report
    for error in sigmahq_rules.errors:
        assert error.path, error
        assert error.message.strip(), error


def test_every_windows_rule_is_routed(sigmahq_rules: RuleSet) -> None:
    windows = [r for r in sigmahq_rules.rules if r.meta.logsource.get("product") == "windows"]
    assert windows
    assert [r.meta.path for r in windows if not r.routes] == []


@pytest.fixture(scope="module")
def regression_engine(sigmahq_all_rules: RuleSet) -> DetectionEngine:
    return DetectionEngine(sigmahq_all_rules)


def test_regression_data_is_present() -> None:
    assert len(CASES) >= 50


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_rule_fires_on_its_regression_sample(
    case: RegressionCase, regression_engine: DetectionEngine
) -> None:
    assert case.rule_id in regression_engine.ruleset.by_id(), f"{case.rule_path} did not load"
    events = [windows_event(obj) for obj in read_json_objects(case.json_path)]
    fired = sum(
        1
        for i, event in enumerate(events)
        for m in regression_engine.match(event, str(i))
        if m.rule.id == case.rule_id
    )
    assert case.failure(fired) is None, case.failure(fired)
