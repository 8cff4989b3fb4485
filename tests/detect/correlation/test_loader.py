"""Loading correlation rules from YAML files."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.detect.correlation import load_correlation_rules
from secops.errors import RuleError

REPO = Path(__file__).resolve().parents[3]

GOOD = """\
title: Many failed logins
id: 6f0b2a8e-53c5-4c1e-9d0f-0b8f8c3b9a01
correlation:
    type: event_count
    rules: failed_login
    group-by: user.name
    timespan: 10m
    condition:
        gte: 10
---
title: Single failed login
name: failed_login
logsource:
    product: linux
detection:
    selection:
        event.action: ssh_failed_login
    condition: selection
"""

BROKEN = """\
title: Fine
id: 1c7a9b36-2b9f-4f0e-8d6e-5f3f0c1b2a11
correlation:
    type: temporal
    rules: [a, b]
    group-by: [host.name]
    timespan: 1m
---
title: Broken
correlation:
    type: event_count
    rules: [a]
    group-by: [host.name]
    timespan: soon
    condition:
        gte: 3
"""


def test_loads_correlations_and_skips_base_rules(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mr_logins.yml").write_text(GOOD)
    (tmp_path / "notes.txt").write_text("not a rule")
    specs, errors = load_correlation_rules([tmp_path])
    assert errors == []
    (spec,) = specs
    assert spec.meta.title == "Many failed logins"
    assert spec.rules == ("failed_login",)
    assert spec.meta.path == str(tmp_path / "sub" / "mr_logins.yml")
    assert spec.line == 1


def test_a_broken_document_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_text(BROKEN)
    specs, errors = load_correlation_rules([path])
    assert [s.meta.title for s in specs] == ["Fine"]
    (error,) = errors
    assert isinstance(error, RuleError)
    assert (error.path, error.line) == (str(path), 9)
    assert "soon" in str(error)


def test_invalid_yaml_and_missing_files_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("title: x\ncorrelation: [unclosed\n")
    specs, errors = load_correlation_rules([bad, tmp_path / "gone.yml"])
    assert specs == []
    assert [e.path for e in errors] == [str(bad), str(tmp_path / "gone.yml")]
    assert errors[0].line is not None
    with pytest.raises(RuleError):
        load_correlation_rules([bad], collect_errors=False)


def test_our_correlation_rules_all_load() -> None:
    specs, errors = load_correlation_rules([REPO / "rules" / "correlation"])
    assert errors == []
    assert specs, "rules/correlation holds at least one rule"
    for spec in specs:
        assert spec.meta.path
        assert spec.meta.id != spec.meta.title
